// config.yaml and actions.yaml at the repo root must agree with charm/core.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { parseMirrorConfig } from '../../../charm/core/config';
import { CONFIG_DEFAULTS, CONFIG_TYPES } from '../../../charm/generated/charm-types';
import { checkGenerated } from '../../../lib/tscharm/gen';

const root = join(__dirname, '..', '..', '..');
const configYaml = parse(readFileSync(join(root, 'config.yaml'), 'utf8')) as {
  options: Record<string, { type: string; default: unknown; description: string }>;
};
const actionsYaml = parse(readFileSync(join(root, 'actions.yaml'), 'utf8')) as Record<
  string,
  { description: string; params: Record<string, Record<string, unknown>>; additionalProperties: boolean }
>;

describe('config.yaml', () => {
  it('charm/generated/charm-types.ts (the names, types and defaults charm/core uses) is up to date', () => {
    expect(checkGenerated(root, 'charm/main.ts')).toBeNull();
    expect(Object.keys(CONFIG_TYPES).sort()).toEqual(Object.keys(configYaml.options).sort());
    for (const [name, opt] of Object.entries(configYaml.options)) {
      expect({
        name,
        type: (CONFIG_TYPES as Record<string, string>)[name],
        default: (CONFIG_DEFAULTS as Record<string, unknown>)[name],
      }).toEqual({
        name,
        type: opt.type,
        default: opt.default,
      });
    }
  });

  it('every option has a substantial description', () => {
    for (const [name, opt] of Object.entries(configYaml.options)) {
      expect(typeof opt.description).toBe('string');
      expect(opt.description.length).toBeGreaterThan(60);
      expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    }
  });

  it('its defaults parse into a valid config', () => {
    const raw = Object.fromEntries(Object.entries(configYaml.options).map(([k, v]) => [k, v.default]));
    expect(parseMirrorConfig(raw).ok).toBe(true);
  });
});

describe('actions.yaml', () => {
  const ajv = new Ajv({ strict: false, useDefaults: true });
  const schemaOf = (name: string) => ({
    type: 'object',
    properties: actionsYaml[name].params,
    additionalProperties: actionsYaml[name].additionalProperties,
  });

  it('has pause, resume, status, restart and failover, each described and closed to unknown params', () => {
    expect(Object.keys(actionsYaml).sort()).toEqual(['failover', 'pause', 'restart', 'resume', 'status']);
    for (const [name, action] of Object.entries(actionsYaml)) {
      expect(action.description.length).toBeGreaterThan(60);
      expect(action.additionalProperties).toBe(false);
      expect(ajv.validateSchema(schemaOf(name))).toBe(true);
    }
  });

  it('restart takes all: boolean, default false', () => {
    const validate = ajv.compile(schemaOf('restart'));
    const params: Record<string, unknown> = {};
    expect(validate(params)).toBe(true);
    expect(params.all).toBe(false);
    expect(validate({ all: true })).toBe(true);
    expect(validate({ all: 'yes' })).toBe(false);
    expect(validate({ everything: true })).toBe(false);
  });

  it('pause/resume/status reject any parameter', () => {
    for (const name of ['pause', 'resume', 'status']) {
      const validate = ajv.compile(schemaOf(name));
      expect(validate({})).toBe(true);
      expect(validate({ force: true })).toBe(false);
    }
  });
});
