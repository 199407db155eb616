// The customer wire protocol has one owner (src/protocol/): the frames the server builds are the protocol's
// types (checked when this file compiles), what it sends on the wire has exactly their fields, and the SDK's
// reaction to a close follows the code's group for every code the server sends.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Static } from 'typebox';
import WebSocket from 'ws';
import { afterClose, createClient, type GatewayClientError, type HelloFrame as SdkHello, type MessageEntry as SdkEntry } from '../../src/client/index.js';
import type { ClientFrameHandler } from '../../src/delivery/streamRoute.js';
import type { ConversationSummary, LogEntry } from '../../src/engine/types.js';
import { CLOSE, CLOSE_GROUP, type AckFrame, type ConversationState, type DownLinkMsg, type HelloFrame, type MessageEntry, type SendMessage, type ServerFrame } from '../../src/protocol/index.js';
import type { uplinkFrames } from '../../src/uplink/frames.js';
import type { SendBody } from '../../src/uplink/routes.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { customerToken, startGateway, type InProcessGateway } from '../support/gateway.js';
import { connectSse, connectWs, waitFor, type Frame } from '../support/streams.js';

/** True only when A and B are the same type (not merely assignable one way). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <T extends true>(): T => true as T;
/** Each member of a union as one flat object, so that `{a} & {b}` and `{a, b}` compare equal. */
type Flat<T> = T extends unknown ? { [K in keyof T]: T[K] } : never;

// The server's side speaks the protocol's types: what the engine delivers, what the uplink's frame handler
// answers, what the HTTP send route accepts.
same<Equals<LogEntry['message'], DownLinkMsg>>();
same<Equals<ConversationSummary['state'], ConversationState>>();
same<Equals<Awaited<ReturnType<ClientFrameHandler>>, AckFrame | undefined>>();
same<Equals<ReturnType<typeof uplinkFrames>, ClientFrameHandler>>();
same<Equals<Flat<Static<typeof SendBody>>, Flat<SendMessage>>>();
// The SDK's are the protocol's, not copies that may drift.
same<Equals<SdkHello, HelloFrame>>();
same<Equals<SdkEntry, MessageEntry>>();

/** Every top-level field of every server frame; the compiler checks each list against the frame's type. */
const FRAME_FIELDS = {
  hello: ['type', 'customerId', 'lastSeq', 'firstSeq', 'state', 'resumedFrom', 'truncated', 'heartbeatMs'],
  message: ['type', 'seq', 'message', 'storedAt'],
  state: ['type', 'seq', 'state'],
  typing: ['type', 'message'],
  queue: ['type', 'position', 'estimateWaitSeconds'],
  ack: ['type', 'clientMessageId', 'seq', 'status', 'duplicate'],
  error: ['type', 'clientMessageId', 'code', 'reason'],
  heartbeat: ['type', 'ts'],
  pong: ['type', 'ts'],
  reconnect: ['type', 'afterMs'],
  close: ['type', 'code', 'reason'],
} as const;
type FrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;
const fieldsMatch: { [T in ServerFrame['type']]: Equals<(typeof FRAME_FIELDS)[T][number], keyof FrameOf<T>> } = {
  hello: true, message: true, state: true, typing: true, queue: true, ack: true, error: true, heartbeat: true, pong: true, reconnect: true, close: true,
};
const OPTIONAL_FIELDS: Partial<Record<ServerFrame['type'], readonly string[]>> = { error: ['clientMessageId'] };

function assertFrameFields(frame: Frame): void {
  const type = frame.type as ServerFrame['type'];
  assert.ok(type in FRAME_FIELDS, `a frame type the protocol knows: ${frame.type}`);
  const fields: readonly string[] = FRAME_FIELDS[type];
  const sent = Object.keys(frame).filter((key) => key !== 'eventId'); // eventId: the SSE `id:` line, added by the test reader
  assert.deepEqual(sent.filter((key) => !fields.includes(key)), [], `${type}: no field outside the protocol`);
  const required = fields.filter((key) => !(OPTIONAL_FIELDS[type] ?? []).includes(key));
  assert.deepEqual(required.filter((key) => !sent.includes(key)), [], `${type}: every field of the protocol`);
}

describe('the frames the server sends', () => {
  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway({ HEARTBEAT_MS: '1000' });
  });
  after(() => gw.close());

  it('have exactly the fields of the protocol types, over WebSocket and SSE', async () => {
    assert.ok(Object.values(fieldsMatch).every(Boolean));
    const customerId = 'protocol-frames';
    const token = await customerToken(customerId);
    const ws = await connectWs(gw.url, token);
    await waitFor(() => ws.frames.some((f) => f.type === 'hello'), 'hello');
    const pushed = await gw.push(pushBody([downLinkMsg({ to: customerId }), downLinkMsg({ to: customerId, controlType: 'INPUT', mediaType: null, content: null })]));
    assert.equal(pushed.status, 200);
    ws.socket.send(JSON.stringify({ type: 'ping' }));
    ws.socket.send(JSON.stringify({ type: 'send', clientMessageId: 'c-1', kind: 'text', text: 'hi' })); // no uplink here: an error frame
    const seen = (type: string) => ws.frames.some((f) => f.type === type);
    await waitFor(() => ['message', 'state', 'typing', 'pong', 'error', 'heartbeat'].every(seen), 'every frame this gateway can send without AICC');
    for (const frame of ws.frames) assertFrameFields(frame);
    assert.equal(ws.frames.find((f) => f.type === 'error')?.clientMessageId, 'c-1');
    ws.close();

    const sse = await connectSse(gw.url, { authorization: `Bearer ${token}` });
    await waitFor(() => sse.frames.some((f) => f.type === 'hello'), 'hello over SSE');
    const closing = gw.close(); // going away: the SSE stream ends with a close frame
    const end = await sse.closed;
    await closing;
    assert.equal(end.code, CLOSE.GOING_AWAY);
    for (const frame of sse.frames) assertFrameFields(frame);
    gw = await startGateway();
  });
});

describe('close codes', () => {
  it('sends only codes of the one table (the server source names each by its CLOSE key)', () => {
    const used = new Set<string>();
    for (const dir of ['src/delivery', 'src/uplink', 'src/conversation']) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
        const source = readFileSync(join(dir, file), 'utf8');
        for (const [, name] of source.matchAll(/\bCLOSE\.([A-Z_]+)/g)) used.add(name!);
        assert.doesNotMatch(source, /\bclose\(\s*\d{4}/, `${file} closes with a literal code`);
      }
    }
    assert.ok(used.size >= 6, `the server's codes: ${[...used]}`);
    for (const name of used) assert.ok(name in CLOSE, `CLOSE.${name} is in the table`);
  });

  it('tells the SDK what to do for every code in the table, by its group', () => {
    const cases: [code: number, canRefresh: boolean, next: ReturnType<typeof afterClose>][] = [
      [CLOSE.NORMAL, false, { kind: 'reconnect', delay: 'backoff' }],
      [CLOSE.GOING_AWAY, false, { kind: 'reconnect', delay: 'advised' }],
      [CLOSE.TRY_AGAIN_LATER, false, { kind: 'reconnect', delay: 'advised' }],
      [CLOSE.UNREADABLE, true, { kind: 'stop', error: 'PROTOCOL' }],
      [CLOSE.ABNORMAL, true, { kind: 'reconnect', delay: 'backoff' }],
      [CLOSE.INTERNAL, false, { kind: 'reconnect', delay: 'backoff' }],
      [CLOSE.TOKEN_REFUSED, true, { kind: 'refresh-token' }],
      [CLOSE.TOKEN_REFUSED, false, { kind: 'stop', error: 'TOKEN_REFUSED' }],
      [CLOSE.FORBIDDEN_ORIGIN, true, { kind: 'stop', error: 'REFUSED' }],
      [CLOSE.TOO_SLOW, false, { kind: 'reconnect', delay: 'now' }],
      [CLOSE.TOO_MANY_CONNECTIONS, true, { kind: 'stop', error: 'REFUSED' }],
      // Codes the table does not list fall in their range; anything else resumes.
      [3000, false, { kind: 'reconnect', delay: 'backoff' }],
      [4100, false, { kind: 'reconnect', delay: 'backoff' }],
      [4499, false, { kind: 'reconnect', delay: 'backoff' }],
      [4500, true, { kind: 'stop', error: 'REFUSED' }],
      [4999, true, { kind: 'stop', error: 'REFUSED' }],
    ];
    const covered = new Set(cases.map(([code]) => code));
    for (const code of Object.values(CLOSE)) assert.ok(covered.has(code), `${code} has a case`);
    for (const [code, canRefresh, next] of cases) assert.deepEqual(afterClose(code, canRefresh), next, `${code}`);
    assert.equal(Object.keys(CLOSE_GROUP).length, Object.keys(CLOSE).length, 'every code has a group');
  });

  it('stops the SDK, with one attempt, when the gateway refuses the origin (4003) or a connection too many (4009)', async () => {
    const gw = await startGateway({ ALLOWED_ORIGINS: 'https://shop.example.com', MAX_CONNECTIONS_PER_CUSTOMER: '1' });
    try {
      /** A WebSocket from a page of `origin`, counting the connections the SDK opens. */
      const socketFrom = (origin: string) => {
        const opened = { count: 0 };
        const Socket = class extends WebSocket {
          constructor(url: string) {
            super(url, { origin });
            opened.count++;
          }
        };
        return { Socket, opened };
      };
      const refused = async (customerId: string, origin: string) => {
        const { Socket, opened } = socketFrom(origin);
        const client = createClient({ url: gw.url, token: await customerToken(customerId), WebSocket: Socket as never });
        const errors: GatewayClientError[] = [];
        const closes: { code: number; willReconnect: boolean }[] = [];
        client.on('error', (error) => errors.push(error));
        client.on('disconnected', ({ code, willReconnect }) => closes.push({ code, willReconnect }));
        await waitFor(() => client.connectionState === 'closed', 'the SDK gives up');
        return { errors: errors.map((e) => e.code), closes, attempts: opened.count };
      };

      assert.deepEqual(await refused('protocol-origin', 'https://evil.example'), {
        errors: ['REFUSED'], closes: [{ code: 4003, willReconnect: false }], attempts: 1,
      });
      const first = createClient({ url: gw.url, token: await customerToken('protocol-tabs'), WebSocket: socketFrom('https://shop.example.com').Socket as never });
      await waitFor(() => first.connectionState === 'connected', 'the first tab connects');
      assert.deepEqual(await refused('protocol-tabs', 'https://shop.example.com'), {
        errors: ['REFUSED'], closes: [{ code: 4009, willReconnect: false }], attempts: 1,
      });
      assert.equal(first.connectionState, 'connected');
      first.close();
    } finally {
      await gw.close();
    }
  });
});
