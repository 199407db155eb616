// TRUST_PROXY names the proxies in front (a number of hops, or their addresses); the client's address is read from
// X-Forwarded-For through them only, counting from the right. What the client wrote at the left of the header
// (nginx's $proxy_add_x_forwarded_for keeps it) neither dodges a per-address limit nor aims it at someone else,
// and a garbage "address" never becomes a limiter key. Here the test itself is the proxy (127.0.0.1).

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { baseEnv, startGateway, tempDir, type InProcessGateway } from '../support/gateway.js';
import { waitFor } from '../support/streams.js';

const CLIENT = '203.0.113.7';

/** New visitors from one client, as a proxy forwards them: the client's own X-Forwarded-For, then its address. */
async function visitorsFrom(gw: InProcessGateway, forged: (i: number) => string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await gw.request('POST', '/v1/visitors', undefined, { 'x-forwarded-for': `${forged(i)}, ${CLIENT}` });
    statuses.push(res.status);
  }
  return statuses;
}

describe('TRUST_PROXY', () => {
  for (const setting of ['on', '1', '127.0.0.1', 'loopback', '127.0.0.0/8']) {
    it(`TRUST_PROXY=${setting}: forged leftmost entries do not dodge the per-address limit`, async () => {
      const gw = await startGateway({ TRUST_PROXY: setting, VISITOR_RATE_LIMIT: '2' });
      try {
        const statuses = await visitorsFrom(gw, (i) => `198.51.100.${i + 1}`, 3);
        assert.deepEqual(statuses, [201, 201, 429], 'the third visitor from one client is refused, whatever it wrote');
        // Someone else, behind the same proxy, is not affected by it.
        const other = await gw.request('POST', '/v1/visitors', undefined, { 'x-forwarded-for': `${CLIENT}, 192.0.2.50` });
        assert.equal(other.status, 201, 'a client cannot aim its limit at another address');
      } finally {
        await gw.close();
      }
    });
  }

  it('TRUST_PROXY=2: the address two proxies in front saw', async () => {
    const gw = await startGateway({ TRUST_PROXY: '2', VISITOR_RATE_LIMIT: '2' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await gw.request('POST', '/v1/visitors', undefined, { 'x-forwarded-for': `10.9.9.${i}, ${CLIENT}, 10.0.0.2` });
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [201, 201, 429]);
    } finally {
      await gw.close();
    }
  });

  it('a 15 KB "address" is never a limiter key: the peer counts instead', async () => {
    const gw = await startGateway({ TRUST_PROXY: 'on', VISITOR_RATE_LIMIT: '2' });
    try {
      const junk = (i: number) => `${String(i)}${'x'.repeat(15_000)}`;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await gw.request('POST', '/v1/visitors', undefined, { 'x-forwarded-for': junk(i) })).status);
      }
      assert.deepEqual(statuses, [201, 201, 429], 'three different junk "addresses" count as the one peer');
    } finally {
      await gw.close();
    }
  });

  it('a trusted proxy\'s connections are not capped per address (it carries many clients)', async () => {
    const gw = await startGateway({ TRUST_PROXY: '127.0.0.1', MAX_CONNECTIONS_PER_ADDRESS: '1' });
    try {
      const port = Number(new URL(gw.url).port);
      const answers = ['', ''];
      const sockets = answers.map((_, i) => {
        const socket = connect(port, '127.0.0.1');
        socket.on('data', (d) => (answers[i] += d.toString('latin1')));
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        return socket;
      });
      await waitFor(() => answers.every((a) => a.startsWith('HTTP/1.1 200 ')), 'both connections served');
      for (const s of sockets) s.destroy();
    } finally {
      await gw.close();
    }
  });

  it('takes off, on, a number of hops, addresses and ranges; refuses anything else', () => {
    const read = (value: string) => loadConfig(baseEnv(tempDir(), { TRUST_PROXY: value })).trustProxy;
    assert.equal(read('off'), false);
    assert.equal(read('on'), 1);
    assert.equal(read('3'), 3);
    assert.deepEqual(read('10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback'), ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback']);
    for (const bad of ['yes', '0', '17', '10.0.0.0/33', 'proxy.example.com', '10.0.0.1/8/2']) {
      assert.throws(() => read(bad), ConfigError, bad);
    }
  });
});
