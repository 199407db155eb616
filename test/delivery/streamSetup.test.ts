// A client that goes away while its SSE stream is being set up (the token check, the hello, the replay) must
// leave nothing behind: no session, no subscription, no timer, and no slot of MAX_CONNECTIONS_PER_CUSTOMER.
// The stream route runs on a real server on loopback with the real engine and token verifier; a gate pauses
// them at one stage so the test can hang up exactly there.

import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { normalizeDownLinkMsg, type RawDownLinkMsg } from '../../src/aicc/downlink.js';
import { createCustomerTokens, type CustomerTokens } from '../../src/delivery/identity.js';
import { localLimits } from '../../src/engine/limits.js';
import { streamRoute } from '../../src/delivery/streamRoute.js';
import type { StreamSession } from '../../src/delivery/streamSession.js';
import { LocalEngine } from '../../src/engine/local/index.js';
import type { Engine } from '../../src/engine/types.js';
import { installAnswers } from '../../src/http/answers.js';
import { createLogger } from '../../src/logger.js';
import { downLinkMsg } from '../support/fixtures.js';
import { CUSTOMER_TOKEN_SECRET, customerToken, tempDir } from '../support/gateway.js';
import { connectSse, waitFor } from '../support/streams.js';
import { withOverrides } from '../support/engineOverrides.js';

type Stage = 'token check' | 'hello' | 'replay';

/** Holds the first call of the armed stage until it is opened. */
class Gate {
  private armed: Stage | undefined;
  reached = false;
  private release: () => void = () => {};
  private opened: Promise<void> = Promise.resolve();

  arm(stage: Stage): void {
    this.armed = stage;
    this.reached = false;
    this.opened = new Promise((resolve) => (this.release = resolve));
  }

  async pass(stage: Stage): Promise<void> {
    if (this.armed !== stage) return;
    this.armed = undefined;
    this.reached = true;
    await this.opened;
  }

  open(): void {
    this.release();
  }
}

const gate = new Gate();
let engine: LocalEngine;
let app: FastifyInstance;
let url: string;
const sessions = new Set<StreamSession>();
let subscriptions = 0;
let lastSocket: Socket | undefined;

before(async () => {
  const log = createLogger('silent');
  engine = await LocalEngine.open({ dataDir: tempDir(), durability: 'relaxed', busyTimeoutMs: 1000, log });
  const real = createCustomerTokens({
    customerSecret: CUSTOMER_TOKEN_SECRET,
    audience: 'aicc-gateway',
    requireAudience: false,
    visitorKey: new TextEncoder().encode('visitor-secret-for-this-test-0123456789'),
    visitorTtlSeconds: 600,
  });
  const customerTokens: CustomerTokens = {
    ...real,
    verify: async (token) => {
      await gate.pass('token check');
      return real.verify(token);
    },
  };
  const overrides: Partial<Engine> = {
    conversation: async (customerId) => {
      await gate.pass('hello');
      return engine.conversation(customerId);
    },
    readSince: async (customerId, afterSeq, limit) => {
      await gate.pass('replay');
      return engine.readSince(customerId, afterSeq, limit);
    },
    subscribe: (customerId, listener) => {
      subscriptions++;
      const stop = engine.subscribe(customerId, listener);
      let stopped = false;
      return () => {
        if (!stopped) subscriptions--;
        stopped = true;
        stop();
      };
    },
  };
  const gated = withOverrides(engine, overrides);

  app = Fastify({ loggerInstance: log }) as unknown as FastifyInstance;
  installAnswers(app);
  await app.register(websocket);
  await app.register(streamRoute, {
    engine: gated, sessions, customerTokens, heartbeatMs: 25_000, bufferBytes: 1024 * 1024, slowConsumerMs: 10_000, reconnectWindowMs: 1000, acceptQueue: 1000,
    connectionCaps: localLimits.connections(1), allowedOrigins: ['*'],
  });
  app.server.on('connection', (socket: Socket) => (lastSocket = socket));
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await app.close();
  await engine.close();
});

/** Opens an SSE request, waits until the server is held at `stage`, hangs up, and lets the server go on. */
async function hangUpAt(stage: Stage, token: string): Promise<void> {
  gate.arm(stage);
  const { port } = new URL(url);
  const req = httpRequest({
    host: '127.0.0.1', port, path: `/v1/stream?token=${token}`, agent: false, headers: { accept: 'text/event-stream' },
  });
  req.on('error', () => undefined); // we hang up ourselves
  req.end();
  await waitFor(() => gate.reached, `the server reaches the ${stage}`);
  const serverSide = lastSocket!;
  // Not events.once: that rejects on the socket's 'error' (ECONNRESET), which a hang-up may well bring.
  const closed = new Promise((resolve) => serverSide.once('close', resolve));
  req.destroy();
  await closed;
  gate.open();
}

describe('SSE set-up, abandoned at each stage', () => {
  for (const stage of ['token check', 'hello', 'replay'] as const) {
    it(`a client that hangs up during the ${stage} leaves no session and no lockout`, async () => {
      const customerId = `setup-${stage.replace(' ', '-')}-${process.pid}`;
      await engine.append([1, 2, 3].map((n) => normalizeDownLinkMsg(downLinkMsg({ to: customerId, content: `m${n}` }) as RawDownLinkMsg, 0)));
      const token = await customerToken(customerId);
      await hangUpAt(stage, token);

      // MAX_CONNECTIONS_PER_CUSTOMER is 1 here: a leaked session would make this one 429.
      const next = await connectSse(url, { authorization: `Bearer ${token}` });
      assert.equal(next.status, 200, next.body);
      await waitFor(() => next.messages().length === 3, 'the next stream replays the log');
      assert.equal(next.frames[0]!.type, 'hello');
      next.close();
      await waitFor(() => sessions.size === 0 && subscriptions === 0, 'every session and subscription is released');
    });
  }
});
