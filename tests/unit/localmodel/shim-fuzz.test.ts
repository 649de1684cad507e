/**
 * The C shim's parser of the agent's answer header (`<code> <stdout-len> <stderr-len>\n`), fuzzed
 * against a reference: digits only, code ≤ 255, lengths checked against what is left by
 * subtraction (a header-only answer claiming 64 KiB of stdout once made the shim write heap).
 * Compiled with -DSHIM_PARSE_HARNESS (and ASan/UBSan when the compiler has them).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findCompiler, SHIM_C_SOURCE } from '../../../lib/localmodel/shim';

jest.setTimeout(120_000);

const cc = findCompiler();
let tmp: string;
let harness: string;

beforeAll(() => {
  if (!cc) {
    if (process.env['CI'] === 'true') throw new Error('no C compiler (cc, gcc, clang): the C shim cannot be fuzzed');
    return;
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-fuzz-'));
  const src = path.join(tmp, 'shim.c');
  fs.writeFileSync(src, SHIM_C_SOURCE);
  harness = path.join(tmp, 'harness');
  try {
    execFileSync(
      cc,
      ['-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-DSHIM_PARSE_HARNESS', '-o', harness, src],
      { stdio: 'pipe' },
    );
    // A sanitizer runtime that cannot start here (e.g. under ptrace limits) falls back to a plain build.
    if (spawnSync(harness, [], { input: '' }).status !== 0) throw new Error('sanitized harness does not run');
  } catch {
    execFileSync(cc, ['-O2', '-Wall', '-DSHIM_PARSE_HARNESS', '-o', harness, src], { stdio: 'pipe' });
  }
});
afterAll(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

/** The rules the shim must follow, in JS. */
function reference(bytes: Buffer): string {
  let i = 0;
  const v: bigint[] = [];
  for (let k = 0; k < 3; k++) {
    const start = i;
    while (i < bytes.length && bytes[i]! >= 0x30 && bytes[i]! <= 0x39) i++;
    if (i === start || i - start > 20 || i >= bytes.length) return 'malformed';
    const n = BigInt(bytes.subarray(start, i).toString('latin1'));
    if (n > 18446744073709551615n) return 'malformed';
    if (bytes[i] !== (k < 2 ? 0x20 : 0x0a)) return 'malformed';
    v.push(n);
    i++;
  }
  if (v[0]! > 255n) return 'malformed';
  const left = BigInt(bytes.length - i);
  if (v[1]! > left || v[2]! > left - v[1]!) return 'malformed';
  return `ok ${v[0]} ${i} ${v[1]} ${v[2]}`;
}

function randomCase(rand: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const num = () =>
    pick([
      () => String(Math.floor(rand() * 300)),
      () => String(Math.floor(rand() * 70000)),
      () => pick(['-1', '-0', '+1', ' 1', '18446744073709551615', '18446744073709551616', '99999999999999999999999', '0x10', '', '00001']),
    ])();
  const sep = () => pick([' ', ' ', ' ', '  ', '\t', '']);
  const end = () => pick(['\n', '\n', '\n', '', ' \n', '\r\n']);
  const head = `${num()}${sep()}${num()}${sep()}${num()}${end()}`;
  const body = Buffer.alloc(Math.floor(rand() * 64), 0x62);
  const whole = Buffer.concat([Buffer.from(head, 'latin1'), body]);
  if (rand() < 0.1) whole[Math.floor(rand() * whole.length)] = Math.floor(rand() * 256);
  return rand() < 0.1 ? whole.subarray(0, Math.floor(rand() * whole.length)) : whole;
}

const HAND_PICKED = [
  '0 0 0\n',
  '0 5 0\nhello',
  '1 0 6\nERROR\n',
  '0 65536 0\n', // header only, claims 64 KiB of stdout
  '0 18446744073709551615 1\nx', // olen + elen wraps around in size_t
  '0 1 18446744073709551615\nx',
  '-1 0 0\n',
  '0 -5 0\n',
  '256 0 0\n',
  ' 0 0 0\n',
  '0 0 0',
  '',
];

(cc || process.env['CI'] === 'true' ? test : test.skip)(
  '5 000 generated and hand-picked answers: the shim agrees with the reference on every one',
  () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const cases: Buffer[] = HAND_PICKED.map((t) => Buffer.from(t, 'latin1'));
    while (cases.length < 5000) cases.push(randomCase(rand));
    const input = Buffer.concat(cases.flatMap((c) => [Buffer.from(`${c.length}\n`), c]));
    const run = spawnSync(harness, [], { input, maxBuffer: 64 * 1024 * 1024 });
    expect(run.stderr.toString()).toBe('');
    expect(run.status).toBe(0);
    const got = run.stdout.toString().trimEnd().split('\n');
    expect(got).toHaveLength(cases.length);
    const disagreements = cases
      .map((c, i) => ({ c: c.toString('latin1'), want: reference(c), got: got[i] }))
      .filter((d) => d.want !== d.got);
    expect(disagreements).toEqual([]);
    expect(got[3]).toBe('malformed');
    expect(got[4]).toBe('malformed');
    expect(got[1]).toBe('ok 0 6 5 0');
  },
);
