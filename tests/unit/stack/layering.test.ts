// Imports point downwards: the demo (tools/), the benchmarks (bench/) and every other tool use
// what lives under tools/ and lib/, never the test suite (tests/), which is their caller.
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('libs-') || e.name.startsWith('run-')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mjs|cjs|js)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Module specifiers of static imports, dynamic imports and require() calls. */
export function importSpecifiers(source: string): string[] {
  const re = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm;
  return [...source.matchAll(re)].map((m) => m[2]!);
}

describe('imports point downwards', () => {
  it('finds the specifiers it must check (the scanner itself works)', () => {
    const sample = `import a from '../../tests/support/x';\nconst b = require("../tests/y");\nawait import('./z.mjs');\nimport './side-effect';`;
    expect(importSpecifiers(sample)).toEqual(['../../tests/support/x', '../tests/y', './z.mjs', './side-effect']);
  });

  it.each(['tools', 'bench'])('nothing under %s/ imports from tests/', (top) => {
    const files = sourceFiles(path.join(ROOT, top));
    expect(files.length).toBeGreaterThan(3);
    const upward: string[] = [];
    for (const f of files) {
      for (const spec of importSpecifiers(fs.readFileSync(f, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = path.relative(ROOT, path.resolve(path.dirname(f), spec));
        if (target === 'tests' || target.startsWith(`tests${path.sep}`)) upward.push(`${path.relative(ROOT, f)} → ${spec}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
