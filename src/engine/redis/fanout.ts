// Cross-node fan-out. A node subscribes to a customer's channel only while it holds a listener (a stream) for
// that customer, so each node receives just the traffic of its own connections. Pub/sub may drop messages
// (a reconnect, a subscription still on its way); the store is the truth, so whenever that may have happened
// the listeners get a `resync` event and catch up from the log.

import type { Logger } from 'pino';
import type { DownLinkMsg } from '../../protocol/index.js';
import { Hub } from '../hub.js';
import type { EngineListener, LogEntry } from '../types.js';
import type { RedisConnection } from '../../redis/connection.js';
import { keys } from './keys.js';

/** What travels on a customer's channel: new entries (in commit order) or one typing message. */
export type ChannelPayload = { c: string; e: LogEntry[] } | { c: string; x: DownLinkMsg };

const RESUBSCRIBE_CHUNK = 500;

export class RedisFanout {
  private readonly hub = new Hub();
  /** Listeners per customer; a customer is subscribed while its count is above 0. */
  private readonly counts = new Map<string, number>();
  private wasReady = false;

  constructor(
    private readonly subscriber: RedisConnection,
    private readonly log: Logger,
  ) {
    subscriber.on('message', (_channel: string, payload: string) => this.deliver(payload));
    subscriber.on('ready', () => this.onReady());
    subscriber.on('close', () => {
      if (this.wasReady) this.log.warn('redis subscriber connection lost; reconnecting');
    });
  }

  subscribe(customerId: string, listener: EngineListener): () => void {
    const unsubscribe = this.hub.subscribe(customerId, listener);
    const count = this.counts.get(customerId) ?? 0;
    this.counts.set(customerId, count + 1);
    if (count === 0) void this.listen([customerId]);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unsubscribe();
      const left = (this.counts.get(customerId) ?? 1) - 1;
      if (left > 0) {
        this.counts.set(customerId, left);
        return;
      }
      this.counts.delete(customerId);
      this.subscriber.unsubscribe(keys.channel(customerId)).catch(() => {
        // Redis is away: the subscription went with the connection, and it is not restored (count is 0).
      });
    };
  }

  get ready(): boolean {
    return this.subscriber.status === 'ready';
  }

  /**
   * Subscribes, then tells the customers' listeners to catch up: an entry published before the subscription
   * took effect was not received, but it is in the log. Fails silently while Redis is away: `onReady` retries.
   */
  private async listen(customerIds: string[]): Promise<void> {
    try {
      await this.subscriber.subscribe(...customerIds.map((id) => keys.channel(id)));
    } catch {
      return;
    }
    for (const id of customerIds) {
      if (this.counts.has(id)) this.hub.publish(id, { type: 'resync' });
    }
  }

  /** After a reconnect: subscribe again to every customer with listeners here, then have them catch up. */
  private onReady(): void {
    if (this.wasReady) this.log.info({ customers: this.counts.size }, 'redis subscriber reconnected; streams resync');
    this.wasReady = true;
    const ids = [...this.counts.keys()];
    for (let i = 0; i < ids.length; i += RESUBSCRIBE_CHUNK) void this.listen(ids.slice(i, i + RESUBSCRIBE_CHUNK));
  }

  private deliver(payload: string): void {
    let parsed: ChannelPayload;
    try {
      parsed = JSON.parse(payload) as ChannelPayload;
    } catch {
      this.log.warn('unreadable message on a customer channel ignored');
      return;
    }
    if ('e' in parsed) {
      for (const entry of parsed.e) this.hub.publish(parsed.c, { type: 'entry', entry });
    } else {
      this.hub.publish(parsed.c, { type: 'ephemeral', customerId: parsed.c, message: parsed.x });
    }
  }
}
