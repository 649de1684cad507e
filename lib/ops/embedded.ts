/**
 * Run-time access to what `tscharm pack` embedded into the bundle: the parsed metadata, config
 * and actions, and precompiled validators. `main(MyCharm)` uses them by default. Imports nothing
 * at run time (the validators' type is erased), so it costs nothing at start-up. It lives in
 * lib/ops, not lib/tscharm, so a charm's entry point never imports the packer.
 */

// Replaced by esbuild `define` in a tscharm bundle (see bundle.ts); undeclared elsewhere.
declare const __TSCHARM_META__: EmbeddedMetaDocs | undefined;
// Provided by esbuild `inject` in a tscharm bundle (see validators.ts); undeclared elsewhere.
declare const __TSCHARM_VALIDATORS__: PrecompiledValidators | undefined;

import type { PrecompiledValidators } from './validation';

export interface EmbeddedMetaDocs {
  readonly metadata: unknown;
  readonly config: unknown;
  readonly actions: unknown;
}

/** The parsed metadata/config/actions embedded at pack time, or undefined outside a tscharm bundle. */
export function maybeEmbeddedCharmMeta(): EmbeddedMetaDocs | undefined {
  return typeof __TSCHARM_META__ === 'undefined' ? undefined : __TSCHARM_META__;
}

/** Like maybeEmbeddedCharmMeta, but says what to do when the code was not bundled by tscharm. */
export function embeddedCharmMeta(): EmbeddedMetaDocs {
  const meta = maybeEmbeddedCharmMeta();
  if (meta === undefined) {
    throw new Error('no embedded charm metadata: build the charm with "tscharm pack" (or load it with loadCharmMeta)');
  }
  return meta;
}

/**
 * Ajv validators for config and action params, precompiled at pack time, or undefined outside a
 * tscharm bundle (lib/ops then compiles them with ajv on first use).
 */
export function embeddedValidators(): PrecompiledValidators | undefined {
  return typeof __TSCHARM_VALIDATORS__ === 'undefined' ? undefined : __TSCHARM_VALIDATORS__;
}
