// REST size caps: an oversized answer from Connect is refused (never buffered whole), and an
// oversized request body is never sent.
import { ConnectApiError } from '../../../charm/managers/connect-errors';
import { MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES } from '../../../charm/managers/connect-client';
import type { FakeConnect } from '../../../tools/testkit/fake-connect';
import { makeClient, mm2Config, startAuthedFake, thrown } from './helpers';

describe('ConnectClient size caps', () => {
  let fake: FakeConnect;
  beforeAll(async () => {
    fake = await startAuthedFake();
  });
  afterAll(async () => {
    await fake.stop();
  });

  test(`an answer over ${MAX_RESPONSE_BYTES} bytes is refused with a clear error`, async () => {
    fake.injectResponse({
      status: 200,
      method: 'GET',
      path: /^\/connectors$/,
      body: JSON.stringify(['x'.repeat(MAX_RESPONSE_BYTES + 10)]),
      times: 10,
    });
    const { client } = makeClient([fake.url]);
    const err = await thrown(() => client.listConnectors());
    client.close();
    expect(err).toBeInstanceOf(ConnectApiError);
    expect((err as Error).message).toMatch(/answer over 16777216 bytes: refused without reading further/);
  });

  test(`a request body over ${MAX_REQUEST_BYTES} bytes is not sent`, async () => {
    const { client } = makeClient([fake.url]);
    const before = fake.requests.length;
    const err = await thrown(() => client.putConnectorConfig('big', mm2Config({ topics: 'a'.repeat(MAX_REQUEST_BYTES + 1) })));
    client.close();
    expect(err).toBeInstanceOf(ConnectApiError);
    expect((err as Error).message).toMatch(/request body over 2097152 bytes/);
    expect(fake.requests.slice(before).filter((r) => r.method === 'PUT')).toEqual([]);
  });
});
