/**
 * JSON Schema validation of charm config and action params, with ajv compiled lazily.
 *
 * ajv is only `require`d the first time a validator is needed, and a build step can inject
 * precompiled validators (ajv `standalone` output) through `PrecompiledValidators`, so a hook
 * that never reads config or runs no action pays nothing for validation.
 */
import type { ActionSpec, ConfigYaml, JsonSchema } from './meta';

/** The shape of an ajv validate function, also what ajv `standalone` code exports. */
export interface ValidationErrorObject {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: readonly ValidationErrorObject[] | null;
}

export interface PrecompiledValidators {
  readonly config?: CompiledValidator;
  readonly actions?: Readonly<Record<string, CompiledValidator>>;
}

const CONFIG_JSON_TYPES: Readonly<Record<string, JsonSchema>> = {
  string: { type: 'string' },
  int: { type: 'integer' },
  float: { type: 'number' },
  boolean: { type: 'boolean' },
  secret: { type: 'string', pattern: '^secret:' },
};

/** config.yaml options → a JSON Schema for what `config-get --format=json` prints. */
export function configSchema(config: ConfigYaml): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, opt] of Object.entries(config.options)) {
    // Options without a value are absent or null in config-get's output.
    properties[name] = { anyOf: [CONFIG_JSON_TYPES[opt.type], { type: 'null' }], 'x-config-type': opt.type };
  }
  return { type: 'object', properties, additionalProperties: true };
}

/**
 * Whether an action accepts params its schema does not list, when actions.yaml does not say.
 * Juju 3 leaves `additionalProperties` to JSON Schema's default (true: extra params are passed
 * through); Juju 4 defaults it to false. An unknown or unparsable version reads as Juju 3.
 */
export function defaultActionAdditionalProperties(jujuVersion: string | undefined): boolean {
  const major = Number(/^(\d+)\./.exec(jujuVersion ?? '')?.[1] ?? '3');
  return major < 4;
}

/**
 * An action's params as one object schema. Juju treats `params` as JSON Schema properties;
 * `additionalProperties` is what actions.yaml sets, else the default of the Juju version running
 * the charm (see defaultActionAdditionalProperties). Without a version (a validator built at pack
 * time) the schema is the permissive Juju 3 one; the framework adds the Juju 4 check at run time.
 */
export function actionParamsSchema(spec: ActionSpec, jujuVersion?: string): JsonSchema {
  return {
    type: 'object',
    properties: spec.params ?? {},
    required: [...(spec.required ?? [])],
    additionalProperties: spec.additionalProperties ?? defaultActionAdditionalProperties(jujuVersion),
  };
}

/** Params an action with `additionalProperties` unset must refuse under `jujuVersion` (Juju 4). */
export function undeclaredActionParams(spec: ActionSpec, params: Readonly<Record<string, unknown>>, jujuVersion: string): string[] {
  if (spec.additionalProperties !== undefined || defaultActionAdditionalProperties(jujuVersion)) return [];
  const declared = spec.params ?? {};
  return Object.keys(params).filter((k) => !Object.hasOwn(declared, k));
}

/** Compile a schema with ajv, required on first use. */
export function compileSchema(schema: JsonSchema): CompiledValidator {
  const AjvModule = require('ajv') as typeof import('ajv');
  const Ajv = AjvModule.default;
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
  ajv.addKeyword('x-config-type');
  return ajv.compile(schema as object) as unknown as CompiledValidator;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function lookup(data: unknown, pointer: string): unknown {
  let cur: unknown = data;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return cur;
}

/**
 * Turn ajv errors into one message per problem, each naming the option/parameter and what was
 * expected. `what` is "option" or "parameter".
 */
export function describeValidationErrors(
  errors: readonly ValidationErrorObject[],
  data: unknown,
  what: 'option' | 'parameter',
  expectedTypes: Readonly<Record<string, string>> = {},
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const name = e.instancePath.split('/').slice(1).join('.');
    let msg: string;
    if (e.keyword === 'required') {
      msg = `${what} "${String(e.params.missingProperty)}" is required`;
    } else if (e.keyword === 'additionalProperties') {
      msg = `${what} "${String(e.params.additionalProperty)}" is not defined`;
    } else if (name !== '' && expectedTypes[name] !== undefined && ['anyOf', 'type', 'pattern'].includes(e.keyword)) {
      msg = `${what} "${name}" must be ${expectedTypes[name]}, got ${describeValue(lookup(data, e.instancePath))}`;
    } else if (e.keyword === 'anyOf' || e.keyword === 'type' || e.keyword === 'pattern' || e.keyword === 'enum') {
      const detail = e.keyword === 'enum' ? `one of ${JSON.stringify(e.params.allowedValues)}` : (e.message ?? 'valid');
      msg = `${what} "${name}" ${e.keyword === 'enum' ? `must be ${detail}` : detail}, got ${describeValue(lookup(data, e.instancePath))}`;
    } else {
      msg = `${what} "${name}" ${e.message ?? 'is invalid'}`;
    }
    // anyOf produces one error per branch plus its own; the first message per name is enough.
    const dedupeKey = e.keyword === 'required' || e.keyword === 'additionalProperties' ? msg : name;
    if (seen.has(dedupeKey)) continue;
    seen.add(dedupeKey);
    out.push(msg);
  }
  return out;
}

const CONFIG_TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  int: 'an integer (config type int)',
  float: 'a number (config type float)',
  boolean: 'a boolean (true or false)',
  secret: 'a secret URI "secret:<id>" (config type secret)',
};

export function configExpectations(config: ConfigYaml): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, opt] of Object.entries(config.options)) out[name] = CONFIG_TYPE_WORDS[opt.type];
  return out;
}
