/**
 * `tscharm validate`: metadata.yaml, config.yaml and actions.yaml against JSON Schemas of what Juju
 * accepts, plus the checks Juju makes in code, plus a cross-check that every endpoint and action the
 * charm code observes is declared. Every problem names the file, the line, the path inside the file,
 * what is wrong and what to do.
 */
import { checkGenerated, GENERATED_FILE } from './gen';
import * as path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { bundleCharm } from './bundle';
import { embeddedMeta, lineOf, readCharmMetaFiles, type CharmMetaFiles, type MetaFile, type MetaFileKind } from './meta';
import { actionsSchema, configSchema, metadataSchema, OPTION_TYPES } from './schemas';
import { scanSources, type Observation } from './scan';

export interface Problem {
  readonly file: string;
  readonly line?: number;
  /** JSON-pointer-style path inside the file ('' for the whole file). */
  readonly path: string;
  readonly message: string;
  readonly hint: string;
}

export function formatProblem(p: Problem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}` : p.file;
  const at = p.path ? ` at ${p.path}` : '';
  return `${where}${at}: ${p.message}\n    fix: ${p.hint}`;
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validators = {
  metadata: ajv.compile(metadataSchema),
  config: ajv.compile(configSchema),
  actions: ajv.compile(actionsSchema),
};

function pointerSegments(instancePath: string): string[] {
  return instancePath === ''
    ? []
    : instancePath
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function hintFor(kind: MetaFileKind, err: ErrorObject, segments: readonly string[]): string {
  const key = segments[0];
  const leaf = segments[segments.length - 1];
  switch (err.keyword) {
    case 'required': {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      if (kind === 'metadata' && segments.length === 0) return `add a top-level "${missing}:" to metadata.yaml`;
      if (missing === 'interface') return `give the endpoint an interface, e.g. "${leaf}: {interface: <interface-name>}"`;
      if (missing === 'type') return `give the option a type: one of ${Object.keys(OPTION_TYPES).join(', ')}`;
      return `add "${missing}"`;
    }
    case 'pattern':
      if (kind === 'metadata' && key === 'name') {
        return 'charm names use lowercase letters, digits and dashes, start with a letter and have no all-digit part (e.g. my-charm)';
      }
      return 'use lowercase letters, digits and dashes, starting with a letter';
    case 'propertyNames':
    case 'not':
      if (kind === 'actions')
        return 'rename the action: lowercase letters, digits and dashes, starting with a letter, not starting with "juju-"';
      if (kind === 'config') return 'rename the option: lowercase letters, digits, dashes or underscores, starting with a letter';
      return 'rename the endpoint: lowercase letters, digits, dashes or underscores, starting with a letter';
    case 'additionalProperties': {
      const extra = (err.params as { additionalProperty: string }).additionalProperty;
      if (kind === 'config' && segments.length === 0) return `config.yaml holds only "options:"; move "${extra}" under it or remove it`;
      if (kind === 'config') return `remove "${extra}": an option has only type, description and default`;
      if (kind === 'actions')
        return `remove "${extra}": an action has description, params, required, additionalProperties, execution-group, parallel`;
      return `remove "${extra}": an endpoint has interface, limit, optional, scope`;
    }
    case 'enum':
      if (kind === 'config' && leaf === 'type') return `use one of ${Object.keys(OPTION_TYPES).join(', ')}`;
      return `use one of ${JSON.stringify((err.params as { allowedValues: unknown[] }).allowedValues)}`;
    case 'type':
      if (kind === 'config' && leaf === 'default') {
        return 'make the default match the option type (int: a whole number, float: a number, boolean: true/false, string/secret: a quoted string), or remove it';
      }
      return `write a value of type ${String((err.params as { type: unknown }).type)}`;
    case 'minimum':
      return 'use a limit of at least 1, or remove "limit" for no limit';
    case 'minLength':
      return 'write a non-empty value';
    default:
      return 'see https://documentation.ubuntu.com/juju/ for the file format';
  }
}

function schemaProblems(file: MetaFile): Problem[] {
  const fileName = path.basename(file.path);
  if (file.syntaxErrors.length > 0) {
    return file.syntaxErrors.map((e) => ({ file: fileName, path: '', message: `YAML syntax error: ${e}`, hint: 'fix the YAML syntax' }));
  }
  const value = file.value ?? {};
  const validate = validators[file.kind];
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // Drop the noise of combinators: the "if"/"anyOf" summary errors and the string-shorthand branch
  // of an endpoint whose value is a map (its real errors come from the map branch).
  const useful = errors.filter((e) => {
    if (e.keyword === 'if' || e.keyword === 'anyOf') return false;
    // Errors inside propertyNames are reported once, by the propertyNames error itself.
    if (e.propertyName !== undefined) return false;
    if (e.schemaPath.includes('/anyOf/0/')) return false;
    return true;
  });
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const err of useful.length > 0 ? useful : errors) {
    const segments = pointerSegments(err.instancePath);
    if (err.keyword === 'propertyNames') {
      const bad = (err.params as { propertyName: string }).propertyName;
      segments.push(bad);
    }
    const key = `${segments.join('/')}\0${err.keyword}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const message =
      err.keyword === 'propertyNames'
        ? `name "${segments[segments.length - 1]}" is not allowed`
        : err.keyword === 'additionalProperties'
          ? `unknown key "${(err.params as { additionalProperty: string }).additionalProperty}"`
          : `${err.message ?? 'is invalid'}`;
    out.push({
      file: fileName,
      line: lineOf(file, segments),
      path: '/' + segments.join('/'),
      message,
      hint: hintFor(file.kind, err, segments),
    });
  }
  return out;
}

function recordOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Rules Juju enforces in code rather than by schema. */
function semanticProblems(files: CharmMetaFiles): Problem[] {
  const out: Problem[] = [];
  const metadata = files.metadata;
  if (metadata && metadata.syntaxErrors.length === 0) {
    const owner = new Map<string, string>();
    for (const role of ['requires', 'provides', 'peers']) {
      for (const name of Object.keys(recordOf(recordOf(metadata.value)[role]))) {
        const first = owner.get(name);
        if (first !== undefined) {
          out.push({
            file: 'metadata.yaml',
            line: lineOf(metadata, [role, name]),
            path: `/${role}/${name}`,
            message: `endpoint "${name}" is declared in both ${first} and ${role}`,
            hint: 'endpoint names must be unique across requires, provides and peers; rename one',
          });
        } else owner.set(name, role);
        if (name === 'juju' || name.startsWith('juju-')) {
          out.push({
            file: 'metadata.yaml',
            line: lineOf(metadata, [role, name]),
            path: `/${role}/${name}`,
            message: `endpoint name "${name}" is reserved by Juju`,
            hint: 'rename the endpoint; "juju" and names starting with "juju-" are reserved',
          });
        }
      }
    }
  }
  const actions = files.actions;
  if (actions && actions.syntaxErrors.length === 0) {
    const paramAjv = new Ajv({ strict: false, allErrors: true });
    for (const [name, rawSpec] of Object.entries(recordOf(actions.value))) {
      const spec = recordOf(rawSpec);
      const params = recordOf(spec['params']);
      if (!('additionalProperties' in spec)) {
        out.push({
          file: 'actions.yaml',
          line: lineOf(actions, [name]),
          path: `/${name}`,
          message: `action "${name}" does not set "additionalProperties"`,
          hint: 'add "additionalProperties: false" (or true): its default differs between Juju 3 and Juju 4',
        });
      }
      const required = Array.isArray(spec['required']) ? (spec['required'] as unknown[]) : [];
      for (const r of required) {
        if (typeof r === 'string' && !(r in params)) {
          out.push({
            file: 'actions.yaml',
            line: lineOf(actions, [name, 'required']),
            path: `/${name}/required`,
            message: `required parameter "${r}" is not declared under params`,
            hint: `declare "${r}" under ${name}.params, or drop it from required`,
          });
        }
      }
      const schema = { type: 'object', properties: params, required, additionalProperties: spec['additionalProperties'] ?? true };
      if (!paramAjv.validateSchema(schema)) {
        // The meta-schema reports one error per anyOf branch; one problem per place is enough.
        const seenPaths = new Set<string>();
        for (const err of paramAjv.errors ?? []) {
          if (seenPaths.has(err.instancePath)) continue;
          seenPaths.add(err.instancePath);
          const segs = pointerSegments(err.instancePath);
          const inParams = segs[0] === 'properties' ? ['params', ...segs.slice(1)] : segs;
          out.push({
            file: 'actions.yaml',
            line: lineOf(actions, [name, ...inParams]),
            path: `/${name}/${inParams.join('/')}`,
            message: `params is not a valid JSON Schema: ${inParams[inParams.length - 1] === 'type' ? 'unknown type' : (err.message ?? 'invalid')}`,
            hint:
              inParams[inParams.length - 1] === 'type'
                ? 'use a JSON Schema type: string, integer, number, boolean, object, array or null'
                : 'params is a map of parameter name to JSON Schema, e.g. "timeout: {type: integer, minimum: 1}"',
          });
        }
      }
    }
  }
  return out;
}

/** Problems with the three files alone (no code involved). */
export function validateMetaFiles(files: CharmMetaFiles): Problem[] {
  if (!files.metadata) {
    return [
      {
        file: 'metadata.yaml',
        path: '',
        message: `not found in ${files.charmDir}`,
        hint: 'run in the charm directory or pass --charm-dir',
      },
    ];
  }
  const out: Problem[] = [];
  for (const file of [files.metadata, files.config, files.actions]) if (file) out.push(...schemaProblems(file));
  out.push(...semanticProblems(files));
  return out;
}

export function declaredNames(files: CharmMetaFiles): { endpoints: Set<string>; actions: Set<string> } {
  const meta = embeddedMeta(files);
  const endpoints = new Set<string>();
  for (const role of ['requires', 'provides', 'peers']) for (const n of Object.keys(recordOf(meta.metadata[role]))) endpoints.add(n);
  return { endpoints, actions: new Set(Object.keys(meta.actions)) };
}

/** Problems where the code observes an endpoint or action the metadata does not declare. */
export function observationProblems(files: CharmMetaFiles, observations: readonly Observation[]): Problem[] {
  const declared = declaredNames(files);
  const out: Problem[] = [];
  for (const o of observations) {
    const rel = path.relative(process.cwd(), o.file) || o.file;
    if (o.kind === 'endpoint' && !declared.endpoints.has(o.name)) {
      out.push({
        file: rel,
        line: o.line,
        path: '',
        message: `the code uses relation endpoint "${o.name}", which metadata.yaml does not declare`,
        hint: `declare "${o.name}" under requires, provides or peers in metadata.yaml, or fix the name (declared: ${[...declared.endpoints].join(', ') || 'none'})`,
      });
    }
    if (o.kind === 'action' && !declared.actions.has(o.name)) {
      out.push({
        file: rel,
        line: o.line,
        path: '',
        message: `the code handles action "${o.name}", which actions.yaml does not declare`,
        hint: `declare "${o.name}" in actions.yaml, or fix the name (declared: ${[...declared.actions].join(', ') || 'none'})`,
      });
    }
  }
  return out;
}

export interface ValidateOptions {
  readonly charmDir: string;
  /** Entry of the charm code; when given, the code's observations are checked against the metadata. */
  readonly entry?: string;
  /** 'machine' (metadata.yaml, the default) or a variants/<name>. */
  readonly variant?: string;
}

export interface ValidateResult {
  readonly problems: readonly Problem[];
  readonly observations: readonly Observation[];
  readonly files: CharmMetaFiles;
}

/** The charm's own sources: those the bundle pulls in from under the entry's directory. */
export function charmSourcesOf(entry: string, bundledSources: readonly string[]): string[] {
  const root = path.dirname(path.resolve(entry)) + path.sep;
  return bundledSources.filter((s) => s.startsWith(root));
}

export async function validateCharm(options: ValidateOptions): Promise<ValidateResult> {
  const files = readCharmMetaFiles(options.charmDir, options.variant);
  const problems = validateMetaFiles(files);
  let observations: Observation[] = [];
  if (options.entry !== undefined && problems.length === 0) {
    const analysis = await bundleCharm({ entry: path.resolve(options.charmDir, options.entry), meta: embeddedMeta(files) });
    observations = scanSources(charmSourcesOf(path.resolve(options.charmDir, options.entry), analysis.ownSources), declaredNames(files));
    problems.push(...observationProblems(files, observations));
    const stale = checkGenerated(options.charmDir, options.entry);
    if (stale) problems.push({ file: GENERATED_FILE, path: '', message: stale, hint: 'run `tscharm gen` and commit the result' });
  }
  return { problems, observations, files };
}
