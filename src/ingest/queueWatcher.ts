// While a customer waits for an agent, asks AICC for the queue position every QUEUE_POLL_MS and streams it to
// the customer (a `queue` frame: position and estimated wait). Stops when the conversation leaves the queue.
// It is a job (./jobs.ts): `start` and `stop` come from the node's Jobs, so one node watches each customer.

import type { FastifyBaseLogger } from 'fastify';
import type { AiccClient } from '../aicc/aiccClient.js';
import type { Engine } from '../engine/types.js';
import type { QueueMessage } from '../protocol/index.js';
import { ephemeral } from '../conversation/entries.js';
import { QUEUE_CONTROL_TYPE } from '../conversation/controlTypes.js';
import type { Jobs } from '../engine/jobs.js';
import type { AiccSessions } from '../aicc/sessions.js';

export class QueueWatcher {
  private readonly watching = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly options: {
      engine: Engine;
      aicc: AiccClient;
      sessions: AiccSessions;
      jobs: Jobs;
      intervalMs: number;
      log: FastifyBaseLogger;
    },
  ) {}

  start(customerId: string): void {
    if (this.watching.has(customerId)) return;
    // The first look comes at once, so the customer sees a position without waiting a whole interval.
    this.schedule(customerId, 0);
  }

  stop(customerId: string): void {
    clearTimeout(this.watching.get(customerId));
    this.watching.delete(customerId);
  }

  stopAll(): void {
    for (const customerId of [...this.watching.keys()]) this.stop(customerId);
  }

  private schedule(customerId: string, delayMs: number): void {
    const timer = setTimeout(() => void this.look(customerId), delayMs);
    timer.unref();
    this.watching.set(customerId, timer);
  }

  /** Nothing left to watch: given up for every node, not only this one. */
  private done(customerId: string): void {
    this.stop(customerId);
    void this.options.jobs.drop('queue', customerId).catch(() => undefined);
  }

  private async look(customerId: string): Promise<void> {
    try {
      // Queue info needs the customer's AICC session; without one there is no conversation to ask about.
      if (!(await this.options.sessions.known(customerId))) {
        this.done(customerId);
        return;
      }
      const info = await this.options.sessions.call(customerId, (s) => this.options.aicc.queueInfo(s), { connect: false });
      if (!this.watching.has(customerId)) return;
      if (!info.queuing) {
        // Not an error: AICC says why the customer left the queue (ended, with an agent, moved to IVR, ...).
        this.options.log.debug({ customerId, reason: info.reason, resultCode: info.resultCode }, 'no longer queuing');
        this.done(customerId);
        return;
      }
      await this.options.engine.publishEphemeral([
        ephemeral(customerId, QUEUE_CONTROL_TYPE, {
          position: info.position ?? null,
          estimateWaitSeconds: info.estimateWaitTime ?? null,
        }),
      ]);
    } catch (err) {
      this.options.log.warn({ customerId, err: { message: (err as Error).message } }, 'queue info not available');
    }
    if (this.watching.has(customerId)) this.schedule(customerId, this.options.intervalMs);
  }
}
