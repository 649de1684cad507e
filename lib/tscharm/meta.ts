/**
 * Reading a charm's metadata files (metadata.yaml, config.yaml, actions.yaml) from a charm directory.
 *
 * The YAML is parsed here, at pack time, so that the packed charm never parses YAML when it runs:
 * the parsed result is embedded into the bundle (see bundle.ts). The raw text is kept as well,
 * because the .charm carries the files verbatim, and the parsed `Document` is kept so validation
 * errors can point at a line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

export type MetaFileKind = 'metadata' | 'config' | 'actions';

export const META_FILE_NAMES: Readonly<Record<MetaFileKind, string>> = {
  metadata: 'metadata.yaml',
  config: 'config.yaml',
  actions: 'actions.yaml',
};

export interface MetaFile {
  readonly kind: MetaFileKind;
  /** Absolute path of the file. */
  readonly path: string;
  /** Exact file contents (copied verbatim into the .charm). */
  readonly text: string;
  /** Parsed value (`null` for an empty file). */
  readonly value: unknown;
  /** The parsed YAML document, for mapping a JSON path back to a line. */
  readonly document: Document;
  readonly lineCounter: LineCounter;
  /** YAML syntax errors, already formatted as "file:line:col: message". */
  readonly syntaxErrors: readonly string[];
}

export interface CharmMetaFiles {
  readonly charmDir: string;
  readonly metadata: MetaFile | undefined;
  readonly config: MetaFile | undefined;
  readonly actions: MetaFile | undefined;
}

/** What the bundle embeds: the three files, parsed. Absent files are empty objects, as Juju treats them. */
export interface EmbeddedCharmMeta {
  readonly metadata: Record<string, unknown>;
  readonly config: Record<string, unknown>;
  readonly actions: Record<string, unknown>;
}

function readMetaFile(charmDir: string, kind: MetaFileKind): MetaFile | undefined {
  const filePath = path.join(charmDir, META_FILE_NAMES[kind]);
  if (!fs.existsSync(filePath)) return undefined;
  const text = fs.readFileSync(filePath, 'utf8');
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxErrors = document.errors.map((err) => {
    const pos = lineCounter.linePos(err.pos[0]);
    return `${META_FILE_NAMES[kind]}:${pos.line}:${pos.col}: ${err.message.split('\n')[0]}`;
  });
  const value: unknown = syntaxErrors.length === 0 ? document.toJS() : undefined;
  return { kind, path: filePath, text, value: value ?? null, document, lineCounter, syntaxErrors };
}

/** The variant built from the charm directory's own metadata.yaml. */
export const DEFAULT_VARIANT = 'machine';

/**
 * The metadata files of `charmDir`. A `variant` other than the default takes its metadata.yaml from
 * `<charmDir>/variants/<variant>/metadata.yaml` (one charm source, several charms: e.g. a machine
 * and a Kubernetes build with their own names and `assumes`); config and actions are shared.
 */
export function readCharmMetaFiles(charmDir: string, variant: string = DEFAULT_VARIANT): CharmMetaFiles {
  const dir = path.resolve(charmDir);
  let metadataDir = dir;
  if (variant !== DEFAULT_VARIANT) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(variant)) throw new Error(`variant "${variant}" must be a lower-case name such as k8s`);
    metadataDir = path.join(dir, 'variants', variant);
    if (!fs.existsSync(path.join(metadataDir, META_FILE_NAMES.metadata))) {
      throw new Error(
        `variant "${variant}" has no ${path.join(metadataDir, META_FILE_NAMES.metadata)}; variants: ${[DEFAULT_VARIANT, ...listVariants(dir)].join(', ')}`,
      );
    }
  }
  return {
    charmDir: dir,
    metadata: readMetaFile(metadataDir, 'metadata'),
    config: readMetaFile(dir, 'config'),
    actions: readMetaFile(dir, 'actions'),
  };
}

/** The non-default variants a charm directory defines (variants/<name>/metadata.yaml). */
export function listVariants(charmDir: string): string[] {
  const dir = path.join(path.resolve(charmDir), 'variants');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((v) => fs.existsSync(path.join(dir, v, META_FILE_NAMES.metadata)))
    .sort();
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function embeddedMeta(files: CharmMetaFiles): EmbeddedCharmMeta {
  return {
    metadata: asRecord(files.metadata?.value),
    config: asRecord(files.config?.value),
    actions: asRecord(files.actions?.value),
  };
}

/** The charm name from metadata.yaml; throws with a clear message when it cannot be read. */
export function charmName(files: CharmMetaFiles): string {
  const name = asRecord(files.metadata?.value)['name'];
  if (typeof name !== 'string' || name === '') {
    throw new Error(
      `${path.join(files.charmDir, 'metadata.yaml')}: no "name" found; add "name: <charm-name>" (run "tscharm validate" for details)`,
    );
  }
  return name;
}

/**
 * The line of a JSON-pointer-style path inside a file: the line of the key for a map entry, of the
 * item for a sequence entry. A path that does not exist reports the line of its deepest existing
 * parent, so a missing key points at the map that should hold it.
 */
export function lineOf(file: MetaFile, segments: readonly string[]): number | undefined {
  let node: unknown = file.document.contents;
  let line = rangeLine(file, node);
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
      if (!pair) break;
      line = rangeLine(file, pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) break;
      line = rangeLine(file, item) ?? line;
      node = item;
    } else break;
  }
  return line;
}

function rangeLine(file: MetaFile, node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? file.lineCounter.linePos(range[0]).line : undefined;
}
