// One customer connection's delivery, whatever the transport: the hello, the replay from `since`, then live
// entries, with no gap and no duplicate. The store is the buffer: a live entry that is not the very next one
// (or arrives while the replay runs, or while the client's buffer is full) just sends the session back to the
// store to catch up, so memory per connection stays bounded however far behind the client is.

import type { FastifyBaseLogger } from 'fastify';
import { QUEUE_CONTROL_TYPE } from '../conversation/controlTypes.js';
import { serializeMessage } from '../engine/messageJson.js';
import type { Engine, EngineEvent, LogEntry } from '../engine/types.js';
import type { Metrics } from '../observability/metrics.js';
import { CLOSE, type DownLinkMsg, type QueueMessage, type ServerFrame, type TransportName } from '../protocol/index.js';
import { ExpiryClock } from './expiryClock.js';
import { HeartbeatClock } from './heartbeatClock.js';
import type { Transport } from './transports.js';

export interface SessionOptions {
  engine: Engine;
  customerId: string;
  since: number;
  tokenExpiresAtMs: number;
  heartbeatMs: number;
  bufferBytes: number;
  slowConsumerMs: number;
  log: FastifyBaseLogger;
  /** Called once, when the session ends for whatever reason. */
  onClosed?: () => void;
  metrics?: Metrics;
}

const PAGE = 200;
const DRAIN_POLL_MS = 20;
/** Every session's token expiry, on one timer (./expiryClock.ts). */
const expiries = new ExpiryClock();
/** Every session's heartbeat check, on one timer per tick length (./heartbeatClock.ts): in practice one. */
const heartbeats = new Map<number, HeartbeatClock>();

/**
 * How often a session is asked whether to send a heartbeat: at most a second, so that sessions keep the phase of
 * their own last frame (a heartbeat goes out `heartbeatMs / 2` after it, not to every idle session in one tick),
 * and a session is silent at most `heartbeatMs / 2` and a tick, within `heartbeatMs`.
 */
function heartbeatClockFor(heartbeatMs: number): HeartbeatClock {
  const tickMs = Math.min(1000, Math.max(250, heartbeatMs / 2));
  let clock = heartbeats.get(tickMs);
  if (!clock) heartbeats.set(tickMs, (clock = new HeartbeatClock(tickMs)));
  return clock;
}

export class StreamSession {
  private lastSentSeq = 0;
  private catchingUp = false;
  private behind = false;
  private closed = false;
  private lastSendAt = Date.now();
  private readonly startedAt = Date.now();
  private heartbeatClock: HeartbeatClock | undefined;
  private unsubscribe: (() => void) | undefined;
  /** The second the token's expiry is kept under on the shared clock (undefined: not yet, or no more). */
  private expirySecond: number | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly options: SessionOptions,
  ) {}

  async start(): Promise<void> {
    const { engine, customerId, since } = this.options;
    if (this.closed) return;
    // Events that arrive before the hello (the store read is a network round trip on Redis) only mark the
    // session behind: the catch-up below sends them after the hello, starting from `since`.
    this.catchingUp = true;
    // Listen before reading, so nothing stored between the read and the first live event is missed.
    this.unsubscribe = engine.subscribe(customerId, (event) => this.onEvent(event));
    const summary = await engine.conversation(customerId);
    // The client left while the store answered: close() has released the subscription; add no timers after it.
    if (this.closed) return;
    const resumedFrom = Math.min(since, summary.lastSeq);
    this.lastSentSeq = resumedFrom;
    this.send({
      type: 'hello',
      customerId,
      lastSeq: summary.lastSeq,
      firstSeq: summary.firstSeq,
      state: summary.state,
      resumedFrom,
      // Messages after resumedFrom exist (lastSeq says so) but the oldest retained one is further on, or none is.
      truncated: summary.lastSeq > resumedFrom && (summary.firstSeq === 0 || summary.firstSeq > resumedFrom + 1),
      heartbeatMs: this.options.heartbeatMs,
    });
    this.heartbeatClock = heartbeatClockFor(this.options.heartbeatMs);
    this.heartbeatClock.add(this);
    this.expirySecond = expiries.at(this.options.tokenExpiresAtMs, this);
    this.catchingUp = false;
    // Nothing stored after the client's position, and nothing came meanwhile: no store read. Most customers of a
    // reconnect storm are in this case; each read saved is one less on the node while it takes them all back.
    if (summary.lastSeq > resumedFrom || this.behind) await this.catchUp();
  }

  /**
   * Ends the session; the transport is closed with `code` unless it is already gone. `reconnectAfterMs`: the
   * gateway closes on purpose and tells the client when to come back (a `reconnect` frame, and `retry:` on SSE).
   */
  close(code?: number, reason = '', reconnectAfterMs?: number): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.heartbeatClock?.delete(this);
    if (this.expirySecond !== undefined) expiries.cancel(this.expirySecond, this);
    if (code !== undefined) this.transport.close(code, reason, reconnectAfterMs);
    this.options.onClosed?.();
  }

  /** Called by the expiry clock once the customer's token has expired. */
  expire(): void {
    this.close(CLOSE.TOKEN_REFUSED, 'the customer token has expired');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get customerId(): string {
    return this.options.customerId;
  }

  get transportKind(): TransportName {
    return this.transport.kind;
  }

  private onEvent(event: EngineEvent): void {
    if (this.closed) return;
    if (event.type === 'ephemeral') {
      // Typing and queue positions are worth sending only now; a client too slow to take them loses nothing.
      if (this.transport.bufferedBytes() >= this.options.bufferBytes) return;
      const { message } = event;
      if (isQueue(message)) {
        this.send({ type: 'queue', position: message.position, estimateWaitSeconds: message.estimateWaitSeconds });
      } else {
        this.send({ type: 'typing', message });
      }
      return;
    }
    if (event.type === 'resync') {
      void this.catchUp();
      return;
    }
    const { entry } = event;
    if (entry.seq <= this.lastSentSeq) return;
    const next = entry.seq === this.lastSentSeq + 1;
    if (next && !this.catchingUp && this.transport.bufferedBytes() < this.options.bufferBytes) {
      // Encoded by the first of the customer's connections to send it, reused by the others.
      this.sendEntry(entry, (event.frame ??= messageFrameOf(entry)));
    } else {
      void this.catchUp();
    }
  }

  /** Sends everything stored after lastSentSeq, page by page, waiting for the client to drain as it goes. */
  private async catchUp(): Promise<void> {
    if (this.catchingUp) {
      this.behind = true;
      return;
    }
    this.catchingUp = true;
    try {
      do {
        this.behind = false;
        for (;;) {
          const page = await this.options.engine.readSince(this.options.customerId, this.lastSentSeq, PAGE);
          for (const entry of page) {
            if (!(await this.drained())) return;
            if (entry.seq > this.lastSentSeq) this.sendEntry(entry);
          }
          if (page.length < PAGE) break;
        }
      } while (this.behind && !this.closed);
    } catch (err) {
      this.options.log.error({ err, customerId: this.options.customerId }, 'stream catch-up failed');
      this.close(CLOSE.INTERNAL, 'the store could not be read; resume');
    } finally {
      this.catchingUp = false;
    }
  }

  /** Waits until the client's buffer is under the limit; closes the session (4008) if it stays over too long. */
  private async drained(): Promise<boolean> {
    if (this.closed) return false;
    if (this.transport.bufferedBytes() < this.options.bufferBytes) return true;
    const deadline = Date.now() + this.options.slowConsumerMs;
    while (this.transport.bufferedBytes() >= this.options.bufferBytes / 2) {
      if (this.closed) return false;
      if (Date.now() >= deadline) {
        this.options.log.warn({ customerId: this.options.customerId }, 'slow consumer closed');
        this.options.metrics?.slowConsumers.inc();
        this.close(CLOSE.TOO_SLOW, 'too slow: reconnect and resume with since');
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
    return !this.closed;
  }

  /** Per connection, only the write and a tally: the frame is encoded once per message (messageFrameOf). */
  private sendEntry(entry: LogEntry, frame = messageFrameOf(entry)): void {
    this.lastSentSeq = entry.seq;
    this.sendText(frame, entry.seq);
    const live = entry.storedAt >= this.startedAt;
    this.options.metrics?.deliveries.delivered(this.transport.kind, live, Math.max(0, this.lastSendAt - entry.storedAt) / 1000);
    if (entry.state) this.send({ type: 'state', seq: entry.seq, state: entry.state });
  }

  /** Asked by the heartbeat clock about once a second: a session silent for half its interval sends a heartbeat. */
  heartbeat(now: number): void {
    if (now - this.lastSendAt >= this.options.heartbeatMs / 2) this.send({ type: 'heartbeat', ts: now });
  }

  private send(frame: ServerFrame): void {
    this.sendText(JSON.stringify(frame));
  }

  private sendText(json: string, eventId?: number): void {
    if (this.closed) return;
    this.lastSendAt = Date.now();
    this.transport.send(json, eventId);
  }
}

// A live entry's frame is encoded once, whatever the number of its customer's connections: the first one to
// send it leaves it on the event they all receive (EngineEvent's `frame`). The message's own JSON usually exists
// already (the engine serialized it to store it); the frame is built around it, in the key order
// JSON.stringify({ type, seq, message, storedAt }) would give: the protocol's MessageFrame.
function messageFrameOf(entry: LogEntry): string {
  return `{"type":"message","seq":${entry.seq},"message":${serializeMessage(entry.message)},"storedAt":${entry.storedAt}}`;
}

/** The gateway's queue position, published as an ephemeral DownLinkMsg by the queue watcher. */
function isQueue(message: DownLinkMsg): message is QueueMessage {
  return message.controlType === QUEUE_CONTROL_TYPE;
}
