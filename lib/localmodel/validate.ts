/**
 * What Juju checks before it queues anything: `juju config` values against config.yaml types, and
 * `juju run` params against the action's JSON Schema from actions.yaml (with defaults filled in,
 * as Juju does). Refusals carry Juju-like messages.
 */
import Ajv, { type ErrorObject } from 'ajv';
import { defaultActionAdditionalProperties, type ConfigValue, type SimAction, type SimCharmMeta } from '../sim';

export class Refusal extends Error {}

/** Go's strconv.ParseBool. */
function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/** %#v of a value as Go prints it in `option "k" expected int, got "abc"`. */
function goRepr(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Validate `juju config` input. Strings are parsed per option type (the CLI path: `key=value`);
 * other values must already have the option's type. `null` means reset to the default.
 */
export function validateConfig(
  meta: SimCharmMeta,
  values: Readonly<Record<string, string | number | boolean | null>>,
): Record<string, ConfigValue | null> {
  const out: Record<string, ConfigValue | null> = {};
  for (const [key, raw] of Object.entries(values)) {
    const option = meta.config[key];
    if (!option) throw new Refusal(`unknown option "${key}"`);
    if (raw === null) {
      out[key] = null;
      continue;
    }
    const wrong = () => new Refusal(`option "${key}" expected ${option.type}, got ${goRepr(raw)}`);
    switch (option.type) {
      case 'string':
      case 'secret':
        if (typeof raw !== 'string') throw wrong();
        if (option.type === 'secret' && raw !== '' && !/^secret:(\/\/[^/]+\/)?[0-9a-v]{20}$/.test(raw)) throw wrong();
        out[key] = raw;
        break;
      case 'int': {
        const n = typeof raw === 'string' ? (/^[+-]?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN) : raw;
        if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw wrong();
        out[key] = n;
        break;
      }
      case 'float': {
        const n = typeof raw === 'string' ? (raw.trim() === '' ? NaN : Number(raw.trim())) : raw;
        if (typeof n !== 'number' || !Number.isFinite(n)) throw wrong();
        out[key] = n;
        break;
      }
      case 'boolean': {
        const b = typeof raw === 'string' ? parseGoBool(raw.trim()) : raw;
        if (typeof b !== 'boolean') throw wrong();
        out[key] = b;
        break;
      }
    }
  }
  return out;
}

const ajv = new Ajv({ allErrors: false, useDefaults: true, strict: false });

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** gojsonschema-style text, as `juju run` prints it after "validation failed: ". */
function describe(error: ErrorObject, params: unknown): string {
  const field = `(root)${error.instancePath
    .split('/')
    .slice(1)
    .map((p) => `.${p}`)
    .join('')}`;
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': {
      const actual = error.instancePath
        .split('/')
        .slice(1)
        .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], params);
      return `${field} : Invalid type. Expected: ${String(p['type'])}, given: ${jsonType(actual)}`;
    }
    case 'required':
      return `${field} : ${String(p['missingProperty'])} is required`;
    case 'additionalProperties':
      return `${field} : Additional property ${String(p['additionalProperty'])} is not allowed`;
    case 'enum':
      return `${field} : ${field.split('.').pop()} must be one of the following: ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${field} : ${error.message ?? error.keyword}`;
  }
}

/** Validate `juju run` params; returns them with schema defaults filled in. */
export function validateActionParams(
  unit: string,
  actionName: string,
  actions: Readonly<Record<string, SimAction>>,
  params: Readonly<Record<string, unknown>>,
  jujuVersion?: string,
): Record<string, unknown> {
  const action = actions[actionName];
  if (!action) throw new Refusal(`action "${actionName}" not defined on unit "${unit}"`);
  const schema: Record<string, unknown> = {
    type: 'object',
    properties: action.params ?? {},
    ...(action.required ? { required: action.required } : {}),
    additionalProperties: action.additionalProperties ?? defaultActionAdditionalProperties(jujuVersion),
  };
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    throw new Refusal(`action "${actionName}" has an invalid params schema in actions.yaml: ${(err as Error).message}`);
  }
  const copy = structuredClone({ ...params }) as Record<string, unknown>;
  if (!validate(copy)) throw new Refusal(`validation failed: ${describe(validate.errors![0]!, copy)}`);
  return copy;
}
