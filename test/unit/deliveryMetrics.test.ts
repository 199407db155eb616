// The fan-out's tallied metrics print what prom-client's own Counter and Histogram would have printed for the
// same deliveries, so dashboards, alerts and `npm run status` read them unchanged.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { DeliveryMetrics } from '../../src/observability/deliveryMetrics.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const DELIVERIES: [transport: 'websocket' | 'sse', live: boolean, seconds: number][] = [
  ['websocket', true, 0.0004], ['websocket', true, 0.001], ['websocket', true, 0.003], ['websocket', true, 7],
  ['websocket', false, 30], ['sse', true, 0.05], ['sse', false, 1], ['sse', false, 2],
];

describe('delivery metrics', () => {
  it('print as prom-client prints the same observations, and count on across scrapes', async () => {
    const tallied = new Registry();
    const metrics = new DeliveryMetrics(tallied);
    const reference = new Registry();
    const counter = new Counter({
      name: 'aicc_gateway_deliveries_total',
      help: 'Messages sent to customer connections, by transport and mode (live, or replay when resuming).',
      labelNames: ['transport', 'mode'],
      registers: [reference],
    });
    const histogram = new Histogram({
      name: 'aicc_gateway_push_to_delivery_seconds',
      help: 'Time from storing a message to sending it on a live customer connection.',
      labelNames: ['transport'],
      buckets: BUCKETS,
      registers: [reference],
    });
    for (const transport of ['websocket', 'sse']) for (const mode of ['live', 'replay']) counter.inc({ transport, mode }, 0);
    for (let round = 0; round < 2; round++) {
      for (const [transport, live, seconds] of DELIVERIES) {
        metrics.delivered(transport, live, seconds);
        counter.inc({ transport, mode: live ? 'live' : 'replay' });
        if (live) histogram.observe({ transport }, seconds);
      }
      assert.equal(await tallied.metrics(), await reference.metrics());
    }
    assert.match(await tallied.metrics(), /aicc_gateway_push_to_delivery_seconds_count\{transport="websocket"\} 8/);
  });
});
