/**
 * Typed views of a charm's metadata.yaml, config.yaml and actions.yaml.
 *
 * `loadCharmMeta` is for tools and tests; a bundled charm should embed the parsed `CharmMeta`
 * at build time so that no YAML is parsed on the hot path (the `yaml` package is required
 * lazily for the same reason).
 */
import * as fs from 'fs';
import * as path from 'path';
import { MetadataError } from './errors';

export interface RelationSpec {
  readonly interface: string;
  readonly limit?: number;
  readonly optional?: boolean;
  readonly scope?: 'global' | 'container';
}

export interface StorageSpec {
  readonly type: string;
  readonly location?: string;
  readonly description?: string;
  readonly multiple?: { readonly range?: string };
}

export interface ContainerSpec {
  readonly resource?: string;
  readonly mounts?: readonly { readonly storage?: string; readonly location?: string }[];
}

export interface MetadataYaml {
  readonly name: string;
  readonly summary?: string;
  readonly description?: string;
  readonly 'display-name'?: string;
  readonly subordinate?: boolean;
  readonly peers?: Readonly<Record<string, RelationSpec>>;
  readonly requires?: Readonly<Record<string, RelationSpec>>;
  readonly provides?: Readonly<Record<string, RelationSpec>>;
  readonly storage?: Readonly<Record<string, StorageSpec>>;
  readonly containers?: Readonly<Record<string, ContainerSpec>>;
  readonly [key: string]: unknown;
}

export type ConfigOptionType = 'string' | 'int' | 'float' | 'boolean' | 'secret';

export interface ConfigOption {
  readonly type: ConfigOptionType;
  readonly description?: string;
  readonly default?: string | number | boolean | null;
}

export interface ConfigYaml {
  readonly options: Readonly<Record<string, ConfigOption>>;
}

/** One action's definition; `params` is a JSON Schema properties map (Juju treats it so). */
export interface ActionSpec {
  readonly description?: string;
  readonly params?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly 'execution-group'?: string;
  readonly parallel?: boolean;
}

export type ActionsYaml = Readonly<Record<string, ActionSpec>>;

/** A JSON Schema fragment, kept opaque: ajv interprets it. */
export type JsonSchema = Readonly<Record<string, unknown>>;

export interface CharmMeta {
  metadata: MetadataYaml;
  config: ConfigYaml;
  actions: ActionsYaml;
}

export type EndpointRole = 'peer' | 'requires' | 'provides';

export interface EndpointInfo {
  readonly name: string;
  readonly role: EndpointRole;
  readonly interface: string;
}

/** Every relation endpoint the charm declares, by name. */
export function endpointsOf(meta: CharmMeta): ReadonlyMap<string, EndpointInfo> {
  const out = new Map<string, EndpointInfo>();
  const add = (role: EndpointRole, specs: Readonly<Record<string, RelationSpec>> | undefined) => {
    for (const [name, spec] of Object.entries(specs ?? {})) {
      out.set(name, { name, role, interface: spec?.interface ?? '' });
    }
  };
  add('peer', meta.metadata.peers);
  add('requires', meta.metadata.requires);
  add('provides', meta.metadata.provides);
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const CONFIG_TYPES: readonly ConfigOptionType[] = ['string', 'int', 'float', 'boolean', 'secret'];

/** Check the parsed YAML documents' shape and return the typed views. */
export function parseCharmMeta(docs: { metadata: unknown; config?: unknown; actions?: unknown }): CharmMeta {
  const { metadata } = docs;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    throw new MetadataError('metadata.yaml must be a map with a non-empty "name"');
  }
  for (const section of ['peers', 'requires', 'provides', 'storage', 'containers']) {
    const v = metadata[section];
    if (v !== undefined && v !== null && !isRecord(v)) {
      throw new MetadataError(`metadata.yaml: "${section}" must be a map`);
    }
  }
  const configDoc = docs.config ?? {};
  if (!isRecord(configDoc)) throw new MetadataError('config.yaml must be a map');
  const options = configDoc.options ?? {};
  if (!isRecord(options)) throw new MetadataError('config.yaml: "options" must be a map');
  for (const [name, opt] of Object.entries(options)) {
    if (!isRecord(opt) || !CONFIG_TYPES.includes(opt.type as ConfigOptionType)) {
      throw new MetadataError(`config.yaml: option "${name}" needs a "type" of ${CONFIG_TYPES.join(', ')}`);
    }
  }
  const actions = docs.actions ?? {};
  if (!isRecord(actions)) throw new MetadataError('actions.yaml must be a map');
  for (const [name, spec] of Object.entries(actions)) {
    if (spec !== null && !isRecord(spec)) throw new MetadataError(`actions.yaml: action "${name}" must be a map`);
    if (isRecord(spec) && spec.params !== undefined && !isRecord(spec.params)) {
      throw new MetadataError(`actions.yaml: "${name}.params" must be a map`);
    }
  }
  const normalisedActions: Record<string, ActionSpec> = {};
  for (const [name, spec] of Object.entries(actions)) normalisedActions[name] = (spec ?? {}) as ActionSpec;
  return {
    metadata: metadata as MetadataYaml,
    config: { options: options as Record<string, ConfigOption> },
    actions: normalisedActions,
  };
}

function readYaml(file: string, required: boolean): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MetadataError(`cannot read ${file}: ${(e as Error).message}`);
  }
  // Required lazily: YAML parsing is never on a bundled charm's hot path.
  const yaml = require('yaml') as typeof import('yaml');
  try {
    return yaml.parse(text) ?? undefined;
  } catch (e) {
    throw new MetadataError(`cannot parse ${file}: ${(e as Error).message}`);
  }
}

/** Read metadata.yaml (required), config.yaml and actions.yaml (missing = empty) from a charm dir. */
export function loadCharmMeta(charmDir: string): CharmMeta {
  return parseCharmMeta({
    metadata: readYaml(path.join(charmDir, 'metadata.yaml'), true),
    config: readYaml(path.join(charmDir, 'config.yaml'), false),
    actions: readYaml(path.join(charmDir, 'actions.yaml'), false),
  });
}
