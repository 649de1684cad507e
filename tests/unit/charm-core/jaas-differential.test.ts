// Differential test: the SCRAM JAAS strings the charm writes, parsed by Kafka's own JaasConfig
// (kafka-clients from tools/kafka/libs-*). Every username/password — including CR, LF, quotes,
// backslashes and attempts to close the quotes and add options — must come back unchanged as
// exactly one ScramLoginModule entry with exactly the options username and password.

import { spawnSync } from 'node:child_process';
import { scramJaasConfig } from '../../../charm/core/connectors';
import { jaasQuote, jaasUnquote } from '../../../charm/core/redact';
import { kafkaClientsJar, kafkaJaasVerdicts } from '../../support/jaas-oracle';

const HAND_PICKED = [
  'plain',
  '',
  'line\nbreak',
  'cr\rlf\r\n',
  '\n',
  'a"; evil="1',
  'x" debug="true',
  'trail\\',
  '\\n literally',
  '\\"',
  'ends with quote"',
  'semi;colon',
  'tab\there',
  'nul\u0000char',
  'é ünï',
  'emoji 😀',
  '";\norg.example.Evil required x="y',
  '" ; ',
  '\\\\',
  '/* not a comment */',
  '// nor this',
  '=',
  'a=b c=d',
];

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
const ALPHABET = ['a', 'Z', '9', '"', '\\', '\n', '\r', ';', '=', ' ', '\t', '\u0000', '/', '*', '#', '{', '}', "'", 'é', '😀', 'n', 'r'];
function generated(count: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: count }, () => {
    let s = '';
    const len = Math.floor(rnd() * 12);
    for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
    return s;
  });
}

const java =
  spawnSync('javac', ['-version'], { stdio: 'ignore' }).status === 0 && spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
const jar = java ? kafkaClientsJar(process.env.CI === 'true') : undefined;
if ((!java || !jar) && process.env.CI === 'true') {
  throw new Error(
    `the JAAS differential test needs java, javac and kafka-clients under CI=true (java: ${java}, jar: ${jar ?? 'not fetched'})`,
  );
}
const describeJava = java && jar ? describe : describe.skip;

describeJava("SCRAM JAAS strings vs Kafka's JaasConfig parser", () => {
  it('every username and password round-trips and no value adds options', () => {
    const values = [...HAND_PICKED, ...generated(1500, 42)];
    const pairs = values.map((v, i) => [values[(i * 7) % values.length]!, v] as const);
    const verdicts = kafkaJaasVerdicts(
      pairs.map(([u, p]) => scramJaasConfig(u, p)),
      jar!,
    );
    const problems: string[] = [];
    pairs.forEach(([username, password], i) => {
      const v = verdicts[i]!;
      const expected = [
        { module: 'org.apache.kafka.common.security.scram.ScramLoginModule', flag: 'required', options: { password, username } },
      ];
      if (!v.ok) problems.push(`${JSON.stringify([username, password])}: Kafka refused it: ${v.message}`);
      else if (JSON.stringify(v.entries) !== JSON.stringify(expected))
        problems.push(`${JSON.stringify([username, password])}: read as ${JSON.stringify(v.entries)}`);
    });
    console.log(
      `JAAS differential: ${pairs.length} username/password pairs, ${pairs.length - problems.length} round-trips, ${problems.length} problems`,
    );
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it('jaasUnquote inverts jaasQuote', () => {
    for (const v of [...HAND_PICKED, ...generated(300, 7)]) expect(jaasUnquote(jaasQuote(v))).toBe(v);
  });
});
