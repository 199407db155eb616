// The fan-out's two metrics (deliveries by transport and mode, push-to-delivery time by transport), tallied in
// plain numbers on the hot path and read into the registry at each scrape. prom-client's labelled inc() and
// observe() hash their labels and allocate on every call (about 1-2 µs together measured on this machine), a
// cost paid once per message per connection; a tally is a few array writes.

import { Counter, type Registry } from 'prom-client';
import type { TransportName } from '../protocol/index.js';

const TRANSPORTS: readonly TransportName[] = ['websocket', 'sse'];
const DELIVERIES = 'aicc_gateway_deliveries_total';
const PUSH_TO_DELIVERY = 'aicc_gateway_push_to_delivery_seconds';
/** Upper bounds of the push-to-delivery buckets, in seconds (the +Inf bucket is the count). */
const BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type Tally = { live: number; replay: number; buckets: Float64Array; sum: number; count: number };

export class DeliveryMetrics {
  private readonly tallies = new Map<TransportName, Tally>(
    TRANSPORTS.map((transport) => [transport, { live: 0, replay: 0, buckets: new Float64Array(BOUNDS.length), sum: 0, count: 0 }]),
  );

  constructor(registry: Registry) {
    const tallies = this.tallies;
    new Counter({
      name: DELIVERIES,
      help: 'Messages sent to customer connections, by transport and mode (live, or replay when resuming).',
      labelNames: ['transport', 'mode'],
      registers: [registry],
      collect() {
        for (const [transport, tally] of tallies) {
          // inc(0) too: the series exist from the first scrape, as the other counters' do.
          this.inc({ transport, mode: 'live' }, tally.live);
          this.inc({ transport, mode: 'replay' }, tally.replay);
          tally.live = tally.replay = 0;
        }
      },
    });
    // A histogram in the shape prom-client prints its own (cumulative buckets, then _sum and _count), for the
    // transports that have delivered live.
    registry.registerMetric({
      name: PUSH_TO_DELIVERY,
      get: async () => ({
        name: PUSH_TO_DELIVERY,
        help: 'Time from storing a message to sending it on a live customer connection.',
        type: 'histogram',
        aggregator: 'sum',
        values: [...tallies].filter(([, tally]) => tally.count > 0).flatMap(([transport, tally]) => {
          let cumulative = 0;
          const buckets = BOUNDS.map((le, i) => {
            cumulative += tally.buckets[i]!;
            return { metricName: `${PUSH_TO_DELIVERY}_bucket`, labels: { le, transport }, value: cumulative };
          });
          return [
            ...buckets,
            { metricName: `${PUSH_TO_DELIVERY}_bucket`, labels: { le: '+Inf', transport }, value: tally.count },
            { metricName: `${PUSH_TO_DELIVERY}_sum`, labels: { transport }, value: tally.sum },
            { metricName: `${PUSH_TO_DELIVERY}_count`, labels: { transport }, value: tally.count },
          ];
        }),
      }),
      reset: () => {
        for (const tally of tallies.values()) {
          tally.buckets.fill(0);
          tally.sum = tally.count = 0;
        }
      },
    } as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** One message sent on a connection; `seconds`: its time from being stored, for a live one. */
  delivered(transport: TransportName, live: boolean, seconds: number): void {
    const tally = this.tallies.get(transport)!;
    if (!live) {
      tally.replay++;
      return;
    }
    tally.live++;
    let i = 0;
    while (i < BOUNDS.length && seconds > BOUNDS[i]!) i++;
    if (i < BOUNDS.length) tally.buckets[i] += 1;
    tally.sum += seconds;
    tally.count++;
  }
}
