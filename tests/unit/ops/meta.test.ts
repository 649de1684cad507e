import * as path from 'path';
import { endpointsOf, loadCharmMeta, MetadataError, parseCharmMeta } from '../../../lib/ops';

const fixtures = path.join(__dirname, 'fixtures');

describe('loadCharmMeta', () => {
  it('reads the three YAML files into typed views', () => {
    const meta = loadCharmMeta(path.join(fixtures, 'charm-full'));
    expect(meta.metadata.name).toBe('demo');
    expect(meta.config.options.replicas).toEqual({ type: 'int', default: 1 });
    expect(meta.actions.resize.required).toEqual(['count']);
    expect(meta.actions.pause.description).toBe('Pause replication.');
    expect([...endpointsOf(meta).values()]).toEqual([
      { name: 'peer', role: 'peer', interface: 'peer' },
      { name: 'source', role: 'requires', interface: 'kafka_client' },
    ]);
  });

  it('treats missing config.yaml and actions.yaml as empty', () => {
    const meta = loadCharmMeta(path.join(fixtures, 'charm-minimal'));
    expect(meta.config).toEqual({ options: {} });
    expect(meta.actions).toEqual({});
  });

  it('fails clearly on a missing metadata.yaml or a bad option type', () => {
    expect(() => loadCharmMeta(path.join(fixtures, 'nope'))).toThrow(MetadataError);
    expect(() => loadCharmMeta(path.join(fixtures, 'charm-bad'))).toThrow(
      /option "x" needs a "type" of string, int, float, boolean, secret/,
    );
  });

  it('validates document shapes', () => {
    expect(() => parseCharmMeta({ metadata: { summary: 'x' } })).toThrow(/non-empty "name"/);
    expect(() => parseCharmMeta({ metadata: { name: 'x', requires: ['a'] } })).toThrow(/"requires" must be a map/);
    expect(() => parseCharmMeta({ metadata: { name: 'x' }, actions: { a: { params: 'no' } } })).toThrow(/"a.params" must be a map/);
  });
});
