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
import { Document, LineCounter, parseDocument } from 'yaml';

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

export function readCharmMetaFiles(charmDir: string): CharmMetaFiles {
  const dir = path.resolve(charmDir);
  return {
    charmDir: dir,
    metadata: readMetaFile(dir, 'metadata'),
    config: readMetaFile(dir, 'config'),
    actions: readMetaFile(dir, 'actions'),
  };
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

/** "line N" for a JSON-pointer-style path inside a file, when the YAML node can be found. */
export function lineOf(file: MetaFile, segments: readonly string[]): number | undefined {
  let best: number | undefined;
  // Walk down as far as the path exists, so a missing key reports the line of its parent.
  for (let depth = segments.length; depth >= 0; depth--) {
    const node = depth === 0 ? file.document.contents : file.document.getIn(segments.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) {
      best = file.lineCounter.linePos(range[0]).line;
      break;
    }
  }
  return best;
}
