// `aicc-gateway status [--url http://host:port] [--token METRICS_TOKEN]` (`npm run status`): a running gateway's state at a glance,
// read from its /readyz and /metrics. Exit code 0 when it is ready, 1 when not, 2 when it cannot be reached.

import { parseArgs } from 'node:util';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function summarize(samples: Sample[], ready: boolean, url: string): string {
  const sum = (name: string, filter: (labels: Record<string, string>) => boolean = () => true) =>
    samples.filter((s) => s.name === name && filter(s.labels)).reduce((total, s) => total + s.value, 0);
  const byLabel = (name: string, label: string) => {
    const totals = new Map<string, number>();
    for (const s of samples.filter((x) => x.name === name)) totals.set(s.labels[label] ?? '?', (totals.get(s.labels[label] ?? '?') ?? 0) + s.value);
    return [...totals].filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  };
  const p99 = quantile(samples, 'aicc_gateway_push_to_delivery_seconds', 0.99);
  const pushP99 = quantile(samples, 'aicc_gateway_push_duration_seconds', 0.99);
  const uptime = sum('aicc_gateway_process_process_start_time_seconds');
  const rss = sum('aicc_gateway_process_process_resident_memory_bytes');
  return [
    `aicc-gateway at ${url}: ${ready ? 'READY' : 'NOT READY (the store does not answer or refuses writes)'}`,
    ...nodeLines(samples),
    `  up since          ${uptime ? new Date(uptime * 1000).toISOString() : 'unknown'}, ${Math.round(rss / 1048576)} MiB resident`,
    `  connected clients websocket ${sum('aicc_gateway_connected_clients', (l) => l.transport === 'websocket')}, sse ${sum('aicc_gateway_connected_clients', (l) => l.transport === 'sse')}`,
    `  pushes accepted   ${sum('aicc_gateway_pushes_total')} (${byLabel('aicc_gateway_pushes_total', 'door')}); answer p99 ${formatSeconds(pushP99)}`,
    `  messages stored   ${sum('aicc_gateway_messages_total')} (${byLabel('aicc_gateway_messages_total', 'control_type')}); retries ignored ${sum('aicc_gateway_duplicate_messages_total')}`,
    `  refusals          ${byLabel('aicc_gateway_refusals_total', 'reason')}`,
    `  pushes refused    ${byLabel('aicc_gateway_push_refusals_total', 'reason')}; store write failures ${sum('aicc_gateway_store_write_failures_total')}`,
    `  deliveries        live ${sum('aicc_gateway_deliveries_total', (l) => l.mode === 'live')}, replayed ${sum('aicc_gateway_deliveries_total', (l) => l.mode === 'replay')}; push to delivery p99 ${formatSeconds(p99)}`,
    `  slow consumers    ${sum('aicc_gateway_slow_consumers_total')} closed`,
    `  uplink            ${byLabel('aicc_gateway_uplink_messages_total', 'result')}; failures ${byLabel('aicc_gateway_uplink_failures_total', 'reason')}`,
  ].join('\n');
}

/**
 * Which node answered (through a load balancer, each run may reach another: every figure here is that node's),
 * whether AICC reached it (pushes) and whether it reached AICC (calls): the set-up checked end to end.
 */
function nodeLines(samples: Sample[]): string[] {
  const info = samples.find((s) => s.name === 'aicc_gateway_info')?.labels;
  const count = (name: string, keep: (labels: Record<string, string>) => boolean = () => true) =>
    samples.filter((s) => s.name === name && keep(s.labels)).reduce((total, s) => total + s.value, 0);
  const pushes = count('aicc_gateway_pushes_total');
  const refused = samples.filter((s) => s.name === 'aicc_gateway_push_refusals_total' && s.value > 0).map((s) => `${s.labels.reason} ${s.value}`);
  const lastPush = samples.find((s) => s.name === 'aicc_gateway_last_push_timestamp_seconds')?.value;
  const aiccToUs =
    pushes > 0
      ? `yes: ${pushes} pushes stored, the last at ${new Date((lastPush ?? 0) * 1000).toISOString()}`
      : refused.length > 0
        ? 'reached us, but every push was refused (see "pushes refused"): check AICC_APPS and the push URL'
        : 'not yet: no push has reached this node since it started';
  const calls = samples.filter((s) => s.name === 'aicc_gateway_aicc_calls_total' && s.value > 0);
  // AICC answered unless the call never got there (UNREACHABLE) or got no answer in time (TIMEOUT).
  const answered = calls.filter((s) => s.labels.outcome !== 'UNREACHABLE' && s.labels.outcome !== 'TIMEOUT');
  const byOutcome = [...new Set(calls.map((s) => s.labels.outcome!))].map((outcome) => `${outcome} ${count('aicc_gateway_aicc_calls_total', (l) => l.outcome === outcome)}`).join(', ');
  const usToAicc =
    info?.uplink === 'off'
      ? 'off: receive-only (AICC_BASE_URL unset)'
      : calls.length === 0
        ? 'not yet: no call since this node started (a customer\'s first message makes one)'
        : answered.some((s) => s.labels.outcome === 'ok')
          ? `yes: AICC answered (${byOutcome})`
          : answered.length > 0
            ? `reached, but AICC refused every call (${byOutcome}): docs/aicc-tenant.md, step 6`
            : `no: AICC did not answer (${byOutcome}): check AICC_BASE_URL and the network`;
  return [
    `  answered by       ${info ? `node ${info.node}, engine ${info.engine}` : 'unknown (a gateway older than aicc_gateway_info)'}; the figures below are this node's`,
    `  AICC reached us   ${aiccToUs}`,
    `  we reached AICC   ${usToAicc}`,
  ];
}

/** An upper bound of the q-quantile from a histogram's cumulative buckets (summed over labels). */
function quantile(samples: Sample[], name: string, q: number): number | undefined {
  const buckets = new Map<number, number>();
  for (const s of samples.filter((x) => x.name === `${name}_bucket`)) {
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  return sorted.find(([, count]) => count >= q * total)?.[0];
}

function formatSeconds(value: number | undefined): string {
  if (value === undefined) return 'n/a';
  if (value === Infinity) return 'over the largest bucket';
  return value < 1 ? `≤ ${Math.round(value * 1000)} ms` : `≤ ${value} s`;
}

const FLAGS = {
  url: { value: 'URL', help: 'the gateway to read (default STATUS_URL, else http://127.0.0.1:$PORT, PORT 8080)' },
  token: { value: 'TOKEN', help: 'the METRICS_TOKEN, when /metrics needs one (default $METRICS_TOKEN)' },
  help: { help: 'print this help and exit' },
};

const USAGE = [
  'usage: aicc-gateway status [--url URL] [--token TOKEN]',
  '',
  'status: a running gateway at a glance, read from its /readyz and /metrics.',
  'Exit code 0 when it is ready, 1 when not, 2 when it cannot be read.',
  '',
  'flags:',
  ...Object.entries(FLAGS).map(([flag, { help, ...rest }]) => `  ${`--${flag}${'value' in rest ? ` ${rest.value}` : ''}`.padEnd(16)} ${help}`),
].join('\n');

/** `aicc-gateway status [--url http://host:port] [--token METRICS_TOKEN]`. */
export async function runStatus(args: string[]): Promise<void> {
  let values: { url?: string; token?: string; help?: boolean };
  try {
    values = parseArgs({
      args,
      options: { url: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean' } },
      allowPositionals: false,
    }).values;
  } catch (err) {
    // parseArgs says which flag ("Unknown option '--x'"); its advice about '--' does not apply here.
    process.stderr.write(`aicc-gateway status: ${(err as Error).message.split('. ')[0]}; aicc-gateway status --help lists its flags\n`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const url = (values.url ?? process.env.STATUS_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8080}`).replace(/\/$/, '');
  const token = values.token ?? process.env.METRICS_TOKEN;
  try {
    const ready = (await fetch(`${url}/readyz`)).status === 200;
    const res = await fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}${res.status === 401 ? ' (set --token)' : ''}`);
    process.stdout.write(summarize(parsePrometheus(await res.text()), ready, url) + '\n');
    process.exitCode = ready ? 0 : 1;
  } catch (err) {
    process.stderr.write(`aicc-gateway at ${url} cannot be read: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void runStatus(process.argv.slice(2));
