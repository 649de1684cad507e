/**
 * Charm variants (lib/tscharm/meta.ts readCharmMetaFiles): one source, a machine and a K8s charm.
 * The repo's K8s variant validates, its charmcraft.yaml builds the same way as the machine one
 * but with --variant k8s from the repository root, and an unknown variant is refused clearly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { listVariants, readCharmMetaFiles } from '../../../lib/tscharm/meta';
import { formatProblem, validateMetaFiles } from '../../../lib/tscharm/validate';
import { REPO_ROOT } from './helpers';

test('the repository defines the k8s variant, and it validates', () => {
  expect(listVariants(REPO_ROOT)).toEqual(['k8s']);
  const files = readCharmMetaFiles(REPO_ROOT, 'k8s');
  expect(files.metadata?.path).toBe(path.join(REPO_ROOT, 'variants', 'k8s', 'metadata.yaml'));
  expect(files.config?.path).toBe(path.join(REPO_ROOT, 'config.yaml'));
  expect(validateMetaFiles(files).map(formatProblem)).toEqual([]);
  expect(readCharmMetaFiles(REPO_ROOT).metadata?.path).toBe(path.join(REPO_ROOT, 'metadata.yaml'));
});

test('an unknown or malformed variant is refused, naming the variants there are', () => {
  expect(() => readCharmMetaFiles(REPO_ROOT, 'lxd')).toThrow(
    /variant "lxd" has no .*variants\/lxd\/metadata\.yaml; variants: machine, k8s/,
  );
  expect(() => readCharmMetaFiles(REPO_ROOT, '../x')).toThrow(/must be a lower-case name/);
});

test("variants/k8s/charmcraft.yaml is the root one with the repo root as source and --variant k8s; config and actions are the root's", () => {
  const root = parse(fs.readFileSync(path.join(REPO_ROOT, 'charmcraft.yaml'), 'utf8')) as {
    bases: unknown;
    parts: { charm: Record<string, unknown> };
  };
  const k8s = parse(fs.readFileSync(path.join(REPO_ROOT, 'variants', 'k8s', 'charmcraft.yaml'), 'utf8')) as typeof root;
  expect(k8s.bases).toEqual(root.bases);
  expect(k8s.parts.charm['prime']).toEqual(root.parts.charm['prime']);
  expect(k8s.parts.charm['source']).toBe('../..');
  expect(root.parts.charm['override-build']).toContain('--variant machine');
  expect(k8s.parts.charm['override-build']).toBe(String(root.parts.charm['override-build']).replace('--variant machine', '--variant k8s'));
  for (const f of ['config.yaml', 'actions.yaml']) {
    expect(fs.realpathSync(path.join(REPO_ROOT, 'variants', 'k8s', f))).toBe(fs.realpathSync(path.join(REPO_ROOT, f)));
  }
});
