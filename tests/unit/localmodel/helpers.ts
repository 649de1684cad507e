/** Helpers for the local model tests: fixture paths, per-unit event logs, zipping a charm dir. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeZip, type ZipEntry } from '../../../lib/tscharm/zip';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const SHELL_CHARM = path.join(REPO_ROOT, 'tests', 'fixtures', 'shell-charm');
export const SHELL_PROVIDER = path.join(REPO_ROOT, 'tests', 'fixtures', 'shell-provider');
export const CACHE_DIR = path.join(REPO_ROOT, '.tscharm', 'localmodel');

/**
 * Events one unit saw, as the fixture charms log them: "<dispatch path> <remote unit> <departing unit>".
 * A relation-changed repeated back to back is kept once: whether a remote commit lands before or
 * after the unit's pending relation-changed depends on the interleaving seed, as on Juju.
 */
export function eventsOf(dir: string, unit: string): string[] {
  const file = path.join(dir, `${unit.replace('/', '-')}.log`);
  if (!fs.existsSync(file)) return [];
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trimEnd().replace(/ +/g, ' '));
  return collapseRelationChanged(lines);
}

/** Drop a relation-changed entry equal to the one just before it. */
export function collapseRelationChanged(events: readonly string[]): string[] {
  return events.filter((e, i) => !(i > 0 && e === events[i - 1] && e.includes('-relation-changed')));
}

/** Zip a charm directory the way `tscharm pack` stores entries (modes, symlinks). */
export async function zipCharmDir(
  dir: string,
  out: string,
  overrides: { mode?: Record<string, number>; drop?: string[]; extra?: ZipEntry[] } = {},
): Promise<string> {
  const entries: ZipEntry[] = [];
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${d.name}` : d.name;
      if (overrides.drop?.includes(name)) continue;
      const full = path.join(dir, name);
      if (d.isSymbolicLink()) entries.push({ name, kind: 'symlink', target: fs.readlinkSync(full) });
      else if (d.isDirectory()) walk(name);
      else
        entries.push({
          name,
          kind: 'file',
          data: fs.readFileSync(full),
          mode: 0o100000 | (overrides.mode?.[name] ?? fs.statSync(full).mode & 0o777),
        });
    }
  };
  walk('');
  entries.push(...(overrides.extra ?? []));
  await writeZip(out, entries, new Date('2020-01-01T00:00:00Z'));
  return out;
}
