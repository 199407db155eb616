// The connect path under a reconnect storm: streams setting up at once are bounded (STREAM_ACCEPT_QUEUE), one
// more is told to come back later (1013 after a `reconnect` frame; on SSE a 200 with `retry:`, which a plain
// EventSource follows) before any work is done for it; and a customer with nothing new since its position gets
// its hello without a read of its log.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { createCustomerTokens } from '../../src/delivery/identity.js';
import { streamRoute } from '../../src/delivery/streamRoute.js';
import type { StreamSession } from '../../src/delivery/streamSession.js';
import { LocalEngine } from '../../src/engine/local/index.js';
import type { Engine } from '../../src/engine/types.js';
import { normalizeDownLinkMsg, type RawDownLinkMsg } from '../../src/aicc/downlink.js';
import { installAnswers } from '../../src/http/answers.js';
import { localLimits } from '../../src/engine/limits.js';
import { createLogger } from '../../src/logger.js';
import { CLOSE } from '../../src/protocol/index.js';
import { downLinkMsg } from '../support/fixtures.js';
import { CUSTOMER_TOKEN_SECRET, customerToken, tempDir } from '../support/gateway.js';
import { waitFor, wsUrl, type Frame } from '../support/streams.js';
import { withOverrides } from '../support/engineOverrides.js';

let engine: LocalEngine;
let app: FastifyInstance;
let url: string;
const sessions = new Set<StreamSession>();
/** While set, the first stream to ask for its conversation waits here (it holds its place in the queue). */
let hold: Promise<void> | undefined;
let held = false;
let logReads = 0;

before(async () => {
  const log = createLogger('silent');
  engine = await LocalEngine.open({ dataDir: tempDir(), durability: 'relaxed', busyTimeoutMs: 1000, log });
  const overrides: Partial<Engine> = {
    conversation: async (customerId) => {
      if (hold) {
        const waiting = hold;
        hold = undefined;
        held = true;
        await waiting;
      }
      return engine.conversation(customerId);
    },
    readSince: async (customerId, afterSeq, limit) => {
      logReads++;
      return engine.readSince(customerId, afterSeq, limit);
    },
  };
  const observed = withOverrides(engine, overrides);
  const customerTokens = createCustomerTokens({
    customerSecret: CUSTOMER_TOKEN_SECRET,
    audience: 'aicc-gateway',
    requireAudience: false,
    visitorKey: new TextEncoder().encode('visitor-secret-for-this-test-0123456789'),
    visitorTtlSeconds: 600,
  });
  app = Fastify({ loggerInstance: log }) as unknown as FastifyInstance;
  installAnswers(app);
  await app.register(websocket);
  await app.register(streamRoute, {
    engine: observed, sessions, customerTokens, heartbeatMs: 25_000, bufferBytes: 1024 * 1024, slowConsumerMs: 10_000,
    reconnectWindowMs: 1000, acceptQueue: 1, connectionCaps: localLimits.connections(10), allowedOrigins: ['*'],
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await app.close();
  await engine.close();
});

/** A WebSocket that collects its frames and its close. */
function open(token: string, since?: number) {
  const socket = new WebSocket(wsUrl(url, token, since));
  const frames: Frame[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number }>((resolve) => socket.once('close', (code) => resolve({ code })));
  return { socket, frames, closed };
}

describe('the accept queue', () => {
  it('tells a stream beyond it to come back later, over WebSocket and SSE, and takes it when there is room', async () => {
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    held = false;
    const first = open(await customerToken('accept-first'));
    await waitFor(() => held, 'the first stream holding the only place');

    const second = open(await customerToken('accept-second'));
    const { code } = await second.closed;
    assert.equal(code, CLOSE.TRY_AGAIN_LATER);
    assert.equal(second.frames.length, 1, 'one frame, before any hello');
    const advice = second.frames[0]!;
    assert.equal(advice.type, 'reconnect');
    assert.ok(advice.afterMs >= 250 && advice.afterMs <= 1250, `come back in ${advice.afterMs} ms`);

    const res = await fetch(`${url}/v1/stream`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${await customerToken('accept-sse')}` } });
    assert.equal(res.status, 200, 'an EventSource gives up on anything else');
    const text = await res.text();
    assert.match(text, /^retry: 2000\n\nretry: (\d+)\n\ndata: \{"type":"reconnect","afterMs":\1\}\n\nevent: close\ndata: \{"type":"close","code":1013,/);

    release();
    await waitFor(() => first.frames.some((f) => f.type === 'hello'), 'the first stream set up');
    const third = open(await customerToken('accept-second'));
    await waitFor(() => third.frames.some((f) => f.type === 'hello'), 'room again');
    first.socket.close();
    third.socket.close();
  });
});

describe('the connect path', () => {
  it('reads no log for a customer with nothing new, and replays for one with something new', async () => {
    const customerId = 'accept-reads';
    const token = await customerToken(customerId);
    await engine.append([normalizeDownLinkMsg(downLinkMsg({ to: customerId }) as RawDownLinkMsg, 0)]);
    await engine.append([normalizeDownLinkMsg(downLinkMsg({ to: customerId }) as RawDownLinkMsg, 0)]);

    logReads = 0;
    const current = open(token, 2);
    await waitFor(() => current.frames.some((f) => f.type === 'hello'), 'hello');
    current.socket.close();
    await current.closed;
    assert.equal(logReads, 0, 'up to date: no read of the log');

    const behind = open(token, 1);
    await waitFor(() => behind.frames.some((f) => f.type === 'message'), 'the message it missed');
    assert.deepEqual(behind.frames.filter((f) => f.type === 'message').map((f) => f.seq), [2]);
    assert.ok(logReads >= 1);
    behind.socket.close();
  });
});
