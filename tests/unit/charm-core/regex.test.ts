import { checkRegexItem, commaProblem, javaRegexProblem, splitList } from '../../../charm/core/regex';

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

describe('javaRegexProblem: what Java compiles is accepted', () => {
  // The constructs Canonical's Python charm passed on to Connect unchanged.
  it.each([
    '.*',
    'orders',
    'a\\.b',
    '(orders|payments)-v[0-9]+',
    '(?<name>a)\\k<name>',
    'x{3}',
    '\\x41\\u0042',
    '(?i)orders',
    '(?i:orders)',
    'a*+',
    'a++',
    '\\p{Lu}',
    '\\p{Alpha}',
    '\\Qa.b\\E',
    '(?>a)',
    '[a-z&&[^b]]',
    '\\z',
    '\\A',
    '\\R',
    '\\h',
    '[a[b]]',
    '[]a]',
    '(?<=r.*)el-d-.*',
    '(?<=a+)b',
    '(?<=a{2,})b',
    '(a+)+$',
  ])('%s', (item) => {
    expect(javaRegexProblem(item)).toBeNull();
  });
});

describe("javaRegexProblem: what Java refuses is refused with Java's reason", () => {
  it.each([
    ['', /empty item/],
    ['x{99999999999}', /Illegal repetition range near index 11/],
    ['[a-\\d]', /Illegal character range near index 4/],
    ['a[b', /Unclosed character class near index 2/],
    ['(a', /Unclosed group near index 2/],
    ['a)', /Unmatched closing '\)'/],
    ['*a', /Dangling meta character '\*'/],
    ['a{', /Illegal repetition/],
    ['(?<=(?:ab)*)x', /Look-behind group does not have an obvious maximum length/],
    ['(?<=x(?:a)+?)y', /Look-behind group does not have an obvious maximum length/],
    ['\\p{Nope}', /Unknown character property name \{Nope\}/],
    ['\\y', /Illegal\/unsupported escape sequence/],
    ['\\k<n>', /named capturing group <n> does not exist/],
    ['(?P<n>a)', /Unknown inline modifier|capturing group name/],
    ['a'.repeat(5000), /longer than 4096 characters/],
    ['('.repeat(500) + ')'.repeat(500), /nested more than 400 levels deep/],
  ])('%s', (item, reason) => {
    expect(javaRegexProblem(item)).toMatch(reason);
  });
});

describe('checkRegexItem: catastrophic backtracking is a warning, not an error', () => {
  it.each(['(a+)+$', '(a*)*b', '(?:x|y+)*z', '(\\d+)+'])('%s warns', (item) => {
    const r = checkRegexItem(item);
    expect(r.error).toBeNull();
    expect(r.warning).toMatch(/Java accepts it, but matching some names can take exponential time/);
  });
  it.each(['a+', '(ab)+', '(?>a+)+', '(a++)+', '(a+)?', 'orders.*'])('%s does not warn', (item) => {
    expect(checkRegexItem(item)).toEqual({ error: null, warning: null });
  });
});
