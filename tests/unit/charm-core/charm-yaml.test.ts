// config.yaml and actions.yaml at the repo root must agree with charm/core.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { CONFIG_OPTIONS, parseMirrorConfig } from '../../../charm/core/config';

const root = join(__dirname, '..', '..', '..');
const configYaml = parse(readFileSync(join(root, 'config.yaml'), 'utf8')) as { options: Record<string, { type: string; default: unknown; description: string }> };
const actionsYaml = parse(readFileSync(join(root, 'actions.yaml'), 'utf8')) as Record<
  string,
  { description: string; params: Record<string, Record<string, unknown>>; additionalProperties: boolean }
>;

describe('config.yaml', () => {
  it('declares exactly the options charm/core parses, with the same types and defaults', () => {
    expect(Object.keys(configYaml.options).sort()).toEqual(Object.keys(CONFIG_OPTIONS).sort());
    for (const [name, spec] of Object.entries(CONFIG_OPTIONS)) {
      expect({ name, type: configYaml.options[name].type, default: configYaml.options[name].default }).toEqual({ name, type: spec.type, default: spec.default });
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
