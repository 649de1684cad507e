import { checkEmpty, formatOutput, goJson, goStruct, goYaml, parseArgs, UsageError } from '../../../lib/sim';

describe('goJson (Go encoding/json)', () => {
  it('sorts map keys and escapes HTML-sensitive characters like Go', () => {
    expect(goJson({ b: '<a&b>', a: 1, c: [true, null] })).toBe('{"a":1,"b":"\\u003ca\\u0026b\\u003e","c":[true,null]}');
  });
  it('keeps struct field order when marked as a Go struct', () => {
    expect(goJson(goStruct({ z: 1, a: 2 }))).toBe('{"z":1,"a":2}');
  });
  it('escapes control characters and line separators', () => {
    expect(goJson('a\nb\u0001\u2028')).toBe('"a\\nb\\u0001\\u2028"');
  });
});

describe('formatOutput', () => {
  it('json appends a newline, even for null', () => {
    expect(formatOutput(null, 'json')).toBe('null\n');
    expect(formatOutput({ k: 'v' }, 'json')).toBe('{"k":"v"}\n');
  });
  it('smart prints raw strings, True/False, YAML maps, and nothing for null or empty string', () => {
    expect(formatOutput('hello', 'smart')).toBe('hello\n');
    expect(formatOutput(true, 'smart')).toBe('True\n');
    expect(formatOutput(false, 'smart')).toBe('False\n');
    expect(formatOutput(null, 'smart')).toBe('');
    expect(formatOutput('', 'smart')).toBe('');
    expect(formatOutput({ b: '1', a: 'x' }, 'smart')).toBe('a: x\nb: "1"\n');
  });
  it('yaml sorts keys and quotes YAML 1.1 booleans', () => {
    expect(goYaml({ b: 'yes', a: ['x'] })).toBe('a:\n- x\nb: "yes"');
  });
});

describe('parseArgs (gnuflag, interspersed)', () => {
  const specs = [
    { names: ['r', 'relation'], kind: 'value' as const },
    { names: ['app'], kind: 'bool' as const },
  ];
  it('accepts short, long, = forms and flags after positionals', () => {
    const p = parseArgs(['key', '-r', 'source:3', '--app'], specs);
    expect(p.flags.get('r')).toBe('source:3');
    expect(p.flags.get('app')).toBe(true);
    expect(p.positional).toEqual(['key']);
    expect(parseArgs(['--relation=7', '--app=false'], specs).flags.get('app')).toBe(false);
    expect(parseArgs(['--relation=7'], specs).flags.get('r')).toBe('7');
  });
  it('stops at -- so values may start with a dash', () => {
    const p = parseArgs(['--', '-r', '--app'], specs);
    expect(p.positional).toEqual(['-r', '--app']);
    expect(p.flags.size).toBe(0);
  });
  it('reports unknown flags, missing values and bad booleans as usage errors', () => {
    expect(() => parseArgs(['--nope'], specs)).toThrow(new UsageError('flag provided but not defined: --nope'));
    expect(() => parseArgs(['-r'], specs)).toThrow('flag needs an argument: -r');
    expect(() => parseArgs(['--app=maybe'], specs)).toThrow('invalid value "maybe" for flag --app: parse error');
  });
  it('checkEmpty lists extra args as juju/cmd does', () => {
    expect(() => checkEmpty(['a', 'b'])).toThrow('unrecognized args: ["a" "b"]');
    expect(() => checkEmpty([])).not.toThrow();
  });
});
