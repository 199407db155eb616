// Poll mode (AICC_DOWNLINK=poll), for tenants that do not switch push on: while a conversation is active, long-
// poll AICC for it and feed what comes into the same store and streams as pushes, with the same validation and
// dedupe. A conversation's loop stops when it ends (DISCONNECT) or stays idle for POLL_IDLE_MS.

import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { Compile } from 'typebox/compile';
import type { AiccClient } from '../aicc/aiccClient.js';
import { DownLinkMsgSchema, normalizeDownLinkMsg, type RawDownLinkMsg, type NormalizedMessage } from '../aicc/downlink.js';
import type { Engine } from '../engine/types.js';
import type { Jobs } from '../engine/jobs.js';
import type { AiccSessions } from '../aicc/sessions.js';
import { appendAndPublish } from './appendAndPublish.js';

const checkDownLinkMsg = Compile(DownLinkMsgSchema);
const ERROR_BACKOFF_MS = [500, 1000, 2000, 5000, 10_000];
const MIN_EMPTY_POLL_MS = 200;

export class PollLoops {
  private readonly running = new Map<string, { stop: boolean }>();
  private readonly slots: PollSlots;

  constructor(
    private readonly options: {
      engine: Engine;
      aicc: AiccClient;
      sessions: AiccSessions;
      /** A conversation's loop is a job (engine/jobs.ts): one node polls it; its last want is its activity. */
      jobs: Jobs;
      idleMs: number;
      /** Polls open at once (POLL_MAX_CONCURRENT); the AiccClient holds as many connections for them. */
      maxConcurrent: number;
      log: FastifyBaseLogger;
    },
  ) {
    this.slots = new PollSlots(options.maxConcurrent);
  }

  start(customerId: string): void {
    if (this.running.has(customerId)) return;
    const control = { stop: false };
    this.running.set(customerId, control);
    this.loop(customerId, control)
      // A failure the loop does not expect (a malformed answer, a bug) ends this conversation's polling, not the
      // process; its next activity starts it again.
      .catch((err: unknown) => this.options.log.error({ err, customerId }, 'poll loop ended by an unexpected failure'))
      .finally(() => {
        if (this.running.get(customerId) === control) this.running.delete(customerId);
      });
  }

  /** The conversation ended: the loop stops after the poll under way. */
  stop(customerId: string): void {
    const control = this.running.get(customerId);
    if (control) control.stop = true;
    this.running.delete(customerId);
  }

  stopAll(): void {
    for (const customerId of [...this.running.keys()]) this.stop(customerId);
  }

  private async loop(customerId: string, control: { stop: boolean }): Promise<void> {
    const { engine, aicc, sessions, jobs, log } = this.options;
    let lastMessageAt = Date.now();
    let failures = 0;
    while (!control.stop) {
      const wanted = await jobs.lastWanted('poll', customerId).catch(() => Date.now());
      if (wanted === undefined) return;
      if (Date.now() - Math.max(lastMessageAt, wanted) > this.options.idleMs) {
        log.info({ customerId }, 'poll stopped: the conversation is idle');
        await jobs.drop('poll', customerId).catch(() => undefined);
        return;
      }
      let received: RawDownLinkMsg[];
      const started = Date.now();
      // Beyond POLL_MAX_CONCURRENT conversations, a poll waits for one under way to come back: its messages then
      // arrive up to one poll later (AICC holds them for it), and the calls of every conversation go on meanwhile.
      await this.slots.acquire();
      try {
        if (control.stop) return;
        received = await sessions.longPoll(customerId, (session) => aicc.poll(session));
        failures = 0;
      } catch (err) {
        const delay = ERROR_BACKOFF_MS[Math.min(failures++, ERROR_BACKOFF_MS.length - 1)]!;
        log.warn({ customerId, err: { message: (err as Error).message }, retryInMs: delay }, 'poll failed');
        await sleep(delay);
        continue;
      } finally {
        this.slots.release();
      }
      if (received.length === 0) {
        // A long poll that comes back empty at once (a misconfigured AICC timeout) must not become a busy loop.
        if (Date.now() - started < MIN_EMPTY_POLL_MS) await sleep(MIN_EMPTY_POLL_MS);
        continue;
      }
      lastMessageAt = Date.now();
      const messages = received.flatMap((polled, index) => {
        const msg = withPollDefaults(polled, customerId, lastMessageAt);
        if (!checkDownLinkMsg.Check(msg)) {
          log.warn({ customerId, index }, 'polled message does not match DownLinkMsg; skipped');
          return [];
        }
        try {
          return [normalizeDownLinkMsg(msg, index)];
        } catch (err) {
          log.warn({ customerId, err: { message: (err as Error).message } }, 'polled message refused; skipped');
          return [];
        }
      });
      await this.store(customerId, messages);
    }
  }

  /** Stores what was polled, retrying until it is stored: a message polled from AICC is not handed out again. */
  private async store(customerId: string, messages: NormalizedMessage[]): Promise<void> {
    await appendAndPublish(this.options.engine, messages, async (durable) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.options.engine.append(durable);
        } catch (err) {
          this.options.log.error({ customerId, err: { message: (err as Error).message } }, 'polled messages not stored yet');
          await sleep(ERROR_BACKOFF_MS[Math.min(attempt, ERROR_BACKOFF_MS.length - 1)]!);
        }
      }
    });
  }
}

/** At most `max` holders at once; the others wait, first come first served. */
class PollSlots {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async acquire(): Promise<void> {
    if (this.held < this.max) {
      this.held++;
      return;
    }
    // The slot is handed over by release(), so `held` never exceeds the bound.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held--;
  }
}

/**
 * A polled message as a DownLinkMsg. The poll table makes `controlType` and `timestamp` optional (cec_07_2219),
 * where a push always has them: a message without them is a chat message received now, not one to drop. The
 * poll API answers for one receiver, so `to` is that customer, whatever AICC wrote.
 */
export function withPollDefaults(polled: RawDownLinkMsg, customerId: string, receivedAt: number): RawDownLinkMsg {
  const msg = polled as Partial<RawDownLinkMsg>;
  return {
    ...polled,
    channel: msg.channel ?? 'WEB',
    controlType: msg.controlType ?? 'CHAT',
    timestamp: msg.timestamp ?? receivedAt,
    to: customerId,
  };
}
