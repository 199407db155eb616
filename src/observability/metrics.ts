// The gateway's Prometheus metrics, one registry per gateway (so tests can run several in one process).
// Labels carry kinds and reasons, never a customer id or a token.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PUSH_PATHS, type Door } from '../aicc/api.js';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import type { TransportName } from '../protocol/index.js';
import { DeliveryMetrics } from './deliveryMetrics.js';


export interface Metrics {
  registry: Registry;
  pushes: Counter<'door'>;
  messages: Counter<'control_type' | 'media_type' | 'known'>;
  duplicates: Counter;
  typing: Counter;
  refusals: Counter<'reason'>;
  /** Deliveries and their push-to-delivery time (aicc_gateway_deliveries_total, ..._push_to_delivery_seconds). */
  deliveries: DeliveryMetrics;
  pushDuration: Histogram<'door'>;
  uplink: Counter<'result'>;
  uplinkFailures: Counter<'reason'>;
  slowConsumers: Counter;
  pushRefusals: Counter<'door' | 'reason' | 'caller'>;
  storeWriteFailures: Counter;
  lastPush: Gauge;
  aiccCalls: Counter<'api' | 'outcome'>;
}

const DOORS = Object.keys(PUSH_PATHS) as Door[];

export interface MetricsOptions {
  connectedClients: () => Record<TransportName, number>;
  /** Resolves when the node is ready, rejects when not (ops/readiness.ts; the gauge asks it at each scrape). */
  ping: () => Promise<void>;
  /** Which node this is and how it runs (aicc_gateway_info), so that a scrape through a load balancer says whose it is. */
  info?: { node: string; engine: 'sqlite' | 'redis'; uplink: boolean };
}

/** A scrape does not wait longer than this for the store to answer the readiness ping. */
const READY_PING_MS = 2000;

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'aicc_gateway_process_' });
  const metrics: Metrics = {
    registry,
    pushes: new Counter({
      name: 'aicc_gateway_pushes_total',
      help: 'Pushes from AICC answered "0" (stored), by door (pushMsg or webhook).',
      labelNames: ['door'],
      registers: [registry],
    }),
    messages: new Counter({
      name: 'aicc_gateway_messages_total',
      help: 'Messages stored (retries excepted), by controlType and mediaType; known="false" flags values outside the spec.',
      labelNames: ['control_type', 'media_type', 'known'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'aicc_gateway_duplicate_messages_total',
      help: 'Messages of retried pushes that were already stored (answered "0", not stored again).',
      registers: [registry],
    }),
    typing: new Counter({
      name: 'aicc_gateway_typing_events_total',
      help: 'Typing (INPUT) events delivered without being stored.',
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'aicc_gateway_refusals_total',
      help: 'Requests answered with an error, by reason (the error code).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    deliveries: new DeliveryMetrics(registry),
    pushDuration: new Histogram({
      name: 'aicc_gateway_push_duration_seconds',
      help: 'Time to answer a push, from its arrival to the "0" (includes the fsync).',
      labelNames: ['door'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    uplink: new Counter({
      name: 'aicc_gateway_uplink_messages_total',
      help: "Customers' messages sent up to AICC, by result (sent or failed).",
      labelNames: ['result'],
      registers: [registry],
    }),
    uplinkFailures: new Counter({
      name: 'aicc_gateway_uplink_failures_total',
      help: "Customers' messages AICC did not take, by reason (UNREACHABLE, TIMEOUT, FAILED, OUTSIDE_WORKING_HOURS, ...).",
      labelNames: ['reason'],
      registers: [registry],
    }),
    slowConsumers: new Counter({
      name: 'aicc_gateway_slow_consumers_total',
      help: 'Customer connections closed because they did not keep up (4008).',
      registers: [registry],
    }),
    pushRefusals: new Counter({
      name: 'aicc_gateway_push_refusals_total',
      help: 'Pushes answered with an error (AICC pushes them again), by door, reason (the error code) and caller: ' +
        'authenticated (credentials checked out: AICC) or anonymous (anyone; the alert leaves these out).',
      labelNames: ['door', 'reason', 'caller'],
      registers: [registry],
    }),
    storeWriteFailures: new Counter({
      name: 'aicc_gateway_store_write_failures_total',
      help: 'Appends the store could not take (locked, disk full, Redis unreachable).',
      registers: [registry],
    }),
    lastPush: new Gauge({
      name: 'aicc_gateway_last_push_timestamp_seconds',
      help: 'When this node last stored a push (Unix time); the start time until the first push.',
      registers: [registry],
    }),
    aiccCalls: new Counter({
      name: 'aicc_gateway_aicc_calls_total',
      help: 'Calls to AICC (each attempt), by API (the path\'s last part) and outcome: ok, or the error code (UNREACHABLE, TIMEOUT, UNAUTHORIZED, ...).',
      labelNames: ['api', 'outcome'],
      registers: [registry],
    }),
  };
  if (options.info) {
    new Gauge({
      name: 'aicc_gateway_info',
      help: 'Always 1; its labels say which node answered (host/pid), its engine and whether it calls AICC (uplink).',
      labelNames: ['node', 'engine', 'uplink'],
      registers: [registry],
    }).set({ node: options.info.node, engine: options.info.engine, uplink: options.info.uplink ? 'on' : 'off' }, 1);
  }
  metrics.lastPush.set(Date.now() / 1000);
  // Series exist at 0 from the start, so rate() and increase() see the first refusal as an increase.
  for (const door of DOORS) {
    metrics.pushes.inc({ door }, 0);
    for (const reason of Object.keys(ERROR_CODES) as ErrorCode[]) {
      for (const caller of ['authenticated', 'anonymous']) metrics.pushRefusals.inc({ door, reason, caller }, 0);
    }
  }
  for (const result of ['sent', 'failed']) metrics.uplink.inc({ result }, 0);
  new Gauge({
    name: 'aicc_gateway_ready',
    help: '1 when the node is ready (as GET /readyz: the store answers and its writes are not failing), 0 when not.',
    registers: [registry],
    async collect() {
      this.set((await answersWithin(options.ping(), READY_PING_MS)) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'aicc_gateway_connected_clients',
    help: 'Customer stream connections open now, by transport.',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      const counts = options.connectedClients();
      for (const transport of ['websocket', 'sse'] as const) this.set({ transport }, counts[transport]);
    },
  });
  return metrics;
}

async function answersWithin(ping: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([ping.then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
