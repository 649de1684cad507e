/**
 * manifest.yaml in charmcraft's shape (charmcraft docs: reference/files/manifest-yaml-file):
 * the tool version, when packing started, the bases with architectures, and analysis attributes.
 */
import { stringify } from 'yaml';
import type { Architecture } from './runtime';

export const TSCHARM_VERSION = '0.1.0';

export interface Base {
  readonly name: string;
  readonly channel: string;
}

/** Parse `ubuntu@22.04` (charmcraft's base notation). */
export function parseBase(base: string): Base {
  const match = /^([a-z]+)@(\d+\.\d+)$/.exec(base);
  if (!match) throw new Error(`base "${base}" must look like ubuntu@22.04`);
  return { name: match[1]!, channel: match[2]! };
}

export function manifestYaml(base: Base, arch: Architecture, startedAt: Date): string {
  const manifest = {
    // Not packed by charmcraft: say which tool did, in the field charmcraft uses for itself.
    'charmcraft-version': `tscharm-${TSCHARM_VERSION}`,
    'charmcraft-started-at': startedAt.toISOString(),
    bases: [{ name: base.name, channel: base.channel, architectures: [arch] }],
    analysis: {
      attributes: [
        { name: 'language', result: 'javascript' },
        { name: 'framework', result: 'tscharm' },
      ],
    },
  };
  return stringify(manifest);
}
