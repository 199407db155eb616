// How downlink events leave the simulator: pushed to the gateway (pushMsg with a Bearer token from the gateway's
// own tokenByAkSk, or the auth-v2 signed webhook), or queued for the customer's long poll. Pushes of one
// customer go out one at a time, in order: a failed push is retried with backoff before the next one is tried.
// AICC documents no retry policy (docs/aicc.md §6); ours is exponential, capped, and gives up after
// pushMaxAttempts (the event is then dropped and recorded in `failures`, as a real pusher would have to).

import { setTimeout as sleep } from 'node:timers/promises';
import { signAuthV2 } from '../aicc/authV2.js';
import { AICC_PATHS, PUSH_PATHS } from '../aicc/api.js';
import type { SimulatorSettings } from './options.js';
import type { SimDownLinkMsg } from './types.js';

const ATTEMPT_LOG_LIMIT = 10_000;

/** One HTTP push, as the simulator saw it. */
export interface PushAttempt {
  customerId: string;
  messageCount: number;
  /** 1 for the first try of these messages, 2 for the first retry, ... */
  attempt: number;
  /** HTTP status, or 0 when no answer came (refused, reset, timeout). */
  status: number;
  resultCode?: string;
  ok: boolean;
  error?: string;
  at: number;
}

export interface PushOutcome {
  ok: boolean;
  status: number;
  resultCode?: string;
  error?: string;
}

interface PollWaiter {
  needRead: boolean;
  offer(): boolean;
}

export class Outbox {
  /** The latest pushes (the oldest are dropped beyond 10,000). */
  readonly attempts: PushAttempt[] = [];
  /** Events given up on after pushMaxAttempts failed pushes. */
  readonly failures: { message: SimDownLinkMsg; lastError: string }[] = [];

  private readonly queues = new Map<string, SimDownLinkMsg[]>();
  private readonly running = new Set<string>();
  private readonly pollQueues = new Map<string, SimDownLinkMsg[]>();
  private readonly pollWaiters = new Map<string, PollWaiter[]>();
  private readonly closing = new AbortController();
  private readonly idleWaiters: (() => void)[] = [];
  private paused = false;
  private resume?: { promise: Promise<void>; resolve: () => void };
  private gatewayToken?: { token: string; renewAtMs: number };
  private tokenRequest?: Promise<string>;

  constructor(private readonly settings: SimulatorSettings) {}

  /** Sends one event on its way: queued for poll, or pushed after the customer's earlier events. */
  deliver(message: SimDownLinkMsg): void {
    if (this.closing.signal.aborted) return;
    if (this.settings.push === 'poll') return this.queueForPoll(message);
    const queue = this.queues.get(message.to) ?? [];
    queue.push(message);
    this.queues.set(message.to, queue);
    if (!this.running.has(message.to)) void this.drain(message.to);
  }

  /** Events waiting to be pushed (or being pushed), all customers together. */
  pending(): number {
    let count = 0;
    for (const queue of this.queues.values()) count += queue.length;
    return count;
  }

  /** Resolves once nothing is waiting to be pushed. */
  idle(): Promise<void> {
    if (this.pending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** While paused (AICC "down"), no push is attempted; events wait in order. */
  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (paused) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.resume = { promise, resolve };
    } else {
      this.resume?.resolve();
      this.resume = undefined;
    }
  }

  /**
   * The long poll: the customer's queued events at once if there are any, else the first to arrive within
   * `timeoutMs`, else an empty list. READ events are dropped unless `needRead` (isNeedRead=true).
   */
  take(customerId: string, needRead: boolean, timeoutMs: number, cancelled: AbortSignal): Promise<SimDownLinkMsg[]> {
    const ready = this.takeQueued(customerId, needRead);
    if (ready.length > 0 || timeoutMs === 0 || this.closing.signal.aborted) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const waiters = this.pollWaiters.get(customerId) ?? [];
      this.pollWaiters.set(customerId, waiters);
      const finish = (messages: SimDownLinkMsg[]) => {
        clearTimeout(timer);
        cancelled.removeEventListener('abort', stop);
        this.closing.signal.removeEventListener('abort', stop);
        const index = waiters.indexOf(waiter);
        if (index >= 0) waiters.splice(index, 1);
        resolve(messages);
      };
      const waiter: PollWaiter = {
        needRead,
        offer: () => {
          const messages = this.takeQueued(customerId, needRead);
          if (messages.length === 0) return false;
          finish(messages);
          return true;
        },
      };
      const stop = () => finish([]);
      const timer = setTimeout(stop, timeoutMs);
      cancelled.addEventListener('abort', stop, { once: true });
      this.closing.signal.addEventListener('abort', stop, { once: true });
      waiters.push(waiter);
    });
  }

  /** One push of these messages, no retry (load mode, and each attempt of the ordered queues). */
  async pushOnce(messages: SimDownLinkMsg[]): Promise<PushOutcome> {
    try {
      return await this.post(messages);
    } catch (err) {
      return { ok: false, status: 0, error: describe(err) };
    }
  }

  /** Stops pushing: aborts pushes under way, answers waiting polls with nothing, drops what was queued. */
  close(): void {
    this.closing.abort();
    this.resume?.resolve();
    this.queues.clear();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async drain(customerId: string): Promise<void> {
    this.running.add(customerId);
    const queue = this.queues.get(customerId)!;
    const { pushRetryBaseMs, pushRetryMaxMs, pushMaxAttempts } = this.settings;
    try {
      let attempt = 1;
      while (queue.length > 0 && !this.closing.signal.aborted) {
        if (this.resume) await this.resume.promise;
        if (this.closing.signal.aborted) break;
        const message = queue[0]!;
        const outcome = await this.pushOnce([message]);
        this.record({ customerId, messageCount: 1, attempt, ...outcome, at: Date.now() });
        if (outcome.ok || attempt >= pushMaxAttempts) {
          if (!outcome.ok) {
            const lastError = outcome.error ?? `HTTP ${outcome.status} resultCode ${outcome.resultCode}`;
            this.failures.push({ message, lastError });
            this.settings.log({ event: 'push given up', customerId, attempts: attempt, lastError });
          }
          queue.shift();
          attempt = 1;
          continue;
        }
        const waitMs = Math.min(pushRetryMaxMs, pushRetryBaseMs * 2 ** (attempt - 1));
        this.settings.log({ event: 'push failed, will retry', customerId, attempt, waitMs, status: outcome.status, error: outcome.error });
        attempt += 1;
        await sleep(waitMs, undefined, { signal: this.closing.signal }).catch(() => {});
      }
    } finally {
      this.running.delete(customerId);
      if (queue.length === 0) this.queues.delete(customerId);
      if (this.pending() === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async post(messages: SimDownLinkMsg[]): Promise<PushOutcome> {
    const { push, gatewayUrl, pushTimeoutMs } = this.settings;
    const body = JSON.stringify({ messages, timestamp: Date.now() });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    let path: string;
    if (push === 'webhook') {
      path = PUSH_PATHS.webhook;
      headers.authorization = signAuthV2({
        accessKey: this.settings.pushAccessKey!,
        pushKey: this.settings.pushKey!,
        method: 'POST',
        path: new URL(gatewayUrl + path).pathname,
        headers,
        signedHeaders: ['content-type'],
        body,
        timestampMs: Date.now(),
      });
    } else {
      path = PUSH_PATHS.pushMsg;
      headers['x-app-key'] = this.settings.gatewayAppKey!;
      headers.authorization = `Bearer ${await this.accessToken()}`;
    }
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(pushTimeoutMs)]);
    const res = await fetch(gatewayUrl + path, { method: 'POST', headers, body, signal });
    const answer = (await res.json().catch(() => undefined)) as { resultCode?: unknown } | undefined;
    const resultCode = typeof answer?.resultCode === 'string' ? answer.resultCode : undefined;
    // A refused token (the gateway restarted with a new secret, say) is fetched again on the next attempt.
    if (res.status === 401 || res.status === 403) this.gatewayToken = undefined;
    return { ok: res.status === 200 && resultCode === '0', status: res.status, ...(resultCode !== undefined ? { resultCode } : {}) };
  }

  /** The gateway's AccessToken, renewed when a tenth of its life (at least 30 s) is left. */
  private accessToken(): Promise<string> {
    const cached = this.gatewayToken;
    if (cached && Date.now() < cached.renewAtMs) return Promise.resolve(cached.token);
    this.tokenRequest ??= this.fetchToken().finally(() => (this.tokenRequest = undefined));
    return this.tokenRequest;
  }

  private async fetchToken(): Promise<string> {
    const { gatewayUrl, gatewayAppKey, gatewayAppSecret, gatewayTokenTtlSeconds, pushTimeoutMs } = this.settings;
    const res = await fetch(gatewayUrl + AICC_PATHS.tokenByAkSk, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-token-expire': String(gatewayTokenTtlSeconds) },
      body: JSON.stringify({ app_key: gatewayAppKey, app_secret: gatewayAppSecret }),
      signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(pushTimeoutMs)]),
    });
    const answer = (await res.json().catch(() => ({}))) as { AccessToken?: unknown; Expires?: unknown };
    if (res.status !== 200 || typeof answer.AccessToken !== 'string') {
      throw new Error(`the gateway's tokenByAkSk answered HTTP ${res.status}`);
    }
    const lifeMs = (Number(answer.Expires) || gatewayTokenTtlSeconds) * 1000;
    this.gatewayToken = { token: answer.AccessToken, renewAtMs: Date.now() + lifeMs - Math.max(30_000, lifeMs / 10) };
    return answer.AccessToken;
  }

  private queueForPoll(message: SimDownLinkMsg): void {
    const queue = this.pollQueues.get(message.to) ?? [];
    queue.push(message);
    this.pollQueues.set(message.to, queue);
    for (const waiter of [...(this.pollWaiters.get(message.to) ?? [])]) if (waiter.offer()) break;
  }

  private takeQueued(customerId: string, needRead: boolean): SimDownLinkMsg[] {
    const queue = this.pollQueues.get(customerId);
    if (!queue || queue.length === 0) return [];
    this.pollQueues.delete(customerId);
    return needRead ? queue : queue.filter((m) => m.controlType !== 'READ');
  }

  private record(attempt: PushAttempt): void {
    if (this.attempts.length >= ATTEMPT_LOG_LIMIT) this.attempts.shift();
    this.attempts.push(attempt);
  }
}

function describe(err: unknown): string {
  const error = err as Error & { cause?: { code?: string } };
  return error.cause?.code ?? error.name ?? String(err);
}
