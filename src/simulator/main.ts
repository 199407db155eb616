// `npm run simulate`: runs the AICC simulator until SIGTERM/SIGINT. Settings come from flags or SIM_* variables
// (flags win); it prints one JSON line on stdout once it listens (URL and settings, never secrets) and logs
// push failures as JSON lines on stderr.
//
//   npm run simulate -- --gateway-url http://127.0.0.1:8080 --gateway-app-key app1 --gateway-app-secret s1
//   npm run simulate -- --push poll --step-ms 300 --scenario timeout-async-on

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createSimulator, SimulatorConfigError, type SimulatorOptions } from './index.js';
import type { PushMode, Scenario } from './options.js';

/** flag → [environment variable, kind, option]. */
const FLAGS = {
  host: ['SIM_HOST', 'text', 'host'],
  port: ['SIM_PORT', 'number', 'port'],
  'gateway-url': ['SIM_GATEWAY_URL', 'text', 'gatewayUrl'],
  push: ['SIM_PUSH', 'text', 'push'],
  'app-key': ['SIM_APP_KEY', 'text', 'appKey'],
  'app-secret': ['SIM_APP_SECRET', 'text', 'appSecret'],
  'gateway-app-key': ['SIM_GATEWAY_APP_KEY', 'text', 'gatewayAppKey'],
  'gateway-app-secret': ['SIM_GATEWAY_APP_SECRET', 'text', 'gatewayAppSecret'],
  'push-access-key': ['SIM_PUSH_ACCESS_KEY', 'text', 'pushAccessKey'],
  'push-key': ['SIM_PUSH_KEY', 'text', 'pushKey'],
  'channel-id': ['SIM_CHANNEL_ID', 'text', 'channelId'],
  'step-ms': ['SIM_STEP_MS', 'number', 'stepMs'],
  scenario: ['SIM_SCENARIO', 'text', 'scenario'],
  'queue-length': ['SIM_QUEUE_LENGTH', 'number', 'queueLength'],
  'agent-name': ['SIM_AGENT_NAME', 'text', 'agentName'],
  'poll-timeout-ms': ['SIM_POLL_TIMEOUT_MS', 'number', 'pollTimeoutMs'],
  robot: ['SIM_ROBOT', 'boolean', 'robot'],
  'agent-hangs-up': ['SIM_AGENT_HANGS_UP', 'boolean', 'agentHangsUp'],
  'customer-token-ttl-seconds': ['SIM_CUSTOMER_TOKEN_TTL_SECONDS', 'number', 'customerTokenTtlSeconds'],
  'result-code-with-payload': ['SIM_RESULT_CODE_WITH_PAYLOAD', 'boolean', 'resultCodeWithPayload'],
  'invented-agent-events': ['SIM_INVENTED_AGENT_EVENTS', 'boolean', 'inventedAgentEvents'],
} as const satisfies Record<string, readonly [string, 'text' | 'number' | 'boolean', keyof SimulatorOptions]>;

const USAGE = `usage: aicc-gateway simulate [--flag value]...   (npm run simulate -- [--flag value]...)
${Object.entries(FLAGS).map(([flag, [env]]) => `  --${flag.padEnd(20)} (${env})`).join('\n')}
Booleans take on/off. Default port 8090; push is pushMsg when --gateway-url is given, else poll.`;

function optionsFrom(argv: string[], env: NodeJS.ProcessEnv): SimulatorOptions {
  const { values } = parseArgs({
    args: argv,
    options: { ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }])), help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const options: Record<string, unknown> = { port: 8090 };
  for (const [flag, [variable, kind, option]] of Object.entries(FLAGS)) {
    const raw = (values as Record<string, string | undefined>)[flag] ?? env[variable];
    if (raw === undefined || raw === '') continue;
    options[option] = parseValue(flag, kind, raw);
  }
  return options as SimulatorOptions & { push?: PushMode; scenario?: Scenario };
}

function parseValue(flag: string, kind: 'text' | 'number' | 'boolean', raw: string): unknown {
  if (kind === 'text') return raw;
  if (kind === 'number') {
    if (!/^\d+$/.test(raw)) throw new SimulatorConfigError(`--${flag} must be a whole number`);
    return Number(raw);
  }
  if (/^(on|true|1|yes)$/i.test(raw)) return true;
  if (/^(off|false|0|no)$/i.test(raw)) return false;
  throw new SimulatorConfigError(`--${flag} must be on or off`);
}

/** `aicc-gateway simulate [--flag value]...`: the simulator until SIGTERM/SIGINT. */
export async function runSimulator(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let options: SimulatorOptions;
  try {
    options = optionsFrom(argv, env);
  } catch (err) {
    process.stderr.write(`aicc-simulator: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  options.log = (entry) => process.stderr.write(`${JSON.stringify({ time: Date.now(), ...entry })}\n`);
  const sim = await createSimulator(options).catch((err: unknown) => {
    const prefix = err instanceof SimulatorConfigError ? 'invalid configuration' : 'failed to start';
    process.stderr.write(`aicc-simulator: ${prefix}: ${(err as Error).message}\n`);
    process.exit(err instanceof SimulatorConfigError ? 2 : 1);
  });
  const s = sim.settings;
  process.stdout.write(
    `${JSON.stringify({
      msg: 'simulator listening', url: sim.url, port: sim.port, push: s.push, gatewayUrl: s.gatewayUrl ?? null,
      appKey: s.appKey, channelId: s.channelId, gatewayAppKey: s.gatewayAppKey ?? null,
      pushAccessKey: s.pushAccessKey ?? null, scenario: s.scenario, stepMs: s.stepMs, queueLength: s.queueLength,
      agentName: s.agentName, robot: s.robot, agentHangsUp: s.agentHangsUp, pollTimeoutMs: s.pollTimeoutMs,
    })}\n`,
  );
  const stop = (signal: string) => {
    process.stderr.write(`${JSON.stringify({ time: Date.now(), event: 'stopping', signal })}\n`);
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void runSimulator(process.argv.slice(2));
