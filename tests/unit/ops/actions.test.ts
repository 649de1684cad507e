import { ActionEvent, ActionResultError, CharmBase, flattenActionResults, Framework, runCharm } from '../../../lib/ops';
import { actionEnv, FakeJuju, Output, testMeta } from './fake-juju';

const meta = testMeta();

describe('flattenActionResults', () => {
  it('flattens nested objects with dots and stringifies values', () => {
    expect(flattenActionResults({ a: 1, nested: { 'b-c': true, deep: { x: 'y' } }, n: null })).toEqual({
      a: '1',
      'nested.b-c': 'true',
      'nested.deep.x': 'y',
      n: '',
    });
  });
  it.each([
    [{ Bad: 'x' }, /"Bad" is not/],
    [{ ok: { x_y: 'x' } }, /key "ok.x_y" is invalid.*"x_y" is not/],
    [{ '-a': 'x' }, /invalid/],
    [{ 'a-': 'x' }, /invalid/],
    [{ stdout: 'x' }, /reserved/],
    [{ 'stderr-encoding': 'x' }, /reserved/],
    [{ 'return-code': 0 }, /overwritten by Juju/],
    [{ 'a.b': '1', a: { b: '2' } }, /given twice/],
  ])('rejects %j', (results, message) => {
    expect(() => flattenActionResults(results)).toThrow(ActionResultError);
    expect(() => flattenActionResults(results)).toThrow(message);
  });
});

describe('actions', () => {
  const seen: unknown[] = [];
  let behaviour: (e: ActionEvent, c: CharmBase) => void = () => undefined;
  class C extends CharmBase {
    constructor(fw: Framework) {
      super(fw);
      fw.observe(this.on.action('resize'), this.onAction);
      fw.observe(this.on.action('loose'), this.onAction);
    }
    onAction = (e: ActionEvent) => {
      seen.push(e.params);
      behaviour(e, this);
    };
  }
  beforeEach(() => {
    seen.splice(0);
    behaviour = () => undefined;
  });

  async function run(name: string, params: Record<string, unknown>, j = new FakeJuju(), jujuVersion?: string) {
    j.actionParams = params;
    const out = new Output();
    const env = { ...actionEnv(name), ...(jujuVersion ? { JUJU_VERSION: jujuVersion } : {}) };
    const code = await runCharm(C, { env, runner: j, meta, stdout: out.stdout, stderr: out.stderr });
    return { code, j, out };
  }

  it('validates params, applies defaults and passes them frozen', async () => {
    const { code, j } = await run('resize', { count: 3 });
    expect(code).toBe(0);
    expect(seen).toEqual([{ count: 3, mode: 'slow' }]);
    expect(Object.isFrozen(seen[0])).toBe(true);
    expect(j.actionFailed).toBeNull();
  });

  it.each([
    [{}, 'invalid parameters for action "resize": parameter "count" is required'],
    [{ count: 'three' }, 'invalid parameters for action "resize": parameter "count" must be integer, got "three"'],
    [{ count: 0 }, 'invalid parameters for action "resize": parameter "count" must be >= 1'],
    [{ count: 1, mode: 'turbo' }, 'invalid parameters for action "resize": parameter "mode" must be one of ["fast","slow"], got "turbo"'],
  ])('invalid params %j → action-fail naming the parameter, handler not called, exit 0', async (params, message) => {
    const { code, j } = await run('resize', params);
    expect(code).toBe(0);
    expect(seen).toEqual([]);
    expect(j.actionFailed).toBe(message);
  });

  // additionalProperties unset: Juju 3 passes undeclared params through (JSON Schema's default),
  // Juju 4 defaults it to false; the check follows JUJU_VERSION.
  it('passes an undeclared param through under Juju 3 when additionalProperties is unset', async () => {
    const { j } = await run('resize', { count: 1, extra: true }, new FakeJuju(), '3.6.4');
    expect(j.actionFailed).toBeNull();
    expect(seen).toEqual([{ count: 1, extra: true, mode: 'slow' }]);
  });

  it('refuses an undeclared param under Juju 4 when additionalProperties is unset', async () => {
    const { code, j } = await run('resize', { count: 1, extra: true }, new FakeJuju(), '4.0.0');
    expect(code).toBe(0);
    expect(seen).toEqual([]);
    expect(j.actionFailed).toBe('invalid parameters for action "resize": parameter "extra" is not defined');
  });

  it('honours additionalProperties: true from the action definition', async () => {
    const { j } = await run('loose', { a: 'x', other: 1 });
    expect(j.actionFailed).toBeNull();
    expect(seen).toEqual([{ a: 'x', other: 1 }]);
  });

  it('setResults, log and fail go to action-set, action-log and action-fail', async () => {
    behaviour = (e) => {
      e.log('working');
      e.setResults({ status: 'ok', connectors: { source: 'RUNNING', count: 2 } });
      e.fail('partly broken');
    };
    const { code, j, out } = await run('resize', { count: 1 });
    expect(code).toBe(0);
    expect(j.actionLogs).toEqual(['working']);
    expect(j.callsOf('action-set')[0].args).toEqual(['status=ok', 'connectors.source=RUNNING', 'connectors.count=2']);
    expect(j.actionFailed).toBe('partly broken');
    expect(out.out).toBe('');
  });

  it('an invalid result key fails the action with a clear message', async () => {
    behaviour = (e) => e.setResults({ Status: 'x' });
    const { code, j } = await run('resize', { count: 1 });
    expect(code).toBe(0);
    expect(j.actionFailed).toMatch(/ActionResultError: action result key "Status" is invalid/);
    expect(j.callsOf('action-set')).toHaveLength(0);
  });

  it('refuses to put secret content in results', async () => {
    const j = new FakeJuju();
    j.secrets.push({ id: 'secret:a', owner: 'application', revisions: [{ password: 'very-secret-pw' }] });
    behaviour = (e, c) => e.setResults({ password: c.model.getSecret({ id: 'secret:a' }).getContent().password });
    await run('resize', { count: 1 }, j);
    expect(j.callsOf('action-set')).toHaveLength(0);
    expect(j.actionFailed).toContain('contains secret content');
    expect(JSON.stringify(j.calls)).not.toContain('very-secret-pw');
  });

  it('an action without an observer does nothing (no action-get), exit 0', async () => {
    const { code, j } = await run('pause', {});
    expect(code).toBe(0);
    expect(j.callsOf('action-get')).toHaveLength(0);
    expect(j.actionFailed).toBeNull();
  });
});
