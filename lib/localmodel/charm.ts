/**
 * Charms as the local model takes them: a `.charm` zip (unpacked with yauzl, exec modes and
 * symlinks kept, as Juju's unpacking does) or an already unpacked directory (e.g. a development
 * checkout whose `dispatch` runs `node` on a bundle). Either way the directory must hold an
 * executable `dispatch` and a valid `metadata.yaml`; anything else is refused at deploy.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as yauzl from 'yauzl';
import { charmMetaFromYaml, type SimCharmMeta } from '../sim';

/** A charm the local model refuses to deploy, with a message that says what to fix. */
export class CharmRefusal extends Error {}

export interface LoadedCharm {
  readonly dir: string;
  readonly meta: SimCharmMeta;
}

const APP_NAME_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*$/;

function readYamlMap(dir: string, file: string, required: boolean): Record<string, unknown> {
  const full = path.join(dir, file);
  if (!fs.existsSync(full)) {
    if (required) throw new CharmRefusal(`invalid charm: ${file} is missing`);
    return {};
  }
  let data: unknown;
  try {
    data = parseYaml(fs.readFileSync(full, 'utf8'));
  } catch (err) {
    throw new CharmRefusal(`invalid charm: ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) {
    if (required) throw new CharmRefusal(`invalid charm: ${file} is empty`);
    return {};
  }
  if (typeof data !== 'object' || Array.isArray(data)) throw new CharmRefusal(`invalid charm: ${file} must be a YAML map`);
  return data as Record<string, unknown>;
}

/** Check a charm directory the way Juju would before running it, and read its metadata. */
export function loadCharmDir(dir: string): LoadedCharm {
  const root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new CharmRefusal(`charm directory "${dir}" not found`);
  const dispatch = path.join(root, 'dispatch');
  let st: fs.Stats;
  try {
    st = fs.statSync(dispatch);
  } catch {
    throw new CharmRefusal(`invalid charm: no "dispatch" executable in ${root} (a charm must ship one)`);
  }
  if (!st.isFile()) throw new CharmRefusal(`invalid charm: "dispatch" in ${root} is not a file`);
  if ((st.mode & 0o111) === 0) {
    throw new CharmRefusal(`invalid charm: "dispatch" in ${root} is not executable (mode ${(st.mode & 0o777).toString(8)}); chmod +x it`);
  }
  const metadata = readYamlMap(root, 'metadata.yaml', true);
  const name = metadata['name'];
  if (typeof name !== 'string' || !APP_NAME_RE.test(name)) {
    throw new CharmRefusal(
      `invalid charm: metadata.yaml needs a "name" made of lowercase letters, digits and hyphens (got ${JSON.stringify(name ?? null)})`,
    );
  }
  for (const role of ['provides', 'requires', 'peers']) {
    const section = metadata[role];
    if (section === undefined || section === null) continue;
    if (typeof section !== 'object' || Array.isArray(section))
      throw new CharmRefusal(`invalid charm: metadata.yaml "${role}" must be a map`);
    for (const [endpoint, spec] of Object.entries(section as Record<string, unknown>)) {
      const iface = spec !== null && typeof spec === 'object' ? (spec as Record<string, unknown>)['interface'] : undefined;
      if (typeof iface !== 'string' || iface === '') {
        throw new CharmRefusal(`invalid charm: metadata.yaml endpoint "${endpoint}" under "${role}" needs an "interface"`);
      }
    }
  }
  const config = readYamlMap(root, 'config.yaml', false);
  const options = config['options'];
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new CharmRefusal('invalid charm: config.yaml "options" must be a map');
  }
  for (const [key, spec] of Object.entries((options ?? {}) as Record<string, unknown>)) {
    const type = spec !== null && typeof spec === 'object' ? (spec as Record<string, unknown>)['type'] : undefined;
    if (!['string', 'int', 'float', 'boolean', 'secret'].includes(String(type))) {
      throw new CharmRefusal(`invalid charm: config.yaml option "${key}" has invalid type ${JSON.stringify(type ?? null)}`);
    }
  }
  const actions = readYamlMap(root, 'actions.yaml', false);
  return { dir: root, meta: charmMetaFromYaml(metadata, config, actions) };
}

/**
 * Does any directory between `root` (exclusive) and `target` (exclusive) exist as a symlink? An
 * entry written under such a path would land wherever the link points (a chain of in-bounds-looking
 * links can climb out of the charm), so unpacking refuses it.
 */
function parentHoldsSymlink(root: string, target: string): boolean {
  const rel = path.relative(root, path.dirname(target));
  if (rel === '') return false;
  let dir = root;
  for (const part of rel.split(path.sep)) {
    dir = path.join(dir, part);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch {
      return false; // does not exist yet: nothing below it can either
    }
    if (st.isSymbolicLink()) return true;
  }
  return false;
}

/** Unpack a .charm zip into `dest` (created), keeping exec modes and symlinks; refuses path escapes. */
export function unpackCharm(charmFile: string, dest: string): Promise<void> {
  const root = path.resolve(dest);
  fs.mkdirSync(root, { recursive: true });
  return new Promise((resolve, reject) => {
    yauzl.open(charmFile, { lazyEntries: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) {
        reject(new CharmRefusal(`invalid charm: "${charmFile}" is not a readable zip: ${err?.message ?? 'unknown error'}`));
        return;
      }
      const fail = (e: Error) => {
        zip.close();
        reject(e instanceof CharmRefusal ? e : new CharmRefusal(`invalid charm: cannot unpack "${charmFile}": ${e.message}`));
      };
      zip.on('error', fail);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        const target = path.resolve(root, entry.fileName);
        if (target !== root && !target.startsWith(root + path.sep)) {
          fail(new CharmRefusal(`invalid charm: entry "${entry.fileName}" escapes the charm directory`));
          return;
        }
        if (parentHoldsSymlink(root, entry.fileName.endsWith('/') ? path.join(target, 'x') : target)) {
          fail(new CharmRefusal(`invalid charm: entry "${entry.fileName}" is under a symlink of the charm`));
          return;
        }
        const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
        if (entry.fileName.endsWith('/')) {
          fs.mkdirSync(target, { recursive: true });
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (e2, stream) => {
          if (e2 || !stream) {
            fail(e2 ?? new Error('no stream'));
            return;
          }
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', fail);
          stream.on('end', () => {
            try {
              fs.mkdirSync(path.dirname(target), { recursive: true });
              fs.rmSync(target, { force: true });
              const data = Buffer.concat(chunks);
              if ((mode & 0o170000) === 0o120000) {
                const linkTarget = data.toString('utf8');
                const resolved = path.resolve(path.dirname(target), linkTarget);
                if (path.isAbsolute(linkTarget) || (resolved !== root && !resolved.startsWith(root + path.sep))) {
                  throw new CharmRefusal(`invalid charm: symlink "${entry.fileName}" points outside the charm`);
                }
                fs.symlinkSync(linkTarget, target);
              } else {
                // Zips made elsewhere may carry no Unix mode: then plain rw-r--r--.
                const perm = mode & 0o777 || 0o644;
                fs.writeFileSync(target, data, { mode: perm });
                fs.chmodSync(target, perm);
              }
              zip.readEntry();
            } catch (e3) {
              fail(e3 as Error);
            }
          });
        });
      });
      zip.readEntry();
    });
  });
}

/**
 * A per-unit copy of a charm (Juju gives every unit its own charm directory): a tree of hard links
 * (`copy: false`, for an unpacked .charm: no space), or of copies (`copy: true`, for a developer's
 * charm directory, which the unit must not write through); files a unit creates stay its own.
 */
export function linkTree(src: string, dest: string, opts: { copy?: boolean } = {}, root: string = src): void {
  fs.mkdirSync(dest, { recursive: true });
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dest, entry.name);
    if (entry.isSymbolicLink()) {
      // A relative link that leaves the tree would dangle in the copy: point it at its target.
      const target = fs.readlinkSync(from);
      const resolved = path.resolve(path.dirname(from), target);
      const inside = resolved === root || resolved.startsWith(root + path.sep);
      fs.symlinkSync(path.isAbsolute(target) || inside ? target : resolved, to);
    } else if (entry.isDirectory()) linkTree(from, to, opts, root);
    else {
      try {
        if (opts.copy) throw new Error('copy');
        fs.linkSync(from, to);
      } catch {
        fs.copyFileSync(from, to);
        fs.chmodSync(to, fs.statSync(from).mode & 0o777);
      }
    }
  }
}

/**
 * Take the files of the charm at `charmTree` out of a unit's charm directory, leaving what the unit
 * wrote there itself: what Juju does to a machine unit's charm directory on `juju refresh` before
 * it puts the new charm's files in (Python ops' `.unit-state.db` survives a refresh that way, and
 * so does whatever a charm unpacked or cached). Directories of the old charm go when left empty.
 */
export function removeCharmFiles(charmTree: string, unitDir: string): void {
  for (const entry of fs.readdirSync(charmTree, { withFileTypes: true })) {
    const target = path.join(unitDir, entry.name);
    if (entry.isDirectory()) {
      if (!fs.lstatSync(target, { throwIfNoEntry: false })?.isDirectory()) continue;
      removeCharmFiles(path.join(charmTree, entry.name), target);
      if (fs.readdirSync(target).length === 0) fs.rmdirSync(target);
    } else fs.rmSync(target, { force: true });
  }
}
