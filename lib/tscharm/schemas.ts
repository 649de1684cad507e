/**
 * JSON Schemas of what Juju accepts in metadata.yaml, config.yaml and actions.yaml.
 *
 * They cover the parts a machine charm like ours uses (name, endpoints, config options, actions);
 * rarer metadata (storage, resources, containers, assumes) is accepted with a shallow shape check.
 * Rules that Juju enforces in code rather than in a schema (endpoint names unique across
 * requires/provides/peers, reserved `juju-` prefixes, action params being a valid JSON Schema)
 * are checked in validate.ts.
 */

/** Juju's charm-name rule: lowercase letters, digits and dashes; starts with a letter; no all-digit segment. */
export const CHARM_NAME_PATTERN = '^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$';
/** Endpoint (relation) names: lowercase, starting with a letter, `-`/`_` separated. */
export const ENDPOINT_NAME_PATTERN = '^[a-z][a-z0-9]*([_-][a-z0-9]+)*$';
/** Action names: lowercase letters and dashes, starting and ending with a letter. */
export const ACTION_NAME_PATTERN = '^[a-z](?:[a-z0-9-]*[a-z0-9])?$';
/** Config option names as Juju accepts them (ops maps `-` to `_` for Python; we keep them verbatim). */
export const OPTION_NAME_PATTERN = '^[a-z][a-z0-9]*([_-][a-z0-9]+)*$';

const endpoint = {
  anyOf: [
    { type: 'string', minLength: 1, description: 'short form: the interface name' },
    {
      type: 'object',
      required: ['interface'],
      additionalProperties: false,
      properties: {
        interface: { type: 'string', minLength: 1 },
        limit: { type: 'integer', minimum: 1 },
        optional: { type: 'boolean' },
        scope: { enum: ['global', 'container'] },
        description: { type: 'string' },
      },
    },
  ],
};

const endpointMap = {
  type: 'object',
  propertyNames: { pattern: ENDPOINT_NAME_PATTERN },
  additionalProperties: endpoint,
};

export const metadataSchema = {
  $id: 'tscharm:metadata',
  type: 'object',
  required: ['name', 'summary', 'description'],
  properties: {
    name: { type: 'string', pattern: CHARM_NAME_PATTERN },
    'display-name': { type: 'string' },
    summary: { type: 'string', minLength: 1 },
    description: { type: 'string', minLength: 1 },
    maintainers: { type: 'array', items: { type: 'string' } },
    docs: { type: 'string' },
    issues: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    source: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    website: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    subordinate: { type: 'boolean' },
    terms: { type: 'array', items: { type: 'string' } },
    series: { type: 'array', items: { type: 'string' } },
    'min-juju-version': { type: 'string' },
    assumes: { type: 'array' },
    requires: endpointMap,
    provides: endpointMap,
    peers: endpointMap,
    'extra-bindings': { type: ['object', 'null'] },
    storage: { type: 'object' },
    resources: { type: 'object' },
    containers: { type: 'object' },
    devices: { type: 'object' },
    payloads: { type: 'object' },
    'charm-user': { enum: ['root', 'sudoer', 'non-root'] },
  },
} as const;

/** Juju config option types and the JSON type their `default` must have. */
export const OPTION_TYPES = {
  string: 'string',
  int: 'integer',
  float: 'number',
  boolean: 'boolean',
  secret: 'string',
} as const;

export type ConfigOptionType = keyof typeof OPTION_TYPES;

const optionDefaultRules = Object.entries(OPTION_TYPES).map(([jujuType, jsonType]) => ({
  if: { properties: { type: { const: jujuType } }, required: ['type'] },
  then: { properties: { default: { type: jsonType } } },
}));

export const configSchema = {
  $id: 'tscharm:config',
  type: 'object',
  additionalProperties: false,
  properties: {
    options: {
      type: ['object', 'null'],
      propertyNames: { pattern: OPTION_NAME_PATTERN },
      additionalProperties: {
        type: 'object',
        required: ['type'],
        additionalProperties: false,
        properties: {
          type: { enum: Object.keys(OPTION_TYPES) },
          description: { type: 'string' },
          default: { type: ['string', 'number', 'boolean'] },
        },
        allOf: optionDefaultRules,
      },
    },
  },
} as const;

export const actionsSchema = {
  $id: 'tscharm:actions',
  type: 'object',
  propertyNames: { pattern: ACTION_NAME_PATTERN, not: { pattern: '^juju-' } },
  additionalProperties: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: {
      description: { type: 'string' },
      params: { type: 'object', additionalProperties: { type: 'object' } },
      required: { type: 'array', items: { type: 'string' }, uniqueItems: true },
      additionalProperties: { type: 'boolean' },
      'execution-group': { type: 'string' },
      parallel: { type: 'boolean' },
    },
  },
} as const;
