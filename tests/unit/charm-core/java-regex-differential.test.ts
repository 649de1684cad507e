// Differential test: the charm's Java regex validator against real java.util.regex.Pattern.compile.
// Every pattern (hand-picked + seeded random) must get the same verdict, and when both refuse it
// the same description and index. Needs java + javac (present on every dev and CI machine).

import { checkJavaPattern } from '../../../charm/core/java-pattern';
import { javaAvailable, javaCompileVerdicts } from '../../support/java-regex-oracle';

// Every example from the field reports, plus the constructs Java reads specially.
const HAND_PICKED = [
  '(?i)orders',
  '(?i:orders)',
  '(?-i)x',
  'a*+',
  'a++',
  'a?+',
  'a{2}+',
  '\\p{Lu}',
  '\\p{Alpha}',
  '\\Qa.b\\E',
  '\\Qa',
  '\\Q',
  'a\\E',
  '(?>a)',
  '[a-z&&[^b]]',
  '\\z',
  'x{99999999999}',
  '[a-\\d]',
  '(?<=r.*)el-d-.*',
  '(a+)+$',
  '(?<=a*)b',
  '(?<!a+)b',
  '(?<=(?:ab)*)x',
  '(?<=(a|b)*)x',
  '(?<=a{2,})x',
  '(?<=a{2,}?)x',
  '(?<=xa+?)y',
  '(?<=a?)b',
  '(?<=a|bc)d',
  '(?<=\\1)(a)',
  '(a)(?<=\\1)',
  '(?<=\\R)x',
  '(?<=\\X)x',
  '.*',
  'orders',
  'a\\.b',
  '__.*',
  'topic1|topic2',
  '(orders|payments)-v[0-9]+',
  '(?<name>a)\\k<name>',
  '\\k<nope>',
  '(?<n>a)(?<n>b)',
  '(?<1a>x)',
  '(?<a_b>x)',
  '\\x41\\u0042',
  '\\x{1F600}',
  '\\x{110000}',
  '\\x{}',
  '\\x4',
  '\\u12',
  '\\uD83D\\uDE00',
  '\\cA',
  '\\c',
  '\\0',
  '\\08',
  '\\0377',
  '\\0400',
  '\\e\\a',
  '\\b{g}',
  '\\b{x}',
  '\\p{IsLatin}',
  '\\p{InGreek}',
  '\\p{InGreek and Coptic}',
  '\\p{IsAlphabetic}',
  '\\p{script=Latn}',
  '\\p{sc=Greek}',
  '\\p{blk=Basic_Latin}',
  '\\p{gc=Lu}',
  '\\p{general_category=L}',
  '\\p{foo=bar}',
  '\\p{Nope}',
  '\\p{}',
  '\\p{Lu',
  '\\pL',
  '\\PL',
  '\\p',
  '(?U)\\p{alpha}',
  '\\p{alpha}',
  '\\p{javaLowerCase}',
  '\\p{IsWhite_Space}',
  '[\\p{L}&&[^\\p{Lu}]]',
  '[&&a]',
  '[a&&]',
  '[&&]',
  '[]a]',
  '[^]a]',
  '[]',
  '[^]',
  '[a-]',
  '[-a]',
  '[z-a]',
  '[a-\\x{10}]',
  '[\\v-\\x0d]',
  '[a[b]]',
  '[[a]&&[b]]',
  '(?x) a b # comment\n c',
  '(?x)a {2}',
  '(?x)[ a ]',
  '(?x)\\ ',
  '(?x)a#',
  '(?',
  '(?)',
  '(?:',
  '(?=a',
  '(?$)',
  '(?@)',
  '(?P<n>a)',
  '(?z)',
  '(?i-m:x)',
  '(?idmsuxU-idmsuxU)',
  '(?c)\\p{L}*',
  '(?<=(?c)a)b',
  '{',
  'a{',
  'a{,3}',
  'a{3,1}',
  'a{1,}',
  'a{1,2147483647}',
  'a{2147483648}',
  '{3}',
  'a}',
  ']',
  '*a',
  'a**',
  '+',
  '?',
  'a|*',
  '(*)',
  '()',
  '(|)',
  '|',
  'a||b',
  ')',
  'a)',
  '(a',
  '((a)',
  '\\',
  'a\\',
  '\\G\\A\\Z\\B',
  '^*',
  '$+',
  '\\b+',
  '(?=a)*',
  '(?<=a)+',
  '\\1',
  '\\9',
  '(a)\\10',
  '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10',
  '\\y',
  '\\i',
  '\\N{LATIN SMALL LETTER A}',
  '\\R',
  '\\X',
  '\\h\\H\\v\\V',
  '[\\R]',
  '[\\X]',
  '[\\b]',
  '[\\1]',
  '[\\k]',
  '[\\Qa]\\E]',
  '\\Q\\\\E',
  'a\\Q1\\E',
  '\\x\\Q1\\E2',
  'é',
  'a\u{1F600}+',
  '[\u{1F600}-\u{1F601}]',
  '(?i)[\u00e5]',
  '(?iu)[K]',
  '\\-',
  '\\_',
  '\\@',
  '\\ ',
  '\\\u00e9',
];

// A seeded generator: random sequences of syntax fragments, biased towards the tricky ones.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const FRAGMENTS = [
  'a',
  'b',
  'x',
  '0',
  '1',
  '9',
  '.',
  '*',
  '+',
  '?',
  '*?',
  '++',
  '{',
  '}',
  '{2}',
  '{1,3}',
  '{2,}',
  '{0,1}',
  ',',
  '[',
  ']',
  '[^',
  '-',
  '&&',
  '&',
  '(',
  ')',
  '(?:',
  '(?=',
  '(?!',
  '(?<=',
  '(?<!',
  '(?>',
  '(?<n>',
  '(?<m>',
  '(?i)',
  '(?x)',
  '(?-x)',
  '(?s:',
  '(?c)',
  '(?U)',
  '|',
  '^',
  '$',
  '\\',
  '\\\\',
  '\\d',
  '\\w',
  '\\s',
  '\\b',
  '\\B',
  '\\Q',
  '\\E',
  '\\p{Lu}',
  '\\p{IsLatin}',
  '\\pL',
  '\\P{InBasicLatin}',
  '\\x41',
  '\\x{41}',
  '\\u0041',
  '\\0',
  '\\07',
  '\\1',
  '\\2',
  '\\k<n>',
  '\\c',
  '\\z',
  '\\R',
  '\\X',
  '\\v',
  '\\h',
  '\\e',
  '\\y',
  '\\.',
  ' ',
  '#',
  '\n',
  'é',
  '\u{1F600}',
  ':',
  '=',
  '!',
  '<',
  '>',
  'p',
  '{9999999999}',
];
// Well-formed building blocks, so that many generated patterns are valid and exercise the
// look-behind length rules and nesting rather than only the first syntax error.
const ATOMS = ['a', 'bc', '.', '\\d', '[a-z]', '[^x&&[a-c]]', '\\p{L}', '\\R', '\\X', '\\1', '(?i)q', '\\Qx.\\E', '^', '$', '\\b'];
const QUANTIFIERS = ['', '', '*', '+', '?', '*?', '+?', '??', '*+', '++', '{2}', '{0,3}', '{1,}', '{2,}?', '{3}+'];
function wellFormed(rnd: () => number, depth: number): string {
  const parts: string[] = [];
  const n = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) {
    let atom: string;
    const r = rnd();
    if (depth < 3 && r < 0.35) {
      const open = ['(', '(?:', '(?=', '(?!', '(?<=', '(?<!', '(?>'][Math.floor(rnd() * 7)];
      const inner = rnd() < 0.3 ? `${wellFormed(rnd, depth + 1)}|${wellFormed(rnd, depth + 1)}` : wellFormed(rnd, depth + 1);
      atom = `${open}${inner})`;
    } else {
      atom = ATOMS[Math.floor(rnd() * ATOMS.length)];
    }
    parts.push(atom + QUANTIFIERS[Math.floor(rnd() * QUANTIFIERS.length)]);
  }
  return parts.join('');
}
function generateWellFormed(count: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: count }, () => wellFormed(rnd, 0));
}

function generate(count: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const len = 1 + Math.floor(rnd() * 10);
    let p = '';
    for (let i = 0; i < len; i++) p += FRAGMENTS[Math.floor(rnd() * FRAGMENTS.length)];
    out.push(p);
  }
  return out;
}

// Deliberately refused by the validator although Java may compile them (documented in java-pattern.ts).
const excluded = (p: string): boolean => /\\N/.test(p);

const haveJava = javaAvailable();
if (!haveJava && process.env.CI === 'true') {
  throw new Error('java and javac are required for the Java regex differential test under CI=true');
}
const describeJava = haveJava ? describe : describe.skip;

describeJava('Java regex validator vs java.util.regex.Pattern.compile (Java on this machine)', () => {
  it('agrees on ≥ 8000 generated and hand-picked patterns', () => {
    const started = Date.now();
    const patterns = [...new Set([...HAND_PICKED, ...generate(6000, 20261201), ...generateWellFormed(3000, 7)])].filter(
      (p) => !excluded(p),
    );
    const verdicts = javaCompileVerdicts(patterns);
    const javaMs = Date.now() - started;
    const tsStarted = Date.now();
    const disagreements: string[] = [];
    let accepted = 0;
    patterns.forEach((p, i) => {
      const ours = checkJavaPattern(p).error;
      const java = verdicts[i];
      if (java.ok) accepted += 1;
      const same = java.ok ? ours === null : ours !== null && ours.description === java.description && ours.index === java.index;
      if (!same) {
        disagreements.push(
          `${JSON.stringify(p)}: java=${java.ok ? 'OK' : `${java.description} @${java.index}`} ours=${ours ? `${ours.description} @${ours.index}` : 'OK'}`,
        );
      }
    });
    const tsMs = Date.now() - tsStarted;
    console.log(
      `Java regex differential: ${patterns.length} patterns (${HAND_PICKED.length} hand-picked), ` +
        `${accepted} accepted and ${patterns.length - accepted} refused by Java, ` +
        `${patterns.length - disagreements.length} agreements, ${disagreements.length} disagreements; ` +
        `Java ${javaMs} ms, validator ${tsMs} ms`,
    );
    expect(patterns.length).toBeGreaterThanOrEqual(8000);
    expect(disagreements.slice(0, 30)).toEqual([]);
  });

  it('refuses \\N{…} (cannot be checked without a name database) with advice', () => {
    expect(checkJavaPattern('\\N{LATIN SMALL LETTER A}').error?.description).toMatch(/\\x\{hhhh\}/);
  });
});
