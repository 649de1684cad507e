/**
 * Precompiled Ajv validators for config and action params (ajv "standalone" code generation), so a
 * packed charm does not load and run the Ajv compiler when a hook validates config or params.
 *
 * The schemas come from lib/ops/validation.ts (configSchema, actionParamsSchema) and are compiled
 * with the same Ajv options lib/ops uses at run time, so the precompiled functions behave as the
 * ones lib/ops would compile. The result is the `PrecompiledValidators` shape lib/ops accepts,
 * exposed to the bundle as the global identifier `__TSCHARM_VALIDATORS__` (see bundle.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { parseCharmMeta } from '../ops/meta';
import { actionParamsSchema, configSchema } from '../ops/validation';
import { VALIDATORS_GLOBAL } from './bundle';
import type { EmbeddedCharmMeta } from './meta';

/**
 * Write the generated validators into `dir` and return the path of the module to inject
 * (an ES module exporting `__TSCHARM_VALIDATORS__`).
 */
export function writePrecompiledValidators(meta: EmbeddedCharmMeta, dir: string): string {
  const charmMeta = parseCharmMeta(meta);
  // Same options as lib/ops/validation.ts compileSchema(), plus source generation.
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, code: { source: true } });
  ajv.addKeyword('x-config-type');
  const exportsMap: Record<string, string> = {};
  ajv.addSchema(configSchema(charmMeta.config) as object, 'tscharm-config');
  exportsMap['config'] = 'tscharm-config';
  const actionNames = Object.keys(charmMeta.actions);
  actionNames.forEach((name, i) => {
    ajv.addSchema(actionParamsSchema(charmMeta.actions[name]!) as object, `tscharm-action-${i}`);
    exportsMap[`action${i}`] = `tscharm-action-${i}`;
  });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'validators.cjs'), pinAjvRuntimeRequires(standaloneCode(ajv, exportsMap)));
  const actionsObject = actionNames.map((name, i) => `${JSON.stringify(name)}: v.action${i}`).join(', ');
  const injectFile = path.join(dir, 'validators-inject.mjs');
  fs.writeFileSync(
    injectFile,
    `import * as v from './validators.cjs';\nexport const ${VALIDATORS_GLOBAL} = { config: v.config, actions: { ${actionsObject} } };\n`,
  );
  return injectFile;
}

/**
 * The standalone code requires Ajv's runtime helpers by package path (`ajv/dist/runtime/ucs2length`
 * for any `minLength`/`maxLength`, `equal` for `const`/`enum` on objects, …). `dir` is a temp
 * directory where `ajv` cannot be resolved, so each such require is pinned to the absolute path of
 * the helper in the Ajv that tscharm itself uses, which is also the one the validators were made by.
 */
export function pinAjvRuntimeRequires(code: string, resolve: (spec: string) => string = require.resolve): string {
  return code.replace(
    /require\((["'])(ajv\/dist\/[^"']+)\1\)/g,
    (_m, _q: string, spec: string) => `require(${JSON.stringify(resolve(spec))})`,
  );
}
