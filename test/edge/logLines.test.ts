// Readable log lines (LOG_FORMAT=pretty) carry what unauthenticated callers send (a body quoted in an error, a
// header): control characters in it are written as \u escapes, so no caller colours the operator's terminal or
// forges a line of its own. A caller's X-Request-Id is kept only when short and plain; otherwise one is made.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createLogger, readableLines } from '../../src/logger.js';
import { buildServer, type Gateway } from '../../src/server.js';
import { baseEnv, Client, tempDir } from '../support/gateway.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { waitFor } from '../support/streams.js';

const ESC = '\u001b';
const LINE_START = /^\d\d:\d\d:\d\d\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) /;
/** What a terminal would act on: C0 but the line ends we write, DEL, C1, and the bidirectional overrides. */
const UNPRINTABLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('readable log lines', () => {
  it('escape control characters in the message, the fields and the error', () => {
    const written: string[] = [];
    const log = createLogger('info', readableLines({ write: (text: string) => written.push(text) }));
    const forged = `x${ESC}[31m\r\n12:00:00.000 ERROR forged\u202e\u0085\u2028`;
    log.info({ path: forged, note: { inner: forged } }, forged);
    log.error({ err: new Error(forged) }, 'failed');
    const text = written.join('');
    assert.doesNotMatch(text, UNPRINTABLE);
    assert.ok(text.includes('\\u001b[31m\\u000d\\u000a12:00:00.000 ERROR forged\\u202e\\u0085\\u2028'), text);
    for (const line of text.split('\n').filter(Boolean)) assert.ok(LINE_START.test(line) || line.startsWith('    '), line);
  });

  describe('from a gateway', () => {
    let gateway: Gateway;
    let client: Client;
    const written: string[] = [];
    before(async () => {
      const config = loadConfig(baseEnv(tempDir(), { LOG_LEVEL: 'info' }));
      gateway = await buildServer(config, createLogger('info', readableLines({ write: (text: string) => written.push(text) })));
      client = new Client(await gateway.app.listen({ host: '127.0.0.1', port: 0 }));
    });
    after(() => gateway.close());

    const completed = (mark: string) => written.filter((l) => l.includes('request completed') && l.includes(mark));

    it('an unauthenticated body quoted in the answer does not reach the terminal raw', async () => {
      const res = await client.request('POST', '/v1/visitors', `${ESC}[31mFORGED\n12:00:00.000 ERROR the database is gone`, {
        'content-type': 'application/json',
        'x-request-id': 'forged-body-1',
      });
      assert.equal(res.status, 400);
      await waitFor(() => completed('forged-body-1').length === 1, 'the request line');
      const text = written.join('');
      assert.doesNotMatch(text, UNPRINTABLE);
      for (const line of text.split('\n').filter(Boolean)) assert.ok(LINE_START.test(line) || line.startsWith('    '), line);
    });

    it('keeps a short, plain X-Request-Id and replaces a long or strange one', async () => {
      const answers = [
        ['order-42.retry:1', true],
        ['x'.repeat(10_000), false],
        ['a'.repeat(65), false],
        ['has space', false],
        ['<script>', false],
        ['semi;colon', false],
      ] as const;
      for (const [id, kept] of answers) {
        const before = written.length;
        await client.request('GET', '/healthz', undefined, { 'x-request-id': id });
        await waitFor(() => written.slice(before).some((l) => l.includes('request completed')), 'the request line');
        const line = written.slice(before).find((l) => l.includes('request completed'))!;
        const reqId = /reqId=(\S+)/.exec(line)![1]!;
        if (kept) assert.equal(reqId, id);
        else assert.match(reqId, /^[0-9a-f-]{36}$/, `made one for ${JSON.stringify(id.slice(0, 20))}`);
      }
    });
  });
});

// The request line is written as JSON text by http/requestLog.ts rather than by pino's object walk: it must be the
// line pino would write (its level, time and bindings first, msg last) and escape what a path may hold.
describe('JSON request lines', () => {
  let gateway: Gateway;
  let client: Client;
  const written: string[] = [];
  before(async () => {
    const config = loadConfig(baseEnv(tempDir(), { LOG_LEVEL: 'info' }));
    gateway = await buildServer(config, createLogger('info', { write: (text: string) => void written.push(text) }));
    client = new Client(await gateway.app.listen({ host: '127.0.0.1', port: 0 }));
  });
  after(() => gateway.close());

  const completed = (id: string) => written.filter((l) => l.includes('request completed') && l.includes(`"${id}"`));

  it('a push is one JSON line with pino\'s own fields and the push\'s counts', async () => {
    const token = await client.token('app1');
    const res = await client.push(pushBody([downLinkMsg()]), { 'x-app-key': 'app1', authorization: `Bearer ${token}`, 'x-request-id': 'json-line-1' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { resultCode: '0', resultDesc: 'success' });
    await waitFor(() => completed('json-line-1').length === 1, 'the request line');
    const text = completed('json-line-1')[0]!;
    assert.ok(text.endsWith('}\n') && text.split('\n').length === 2, text);
    const line = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(line), [
      'level', 'time', 'pid', 'hostname', 'reqId', 'method', 'path', 'status', 'ms', 'remoteAddress', 'messages', 'stored', 'duplicates', 'typing', 'msg',
    ]);
    assert.equal(line.level, 30);
    assert.equal(typeof line.time, 'number');
    assert.equal(line.pid, process.pid);
    assert.deepEqual(
      { reqId: line.reqId, method: line.method, path: line.path, status: line.status, messages: line.messages, stored: line.stored, duplicates: line.duplicates, typing: line.typing, msg: line.msg },
      { reqId: 'json-line-1', method: 'POST', path: '/apiaccess/ccmessaging/pushMsg', status: 200, messages: 1, stored: 1, duplicates: 0, typing: 0, msg: 'request completed' },
    );
  });

  it('escapes what a raw request line puts in the path', async () => {
    // Sent raw: fetch would percent-encode the quote and turn the backslash into a slash.
    const path = '/a"b\\c';
    const { port } = new URL(client.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.end(`GET ${path} HTTP/1.1\r\nHost: x\r\nX-Request-Id: json-line-2\r\nConnection: close\r\n\r\n`);
      });
      socket.on('data', () => {});
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await waitFor(() => completed('json-line-2').length === 1, 'the request line');
    const line = JSON.parse(completed('json-line-2')[0]!) as Record<string, unknown>;
    assert.equal(line.status, 404);
    assert.equal(line.path, path);
  });
});
