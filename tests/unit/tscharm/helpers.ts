/** Helpers shared by the tscharm tests: reading .charm zips with yauzl, fake hook tools. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yauzl from 'yauzl';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The runtime tarball cache shared with `tscharm pack` in the repo (git-ignored). */
export const CACHE_DIR = path.join(REPO_ROOT, '.tscharm', 'cache');
export const TINY_CHARM = path.join(__dirname, 'fixtures', 'tiny-charm');

export interface ZipRecord {
  readonly name: string;
  /** Unix mode from the upper 16 bits of the external attributes. */
  readonly mode: number;
  readonly madeOnUnix: boolean;
  /** Zip compression method: 0 stored, 8 deflated. */
  readonly method: number;
  readonly data: Buffer;
}

export function readZip(file: string): Promise<ZipRecord[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: ZipRecord[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(out));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e2, stream) => {
          if (e2 || !stream) return reject(e2);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.push({
              name: entry.fileName,
              mode: (entry.externalFileAttributes >>> 16) & 0xffff,
              madeOnUnix: entry.versionMadeBy >> 8 === 3,
              method: entry.compressionMethod,
              data: Buffer.concat(chunks),
            });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** Materialise zip records on disk the way Juju's unpacking does: modes and symlinks kept. */
export function extractRecords(records: readonly ZipRecord[], dir: string): void {
  for (const r of records) {
    const dest = path.join(dir, r.name);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if ((r.mode & 0o170000) === 0o120000) fs.symlinkSync(r.data.toString(), dest);
    else {
      fs.writeFileSync(dest, r.data);
      fs.chmodSync(dest, r.mode & 0o777);
    }
  }
}

/**
 * A directory of fake hook tools: /bin/sh scripts that append their name and args to `log` and
 * print a canned answer. It holds nothing else, so with PATH set to it alone there is no `node`.
 */
export function writeFakeTools(dir: string, log: string, configJson: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const tool = (name: string, body: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\necho "${name} $*" >> '${log}'\n${body}\n`);
    fs.chmodSync(file, 0o755);
  };
  tool('config-get', `echo '${configJson}'`);
  for (const t of ['status-set', 'juju-log', 'action-set', 'is-leader']) tool(t, t === 'is-leader' ? 'echo true' : '');
}

/**
 * What charmcraft's `entrypoint` linter (charmcraft analyse) takes as the charm's entrypoint: the
 * last word (shell-quoting removed) of the last non-blank line of `dispatch`, as a path relative
 * to the charm root. The linter then requires it to exist, be a regular file and be executable.
 */
export function charmcraftEntrypoint(dispatch: string): string {
  const last =
    dispatch
      .split('\n')
      .filter((l) => l.trim() !== '')
      .at(-1) ?? '';
  const words = [...last.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  return words.at(-1) ?? '';
}

/** The entrypoint linter's three checks on the records of a .charm; [] when it would pass. */
export function entrypointProblems(records: readonly ZipRecord[]): string[] {
  const dispatch = records.find((r) => r.name === 'dispatch');
  if (!dispatch) return ['no dispatch'];
  const entry = path.posix.normalize(charmcraftEntrypoint(dispatch.data.toString()));
  const file = records.find((r) => r.name === entry);
  if (!file) return [`the entrypoint ${entry} is not in the charm`];
  if ((file.mode & 0o170000) !== 0o100000) return [`the entrypoint ${entry} is not a regular file`];
  if ((file.mode & 0o111) === 0) return [`the entrypoint ${entry} is not executable`];
  return [];
}
