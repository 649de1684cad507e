import { commaProblem, portableRegexProblem, splitList } from '../../../charm/core/regex';

describe('splitList', () => {
  it('splits on commas and trims like a Connect LIST', () => {
    expect(splitList(' a , b.* ,c')).toEqual(['a', 'b.*', 'c']);
    expect(splitList('a,,b')).toEqual(['a', '', 'b']);
  });
});

describe('commaProblem', () => {
  it.each(['x{1,3}', 'x{2,}', 'x{ 1 , 3 }', 'a,b{0,1}'])('flags %s', (value) => {
    expect(commaProblem(value)).toMatch(/is a \{n,m\} quantifier, but items are split on commas/);
  });
  it.each(['a,b', 'x{3}', '.*', ''])('passes %s', (value) => {
    expect(commaProblem(value)).toBeNull();
  });
});

describe('portableRegexProblem: accepted (same meaning in Java and JavaScript)', () => {
  it.each([
    '.*',
    'orders',
    'orders.*',
    'a\\.b',
    '.*[\\-\\.]internal',
    '__.*',
    'topic1|topic2|topic3',
    '(orders|payments)-v[0-9]+',
    '(?:a|b)c',
    'a(?=b)',
    'a(?!b)',
    '(?<=x)y',
    '(?<!x)y',
    '(?<name>a)b',
    'x{3}',
    'x{3}?',
    'a*?b+?c??',
    '\\d\\w\\s\\D\\W\\S',
    '\\bword\\B',
    '\\x41\\u0042',
    '\\cA',
    '(a)\\1',
    '[^a-z]',
    '[a\\]b]',
    '^anchored$',
    'a]b',
    'a}b',
    '\\t\\n\\r\\f',
    'kafka\\-b\\.replica\\..*',
  ])('%s', (item) => {
    expect(portableRegexProblem(item)).toBeNull();
  });
});

describe('portableRegexProblem: rejected with an explanation', () => {
  it.each([
    ['', /empty item/],
    ['a[b', /^unterminated character class$/],
    ['[abc', /unterminated character class/],
    ['(a', /unterminated group: missing '\)'/],
    ['a)', /unmatched '\)'/],
    ['a\\', /lone backslash/],
    ['*a', /nothing to repeat/],
    ['a**', /nothing to repeat/],
    ['a{', /'\{' must start a quantifier like '\{3\}'/],
    ['a{x}', /'\{' must start a quantifier/],
    ['{3}', /'\{' must start a quantifier/],
    ['a*+', /possessive quantifier 'a\*\+|possessive quantifier '\*\+' is Java-only/],
    ['a++', /possessive quantifier/],
    ['a?+', /possessive quantifier/],
    ['a{2}+', /possessive quantifier/],
    ['\\.*+', /possessive quantifier/],
    ['(?i)orders', /inline flags such as '\(\?i\)' are Java-only/],
    ['(?i:orders)', /inline flags/],
    ['(?-i)x', /inline flags/],
    ['(?>a)', /atomic groups '\(\?>…\)' are Java-only/],
    ['(?P<n>a)', /not a supported group/],
    ['(?<n_1>a)', /group names must be ASCII letters and digits/],
    ['(?<=a*)b', /unbounded '\*' inside a lookbehind/],
    ['(?<!a+)b', /unbounded '\+' inside a lookbehind/],
    ['\\p{L}', /Unicode classes use different names/],
    ['\\P{Lu}', /Unicode classes/],
    ['\\Qa.b\\E', /'\\Q…\\E' quoting is Java-only/],
    ['\\A', /not a portable escape/],
    ['\\Z', /not a portable escape/],
    ['\\z', /not a portable escape/],
    ['\\h', /not a portable escape/],
    ['\\v', /not a portable escape/],
    ['\\R', /not a portable escape/],
    ['\\e', /not a portable escape/],
    ['\\0', /octal escape/],
    ['[\\1]', /octal escape/],
    ['\\k<n>', /named back-references/],
    ['\\xZZ', /exactly two hex digits/],
    ['\\u12', /exactly four hex digits/],
    ['\\c1', /followed by a letter/],
    ['[a[b]]', /nested class \(union\) in Java/],
    ['[a-z&&[^x]]', /nested class|intersection/],
    ['[a-z&&b]', /'&&' inside \[\.\.\.\] is Java's class intersection/],
    ['[]a]', /'\[\]' \/ '\[\^\]'/],
    ['[^]', /'\[\]' \/ '\[\^\]'/],
    ['[\\b]', /inside \[\.\.\.\] means different things/],
    ['\\é', /not a portable escape; escape only ASCII punctuation/],
  ])('%s', (item, reason) => {
    const problem = portableRegexProblem(item);
    expect(problem).not.toBeNull();
    expect(problem).toMatch(reason);
  });

  it('every rejection message is lower-case first and has no trailing period', () => {
    for (const item of ['a[b', '(a', '*a', '(?i)a', '\\A']) {
      const problem = portableRegexProblem(item) as string;
      expect(problem[0]).toBe(problem[0].toLowerCase());
      expect(problem.endsWith('.')).toBe(false);
    }
  });
});
