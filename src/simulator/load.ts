// Load mode: AGENT CHAT text pushed at a fixed rate, round-robin over N customers, for load tests of the
// gateway. Pushes are fired on schedule whether or not earlier ones were answered (a fixed arrival rate, not a
// closed loop), so two pushes of one customer may overlap and the gateway may store them in either order.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulatorSettings } from './options.js';
import type { Outbox } from './outbox.js';
import type { SimDownLinkMsg } from './types.js';

export interface LoadOptions {
  customers: number;
  ratePerSecond: number;
  durationSeconds: number;
  /** Customer ids are `${customerPrefix}${0..customers-1}`. Default 'load-'. */
  customerPrefix?: string;
}

export interface LoadResult {
  /** Pushes fired (in poll mode: events queued for poll). */
  sent: number;
  /** Answered HTTP 200 with resultCode "0". */
  acknowledged: number;
  failed: number;
  durationMs: number;
  /** Push round trips of the acknowledged pushes. */
  latencyMs: { p50: number; p99: number; max: number };
}

export async function pushLoad(settings: SimulatorSettings, outbox: Outbox, options: LoadOptions, closed: AbortSignal): Promise<LoadResult> {
  const { customers, ratePerSecond, durationSeconds } = options;
  if (!(Number.isInteger(customers) && customers >= 1)) throw new RangeError('customers must be a whole number ≥ 1');
  if (!(ratePerSecond > 0) || !(durationSeconds > 0)) throw new RangeError('ratePerSecond and durationSeconds must be > 0');
  const prefix = options.customerPrefix ?? 'load-';
  const total = Math.max(1, Math.round(ratePerSecond * durationSeconds));
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  let acknowledged = 0;
  let failed = 0;
  const start = performance.now();

  const fire = (index: number) => {
    const message: SimDownLinkMsg = {
      channel: 'WEB',
      from: settings.channelId,
      to: `${prefix}${index % customers}`,
      controlType: 'CHAT',
      sourceType: 'AGENT',
      mediaType: 'TEXT',
      content: `load message ${index}`,
      senderNickname: settings.agentName,
      timestamp: Date.now(),
      messageCode: `load-${randomUUID()}`,
    };
    if (settings.push === 'poll') {
      outbox.deliver(message);
      acknowledged += 1;
      return;
    }
    const sentAt = performance.now();
    pending.push(
      outbox.pushOnce([message]).then((outcome) => {
        if (!outcome.ok) return void (failed += 1);
        acknowledged += 1;
        latencies.push(performance.now() - sentAt);
      }),
    );
  };

  let sent = 0;
  while (sent < total && !closed.aborted) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * ratePerSecond) / 1000) + 1);
    while (sent < due) fire(sent++);
    const nextAt = start + (sent * 1000) / ratePerSecond;
    await sleep(Math.max(1, nextAt - performance.now()));
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => (latencies.length ? round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!) : 0);
  return {
    sent,
    acknowledged,
    failed,
    durationMs: round(performance.now() - start),
    latencyMs: { p50: at(0.5), p99: at(0.99), max: latencies.length ? round(latencies[latencies.length - 1]!) : 0 },
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
