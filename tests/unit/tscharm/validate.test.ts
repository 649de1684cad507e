/**
 * `tscharm validate`: every kind of bad metadata/config/actions YAML gives a problem that names the
 * file, the line and the path, says what is wrong and what to do; code that observes an undeclared
 * endpoint or action is caught; the CLI exits non-zero.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCharmMetaFiles } from '../../../lib/tscharm/meta';
import { formatProblem, validateCharm, validateMetaFiles, type Problem } from '../../../lib/tscharm/validate';
import { REPO_ROOT, TINY_CHARM } from './helpers';

jest.setTimeout(60_000);

const GOOD_METADATA = `name: good-charm
summary: s
description: d
requires:
  source:
    interface: kafka_client
    limit: 1
peers:
  peer:
    interface: peer
`;
const GOOD_CONFIG = `options:
  topics:
    type: string
    default: ".*"
  retries:
    type: int
    default: 3
`;
const GOOD_ACTIONS = `pause:
  description: Pause.
  additionalProperties: false
  params:
    reason:
      type: string
`;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tscharm-validate-test-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
function charm(files: { metadata?: string; config?: string; actions?: string }, code?: string): string {
  const dir = path.join(tmp, `c${counter++}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'metadata.yaml'), files.metadata ?? GOOD_METADATA);
  fs.writeFileSync(path.join(dir, 'config.yaml'), files.config ?? GOOD_CONFIG);
  fs.writeFileSync(path.join(dir, 'actions.yaml'), files.actions ?? GOOD_ACTIONS);
  if (code !== undefined) {
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'main.ts'), code);
  }
  return dir;
}

function problemsOf(files: Parameters<typeof charm>[0]): Problem[] {
  return validateMetaFiles(readCharmMetaFiles(charm(files)));
}

/** The only problem, formatted; fails when there is not exactly one. */
function onlyProblem(files: Parameters<typeof charm>[0]): string {
  const problems = problemsOf(files);
  expect(problems.map(formatProblem)).toHaveLength(1);
  return formatProblem(problems[0]!);
}

test('a good charm has no problems', () => {
  expect(problemsOf({})).toEqual([]);
});

test('the fixture charm and the repository metadata are valid', () => {
  expect(validateMetaFiles(readCharmMetaFiles(TINY_CHARM)).map(formatProblem)).toEqual([]);
  expect(validateMetaFiles(readCharmMetaFiles(REPO_ROOT)).map(formatProblem)).toEqual([]);
});

describe('metadata.yaml', () => {
  test('missing name', () => {
    const msg = onlyProblem({ metadata: 'summary: s\ndescription: d\n' });
    expect(msg).toContain('metadata.yaml:1');
    expect(msg).toContain("must have required property 'name'");
    expect(msg).toContain('add a top-level "name:" to metadata.yaml');
  });

  test('a name Juju rejects', () => {
    const msg = onlyProblem({ metadata: GOOD_METADATA.replace('name: good-charm', 'name: Good_Charm') });
    expect(msg).toContain('metadata.yaml:1 at /name');
    expect(msg).toContain('lowercase letters, digits and dashes');
    // an all-digit segment is not allowed either
    expect(onlyProblem({ metadata: GOOD_METADATA.replace('name: good-charm', 'name: charm-2') })).toContain('at /name');
  });

  test('an endpoint without interface', () => {
    const msg = onlyProblem({ metadata: GOOD_METADATA.replace('    interface: kafka_client\n', '') });
    expect(msg).toContain('metadata.yaml:5 at /requires/source');
    expect(msg).toContain("required property 'interface'");
    expect(msg).toContain('give the endpoint an interface');
  });

  test('a limit below 1 and an unknown endpoint key', () => {
    const problems = problemsOf({ metadata: GOOD_METADATA.replace('limit: 1', 'limit: 0\n    scop: global') }).map(formatProblem);
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toContain('at /requires/source/limit: must be >= 1');
    expect(problems.join('\n')).toContain('unknown key "scop"');
    expect(problems.join('\n')).toContain('an endpoint has interface, limit, optional, scope');
  });

  test('an endpoint name declared twice', () => {
    const msg = onlyProblem({ metadata: GOOD_METADATA.replace('  peer:\n', '  source:\n') });
    expect(msg).toContain('endpoint "source" is declared in both requires and peers');
    expect(msg).toContain('must be unique');
  });

  test('a reserved endpoint name', () => {
    expect(onlyProblem({ metadata: GOOD_METADATA.replace('  peer:\n', '  juju-info:\n') })).toContain('reserved by Juju');
  });

  test('a YAML syntax error', () => {
    const msg = onlyProblem({ metadata: 'name: x\nsummary: [unclosed\n' });
    expect(msg).toContain('YAML syntax error');
    expect(msg).toContain('metadata.yaml:');
  });

  test('missing metadata.yaml', () => {
    const dir = charm({});
    fs.rmSync(path.join(dir, 'metadata.yaml'));
    const [p] = validateMetaFiles(readCharmMetaFiles(dir));
    expect(formatProblem(p!)).toContain('metadata.yaml: not found');
  });
});

describe('config.yaml', () => {
  test('an unknown option type', () => {
    const msg = onlyProblem({ config: GOOD_CONFIG.replace('type: int', 'type: integer') });
    expect(msg).toContain('config.yaml:6 at /options/retries/type');
    expect(msg).toContain('use one of string, int, float, boolean, secret');
  });

  test('a default that does not match the type', () => {
    const msg = onlyProblem({ config: GOOD_CONFIG.replace('default: 3', 'default: "3"') });
    expect(msg).toContain('config.yaml:7 at /options/retries/default: must be integer');
    expect(msg).toContain('make the default match the option type');
    expect(onlyProblem({ config: 'options:\n  on:\n    type: boolean\n    default: yes-please\n' })).toContain('must be boolean');
  });

  test('an option without type, and an unknown option key', () => {
    const problems = problemsOf({ config: 'options:\n  x:\n    default: 1\n    descripton: typo\n' }).map(formatProblem).join('\n');
    expect(problems).toContain("required property 'type'");
    expect(problems).toContain('unknown key "descripton"');
  });

  test('keys beside options', () => {
    expect(onlyProblem({ config: `${GOOD_CONFIG}topics: x\n` })).toContain('config.yaml holds only "options:"');
  });
});

describe('actions.yaml', () => {
  test('additionalProperties not set', () => {
    const msg = onlyProblem({ actions: GOOD_ACTIONS.replace('  additionalProperties: false\n', '') });
    expect(msg).toContain('actions.yaml:1 at /pause');
    expect(msg).toContain('does not set "additionalProperties"');
    expect(msg).toContain('differs between Juju 3 and Juju 4');
  });

  test('params that are not a valid JSON Schema', () => {
    const msg = onlyProblem({ actions: GOOD_ACTIONS.replace('type: string', 'type: strin') });
    expect(msg).toContain('at /pause/params/reason/type');
    expect(msg).toContain('params is not a valid JSON Schema: unknown type');
    expect(msg).toContain('use a JSON Schema type');
  });

  test('a required param that is not declared', () => {
    const msg = onlyProblem({ actions: `${GOOD_ACTIONS}  required: [reasn]\n` });
    expect(msg).toContain('required parameter "reasn" is not declared under params');
  });

  test('a bad action name and an unknown action key', () => {
    const problems = problemsOf({ actions: `${GOOD_ACTIONS}Bad_Name:\n  additionalProperties: false\n  descriptoin: x\n` })
      .map(formatProblem)
      .join('\n');
    expect(problems).toContain('name "Bad_Name" is not allowed');
    expect(problems).toContain('rename the action');
    expect(problems).toContain('unknown key "descriptoin"');
  });
});

describe('code against metadata', () => {
  const code = (endpoint: string, action: string) => `
    declare const framework: { observe(event: string, fn: () => void): void };
    framework.observe('${endpoint}-relation-changed', () => undefined);
    framework.observe('${action}_action', () => undefined);
  `;

  test('observing declared endpoints and actions is fine, and is reported', async () => {
    const result = await validateCharm({ charmDir: charm({}, code('source', 'pause')), entry: 'src/main.ts' });
    expect(result.problems).toEqual([]);
    expect(result.observations.map((o) => `${o.kind}:${o.name}`).sort()).toEqual(['action:pause', 'endpoint:source']);
  });

  test('an undeclared endpoint or action is a problem that points at the code', async () => {
    const result = await validateCharm({ charmDir: charm({}, code('sauce', 'paws')), entry: 'src/main.ts' });
    const text = result.problems.map(formatProblem).join('\n');
    expect(result.problems).toHaveLength(2);
    expect(text).toMatch(/main\.ts:3: the code uses relation endpoint "sauce", which metadata.yaml does not declare/);
    expect(text).toContain('declared: source, peer');
    expect(text).toMatch(/main\.ts:4: the code handles action "paws", which actions.yaml does not declare/);
  });
});

test('the CLI prints the problems and exits non-zero', () => {
  const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'lib', 'tscharm', 'build-cli.js')], { encoding: 'utf8' });
  expect(build.status).toBe(0);
  const cli = path.join(REPO_ROOT, 'build', 'tscharm.js');
  const bad = charm({ config: GOOD_CONFIG.replace('type: int', 'type: integer') });
  const r = spawnSync(process.execPath, [cli, 'validate', '--charm-dir', bad, '--no-code'], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('config.yaml:6 at /options/retries/type');
  expect(r.stderr).toContain('1 problem(s) found');
  const good = spawnSync(process.execPath, [cli, 'validate', '--charm-dir', TINY_CHARM, '--entry', 'src/main.ts'], { encoding: 'utf8' });
  expect(good.stderr).toBe('');
  expect(good.status).toBe(0);
  expect(good.stdout).toContain('endpoint source');
});
