// Moved to lib/ops/embedded.ts (a charm's entry point must not import the packer); kept as a
// re-export for charms written before the move.
export { embeddedCharmMeta, embeddedValidators, maybeEmbeddedCharmMeta } from '../ops/embedded';
export type { EmbeddedMetaDocs } from '../ops/embedded';
