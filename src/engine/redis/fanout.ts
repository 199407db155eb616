// Cross-node fan-out. A node subscribes to a customer's channel only while it holds a listener (a stream) for
// that customer, so each node receives just the traffic of its own connections. Pub/sub may drop messages
// (a reconnect, a subscription still on its way); the store is the truth, so whenever that may have happened
// the listeners get a `resync` event and catch up from the log.
// On a Redis Cluster (7.0+) the channels are shard channels (SSUBSCRIBE/SPUBLISH): a message stays on the shard
// of the customer's hash tag instead of being broadcast to every master over the cluster bus. ioredis keeps one
// subscriber connection per master and moves them when the slots move; each time it has (`subscribersReady`:
// a failover, a restarted master, a resharding), the channels are subscribed again and every stream catches up.

import type { Logger } from 'pino';
import type { DownLinkMsg } from '../../protocol/index.js';
import { Hub } from '../hub.js';
import type { EngineListener, LogEntry } from '../types.js';
import type { RedisConnection } from '../../redis/connection.js';
import { keys } from './keys.js';

/** What travels on a customer's channel: new entries (in commit order) or one typing message. */
export type ChannelPayload = { c: string; e: LogEntry[] } | { c: string; x: DownLinkMsg };

const RESUBSCRIBE_CHUNK = 500;

/** Classic pub/sub (one server, Sentinel, a Cluster without sharded pub/sub) or sharded pub/sub (Cluster). */
export type PubSubMode = 'classic' | 'sharded';

export class RedisFanout {
  private readonly hub = new Hub();
  /** Listeners per customer; a customer is subscribed while its count is above 0. */
  private readonly counts = new Map<string, number>();
  private wasReady = false;

  constructor(
    private readonly subscriber: RedisConnection,
    private readonly log: Logger,
    private readonly mode: PubSubMode = 'classic',
  ) {
    subscriber.on(mode === 'sharded' ? 'smessage' : 'message', (_channel: string, payload: string) => this.deliver(payload));
    subscriber.on('ready', () => this.onReady());
    if (mode === 'sharded') subscriber.on('subscribersReady', () => this.resubscribeAll('redis shard subscribers changed; streams resync'));
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
      const channel = keys.channel(customerId);
      (this.mode === 'sharded' ? this.subscriber.sunsubscribe(channel) : this.subscriber.unsubscribe(channel)).catch(() => {
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
    let subscribed = customerIds;
    if (this.mode === 'classic') {
      try {
        await this.subscriber.subscribe(...customerIds.map((id) => keys.channel(id)));
      } catch {
        return;
      }
    } else {
      // One SSUBSCRIBE per customer: the channels of one call must share a slot. A shard that is away refuses;
      // its customers are subscribed again when ioredis has a subscriber for it (subscribersReady).
      const results = await Promise.allSettled(customerIds.map((id) => this.subscriber.ssubscribe(keys.channel(id))));
      subscribed = customerIds.filter((_, i) => results[i]!.status === 'fulfilled');
    }
    for (const id of subscribed) {
      if (this.counts.has(id)) this.hub.publish(id, { type: 'resync' });
    }
  }

  /** After a reconnect: subscribe again to every customer with listeners here, then have them catch up. */
  private onReady(): void {
    const reconnected = this.wasReady;
    this.wasReady = true;
    this.resubscribeAll(reconnected ? 'redis subscriber reconnected; streams resync' : undefined);
  }

  /**
   * Subscribes every customer with listeners here again, then has them catch up. In sharded mode ioredis has
   * re-sent the subscriptions itself, but without telling when they took effect; subscribing again (a no-op at
   * the server) and awaiting it is what makes the catch-up start only once a live entry can no longer be missed.
   */
  private resubscribeAll(why: string | undefined): void {
    if (why && this.counts.size > 0) this.log.info({ customers: this.counts.size }, why);
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
