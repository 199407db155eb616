// Nothing is read before it is allowed: a request whose headers already say it will be refused (no customer
// token, a webhook signature that cannot verify) is answered 401 while its client is still sending the body,
// and the connection is closed instead of the rest being read. A raw socket sends the body a chunk at a time and
// stops when the answer comes; the gateway's side of the connection says how much of it was read. Prints `# hostile input (early refusals): …`.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { signAuthV2 } from '../../src/aicc/authV2.js';
import { PUSH_KEY } from '../support/fixtures.js';
import { customerToken, PUSH_ACCESS_KEY, startGateway, type InProcessGateway } from '../support/gateway.js';

const MB = 1024 * 1024;
const CHUNK = 64 * 1024;
let gw: InProcessGateway;
let tried = 0;
/** The gateway's side of each connection, by the client's port. */
const accepted = new Map<number, Socket>();

before(async () => {
  gw = await startGateway({
    AICC_BASE_URL: 'http://127.0.0.1:9', AICC_APP_KEY: 'gw', AICC_APP_SECRET: 'gw-secret', AICC_CHANNEL_ID: '202105284494222653',
  });
  gw.gateway.app.server.on('connection', (socket: Socket) => accepted.set(socket.remotePort!, socket));
});

after(async () => {
  console.log(`hostile input (early refusals): ${tried} large bodies sent, each refused before it was read`);
  await gw.close();
});

interface Outcome {
  /** The status line the gateway answered with. */
  statusLine: string;
  /** Body bytes the client had handed to its socket when the answer came (or the connection closed). */
  written: number;
  /** Bytes the gateway read from the connection, head and body. */
  read: number;
}

/** Sends `path` with a body of `size` bytes, a chunk at a time; stops at the first byte of the answer. */
function sendLarge(path: string, headers: Record<string, string>, size: number): Promise<Outcome> {
  const { port } = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    let written = 0;
    let answered = false;
    let localPort = 0;
    socket.once('connect', () => (localPort = socket.localPort!));
    const finish = () => {
      socket.destroy();
      const read = accepted.get(localPort)?.bytesRead ?? Number.NaN;
      resolve({ statusLine: answer.split('\r\n')[0] ?? '', written, read });
    };
    socket.on('data', (data) => {
      answer += data.toString('latin1');
      if (answer.includes('\r\n')) {
        answered = true;
        finish();
      }
    });
    // The gateway closing its end while the client still writes may reset the connection: the answer read so far counts.
    socket.on('error', () => (answered ? undefined : answer ? finish() : reject(new Error(`no answer; ${written} bytes written`))));
    socket.on('close', () => (answered ? undefined : answer ? finish() : reject(new Error(`closed without an answer; ${written} bytes written`))));
    const head = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Length: ${size}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    const chunk = Buffer.alloc(CHUNK, 0x31);
    const next = () => {
      if (answered || socket.destroyed) return;
      if (written >= size) return;
      const piece = chunk.subarray(0, Math.min(CHUNK, size - written));
      written += piece.length;
      socket.write(piece, (err) => {
        if (!err) next();
      });
    };
    next();
  });
}

function assertRefusedEarly(outcome: Outcome, size: number, status = 401): void {
  tried++;
  assert.match(outcome.statusLine, new RegExp(`^HTTP/1\\.1 ${status} `), outcome.statusLine);
  assert.ok(outcome.read < size / 2, `the gateway read ${outcome.read} bytes of a ${size}-byte body (${outcome.written} sent) before answering`);
}

describe('refused before the body is read', () => {
  it('a 10 MB upload without Authorization', async () => {
    const size = 10 * MB;
    assertRefusedEarly(await sendLarge('/v1/uploads?name=a.png', { 'content-type': 'image/png' }, size), size);
  });

  it('a 10 MB upload with a forged customer token', async () => {
    const size = 10 * MB;
    const forged = await customerToken('mallory', 600, 'not-the-customer-token-secret-0123456789');
    const outcome = await sendLarge('/v1/uploads', { 'content-type': 'image/png', authorization: `Bearer ${forged}` }, size);
    assertRefusedEarly(outcome, size);
  });

  it('1 MB JSON bodies on the customer routes without a token', async () => {
    for (const path of ['/v1/messages', '/v1/transfer', '/v1/read', '/v1/survey', '/v1/leave-message', '/v1/robot-feedback']) {
      assertRefusedEarly(await sendLarge(path, { 'content-type': 'application/json' }, MB - 1), MB - 1);
    }
  });

  it('a 1 MB webhook body whose signature names an unknown access key, or has no signature, or none at all', async () => {
    const path = '/webhooks/v1/messages';
    const signed = (accessKey: string, timestampMs = Date.now()) =>
      signAuthV2({
        accessKey, pushKey: PUSH_KEY, method: 'POST', path, headers: {}, signedHeaders: [], body: 'x', timestampMs,
      });
    const cases: Record<string, string>[] = [
      { authorization: signed('not-a-key') },
      { authorization: `auth-v2/${PUSH_ACCESS_KEY}/${Date.now()}/content-type` },
      { authorization: 'Bearer nothing' },
      {},
      // A known key, dated a day ahead: no retry can be that.
      { authorization: signed(PUSH_ACCESS_KEY, Date.now() + 86_400_000) },
    ];
    for (const headers of cases) {
      assertRefusedEarly(await sendLarge(path, { 'content-type': 'application/json', ...headers }, MB - 1), MB - 1);
    }
  });

  it('still reads and judges the body once the headers pass (a known key: the signature over the body decides)', async () => {
    const path = '/webhooks/v1/messages';
    const authorization = signAuthV2({
      accessKey: PUSH_ACCESS_KEY, pushKey: PUSH_KEY, method: 'POST', path, headers: {}, signedHeaders: [], body: 'x', timestampMs: Date.now(),
    });
    const res = await gw.request('POST', path, { messages: [] }, { authorization });
    assert.equal(res.status, 401);
    assert.equal(res.body.resultDesc, 'the push signature was not accepted');
  });
});
