/**
 * Static scan of a charm's own sources for the relation endpoints and actions it observes, so that
 * `tscharm validate` can report an observed name that metadata.yaml / actions.yaml do not declare
 * (a typo there means a handler that never runs).
 *
 * All the call shapes we recognise are in OBSERVATION_PATTERNS below: the one place to update when
 * the framework's event API changes. Each pattern captures the endpoint or action name in group 1.
 * Only string literals are recognised; names built at run time are not seen.
 */
import * as fs from 'node:fs';

export type ObservedKind = 'endpoint' | 'action';

export interface ObservationPattern {
  readonly kind: ObservedKind;
  readonly regex: RegExp;
  /** Turns the captured text into the metadata name (e.g. `source_relation_changed` → `source`). */
  readonly name?: (captured: string) => string;
}

const RELATION_EVENT = '(?:created|joined|changed|departed|broken)';
const STR = `['"\`]`;

export const OBSERVATION_PATTERNS: readonly ObservationPattern[] = [
  // lib/ops CharmEvents: this.on.relationChanged('source'), this.on.relationBroken("target")
  { kind: 'endpoint', regex: new RegExp(`\\brelation(?:Created|Joined|Changed|Departed|Broken)\\(\\s*${STR}([^'"\`]+)${STR}`, 'g') },
  // lib/ops Model: this.model.relations('source'), getRelation('connect-client'), peers('peer')
  { kind: 'endpoint', regex: new RegExp(`\\b(?:getRelation|relations|peers)\\(\\s*${STR}([^'"\`]+)${STR}`, 'g') },
  // raw hook names: 'source-relation-changed', ops-style 'source_relation_changed'
  {
    kind: 'endpoint',
    regex: new RegExp(`${STR}([a-z][a-z0-9_-]*?)[-_]relation[-_]${RELATION_EVENT}${STR}`, 'g'),
  },
  // lib/ops CharmEvents: this.on.action('pause')
  { kind: 'action', regex: new RegExp(`\\baction(?:<[^>]*>)?\\(\\s*${STR}([^'"\`]+)${STR}`, 'g') },
  // raw names: 'pause-action', ops-style 'pause_action'
  { kind: 'action', regex: new RegExp(`${STR}([a-z][a-z0-9_-]*?)[-_]action${STR}`, 'g') },
];

export interface Observation {
  readonly kind: ObservedKind;
  readonly name: string;
  readonly file: string;
  readonly line: number;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Relation/action names are written with `-` in metadata; ops-style event names use `_`. */
function metadataSpelling(name: string, declared: ReadonlySet<string>): string {
  if (declared.has(name)) return name;
  const dashed = name.replace(/_/g, '-');
  return declared.has(dashed) ? dashed : name;
}

export function scanSources(
  files: readonly string[],
  declared: { endpoints: ReadonlySet<string>; actions: ReadonlySet<string> },
): Observation[] {
  const out: Observation[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    if (!/\.[cm]?[jt]sx?$/.test(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    for (const pattern of OBSERVATION_PATTERNS) {
      pattern.regex.lastIndex = 0;
      for (let m = pattern.regex.exec(text); m !== null; m = pattern.regex.exec(text)) {
        const raw = pattern.name ? pattern.name(m[1]!) : m[1]!;
        const name = metadataSpelling(raw, pattern.kind === 'endpoint' ? declared.endpoints : declared.actions);
        const key = `${pattern.kind}\0${name}\0${file}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ kind: pattern.kind, name, file, line: lineAt(text, m.index) });
      }
    }
  }
  return out;
}
