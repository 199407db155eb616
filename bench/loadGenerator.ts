// The pushMsg load generator, run as its own process so that it never shares an event loop with the server it
// measures. Every body is built before the clock starts, each message with words used nowhere else (a reused
// body is a cheap duplicate for the gateway and would inflate its figure); a pooled undici client keeps
// `connections` requests in flight, one per connection (closed loop). The same bodies go to the bare route and
// to the gateway, so the bare route's figure is this generator's own ceiling.
//   argv[2]: JSON GeneratorOptions; stdout: one JSON GeneratorResult.

import { Pool } from 'undici';

export interface GeneratorOptions {
  url: string;
  headers: Record<string, string>;
  messagesPerPush: number;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Bodies built up front (warm-up included); the run ends early, and says so, when they run out. */
  maxBodies: number;
  /** Makes this run's messages unique across runs against the same store. */
  tag: string;
  customers: number;
  /**
   * Pushes per second across all connections (open pacing: each push waits for its slot, and for a free connection);
   * unset, every connection sends its next push as soon as the last is answered (the default, closed loop).
   */
  ratePerSecond?: number;
}

export interface GeneratorResult {
  pushes: number;
  seconds: number;
  pushesPerSecond: number;
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers other than HTTP 200 with resultCode "0". */
  refused: number;
  errors: number;
  /** Pushes answered "0" over the whole run, warm-up included: what the store must now hold. */
  acknowledgedMessages: number;
  bodiesRanOut: boolean;
}

const PATH = '/apiaccess/ccmessaging/pushMsg';
const SUCCESS = '"resultCode":"0"';

/**
 * One push body as bytes; built by concatenation, since JSON.stringify of millions of messages takes seconds.
 * As AICC sends them, messageCode null (docs/aicc.md): the gateway knows each message by a hash of it.
 */
export function buildBodies(options: Pick<GeneratorOptions, 'messagesPerPush' | 'maxBodies' | 'tag' | 'customers'>): Buffer[] {
  const now = Date.now();
  const bodies: Buffer[] = new Array(options.maxBodies);
  let sequence = 0;
  for (let b = 0; b < options.maxBodies; b++) {
    let messages = '';
    for (let m = 0; m < options.messagesPerPush; m++) {
      sequence += 1;
      messages +=
        (m === 0 ? '' : ',') +
        '{"channel":"WEB","from":"202105284494222653","to":"bench-customer-' + (sequence % options.customers) +
        '","controlType":"CHAT","sourceType":"AGENT","mediaType":"TEXT","senderNickname":"Agent Smith","timestamp":' + now +
        ',"content":"Thank you for waiting. Let me check the status of your order ' + options.tag + '-' + sequence +
        ' for you right away.","messageCode":null}';
    }
    bodies[b] = Buffer.from('{"messages":[' + messages + '],"timestamp":' + now + '}');
  }
  return bodies;
}

export async function generate(options: GeneratorOptions): Promise<GeneratorResult> {
  const bodies = buildBodies(options);
  const origin = new URL(options.url).origin;
  const pool = new Pool(origin, { connections: options.connections, pipelining: 1 });
  const headers = { 'content-type': 'application/json', ...options.headers };
  const latencies = new Float64Array(bodies.length);
  let next = 0;
  let measured = 0;
  let refused = 0;
  let errors = 0;
  let acknowledged = 0;
  let measuring = false;

  const send = async (body: Buffer): Promise<boolean> => {
    try {
      const res = await pool.request({ origin, path: PATH, method: 'POST', headers, body });
      const text = await res.body.text();
      if (res.statusCode === 200 && text.includes(SUCCESS)) return true;
      refused++;
    } catch {
      errors++;
    }
    return false;
  };

  let stopAt = performance.now() + options.warmupSeconds * 1000;
  let pacedFrom = performance.now();
  let paced = 0;
  const lane = async (): Promise<void> => {
    for (;;) {
      if (options.ratePerSecond) {
        const wait = pacedFrom + (paced++ * 1000) / options.ratePerSecond - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const now = performance.now();
      if (now >= stopAt || next >= bodies.length) return;
      const body = bodies[next]!;
      bodies[next++] = undefined as unknown as Buffer;
      const start = performance.now();
      const ok = await send(body);
      if (ok) acknowledged++;
      if (measuring) latencies[measured++] = performance.now() - start;
    }
  };
  const runLanes = () => Promise.all(Array.from({ length: options.connections }, lane));

  await runLanes();
  const startedAt = performance.now();
  pacedFrom = startedAt;
  paced = 0;
  measuring = true;
  stopAt = startedAt + options.durationSeconds * 1000;
  await runLanes();
  const seconds = (performance.now() - startedAt) / 1000;
  await pool.close();

  const sorted = latencies.subarray(0, measured).sort();
  const pick = (q: number) => round(sorted[Math.min(measured - 1, Math.floor(q * measured))] ?? NaN, 2);
  const pushesPerSecond = measured / seconds;
  return {
    pushes: measured,
    seconds: round(seconds, 2),
    pushesPerSecond: Math.round(pushesPerSecond),
    messagesPerSecond: Math.round(pushesPerSecond * options.messagesPerPush),
    p50Ms: pick(0.5),
    p99Ms: pick(0.99),
    maxMs: pick(1),
    refused,
    errors,
    acknowledgedMessages: acknowledged * options.messagesPerPush,
    bodiesRanOut: next >= bodies.length,
  };
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await generate(JSON.parse(process.argv[2]!) as GeneratorOptions);
  process.stdout.write(JSON.stringify(result) + '\n');
}
