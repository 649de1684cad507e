/**
 * The repository's own packaging files: the development dispatch and hook symlinks, and a
 * charmcraft.yaml that builds the same layout as `tscharm pack` from the same metadata files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { dispatchScript } from '../../../lib/tscharm/dispatch';
import { readCharmMetaFiles } from '../../../lib/tscharm/meta';
import { OBSERVATION_PATTERNS, scanSources } from '../../../lib/tscharm/scan';
import { formatProblem, validateMetaFiles } from '../../../lib/tscharm/validate';
import { REPO_ROOT } from './helpers';

test('the repo-root dispatch is the development variant: runtime/node if present, else node on PATH', () => {
  const file = path.join(REPO_ROOT, 'dispatch');
  expect(fs.readFileSync(file, 'utf8')).toBe(dispatchScript({ allowSystemNode: true }));
  expect(fs.statSync(file).mode & 0o111).toBe(0o111);
});

test('hooks/{install,start,upgrade-charm} are symlinks to ../dispatch', () => {
  for (const hook of ['install', 'start', 'upgrade-charm']) {
    const link = path.join(REPO_ROOT, 'hooks', hook);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe('../dispatch');
  }
});

test('charmcraft.yaml builds for ubuntu 22.04 amd64 and arm64 with a nil part that runs tscharm', () => {
  const doc = parse(fs.readFileSync(path.join(REPO_ROOT, 'charmcraft.yaml'), 'utf8')) as {
    type: string;
    bases: {
      'build-on': { name: string; channel: string; architectures: string[] }[];
      'run-on': { name: string; channel: string; architectures: string[] }[];
    }[];
    parts: Record<string, { plugin: string; 'override-build': string; prime: string[]; 'build-packages'?: string[] }>;
    [k: string]: unknown;
  };
  expect(doc.type).toBe('charm');
  const runOn = doc.bases.flatMap((b) => b['run-on']);
  expect(runOn).toEqual([
    { name: 'ubuntu', channel: '22.04', architectures: ['amd64'] },
    { name: 'ubuntu', channel: '22.04', architectures: ['arm64'] },
  ]);
  for (const b of doc.bases) expect(b['build-on']).toEqual(b['run-on']);
  const part = doc.parts['charm']!;
  expect(part.plugin).toBe('nil');
  expect(part['override-build']).toContain('node lib/tscharm/build-cli.js');
  expect(part['override-build']).toMatch(/build\/tscharm\.js pack .*--entry charm\/main\.ts --base ubuntu@22\.04/s);
  expect(part['override-build']).toContain('--stage-dir "$CRAFT_PART_INSTALL"');
  expect(part.prime).toEqual(['dispatch', 'hooks/install', 'hooks/start', 'hooks/upgrade-charm', 'dist', 'runtime']);
  expect(part['build-packages']).toEqual(['xz-utils']);
  // Separate-files style: the metadata lives in metadata.yaml/config.yaml/actions.yaml, not here.
  for (const key of ['name', 'summary', 'description', 'requires', 'provides', 'peers', 'config', 'actions']) {
    expect([key, key in doc]).toEqual([key, false]);
  }
  expect(validateMetaFiles(readCharmMetaFiles(REPO_ROOT)).map(formatProblem)).toEqual([]);
});

test('the observation scan recognises lib/ops’ registration and model calls', () => {
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'tscharm-scan-'));
  const file = path.join(dir, 'charm.ts');
  fs.writeFileSync(
    file,
    [
      "framework.observe(this.on.relationChanged('source'), this.onSource);",
      'framework.observe(this.on.relationBroken("target"), this.onTarget);',
      "framework.observe(this.on.action<PauseParams>('pause'), this.onPause);",
      "const r = this.model.getRelation('connect-client');",
      "const p = this.model.peers('peer');",
      'const all = this.model.relations(`upstream`); // each name is reported once per file',
    ].join('\n'),
  );
  const found = scanSources([file], { endpoints: new Set(['connect-client']), actions: new Set() }).map(
    (o) => `${o.kind}:${o.name}:${o.line}`,
  );
  expect(found.sort()).toEqual(
    [
      'action:pause:3',
      'endpoint:connect-client:4',
      'endpoint:peer:5',
      'endpoint:source:1',
      'endpoint:upstream:6',
      'endpoint:target:2',
    ].sort(),
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the scan of this repository's charm: every name it uses is declared, every declared action is handled", () => {
  const metadata = parse(fs.readFileSync(path.join(REPO_ROOT, 'metadata.yaml'), 'utf8')) as Record<
    string,
    Record<string, unknown> | undefined
  >;
  const endpoints = new Set(['requires', 'provides', 'peers'].flatMap((k) => Object.keys(metadata[k] ?? {})));
  const actions = new Set(Object.keys(parse(fs.readFileSync(path.join(REPO_ROOT, 'actions.yaml'), 'utf8')) as Record<string, unknown>));
  const files = fs
    .readdirSync(path.join(REPO_ROOT, 'charm'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.startsWith('generated'))
    .map((f) => path.join(REPO_ROOT, 'charm', f));
  expect(OBSERVATION_PATTERNS.length).toBeGreaterThan(0);
  const found = scanSources(files, { endpoints, actions });
  // every name the code uses is declared (a typo would show up here) …
  expect(found.filter((o) => !(o.kind === 'endpoint' ? endpoints : actions).has(o.name))).toEqual([]);
  // … and every declared action is observed (an action nobody handles would fail every `juju run`).
  // Endpoints are also reached through the relation libraries' constructors, which the scan does not read.
  expect([...new Set(found.filter((o) => o.kind === 'action').map((o) => o.name))].sort()).toEqual([...actions].sort());
  expect(found.some((o) => o.kind === 'endpoint')).toBe(true);
});
