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

/** flag → [environment variable, kind, option, what it means]. */
const FLAGS = {
  host: ['SIM_HOST', 'text', 'host', 'address to listen on (default 127.0.0.1)'],
  port: ['SIM_PORT', 'number', 'port', 'port to listen on (default 8090; 0: any free port)'],
  'gateway-url': ['SIM_GATEWAY_URL', 'text', 'gatewayUrl', "the gateway's base URL, where pushes go (e.g. http://127.0.0.1:8080)"],
  push: ['SIM_PUSH', 'text', 'push', 'how events reach the gateway: pushMsg (OAuth push), webhook (signed), poll (the gateway polls); default pushMsg with --gateway-url, else poll'],
  'app-key': ['SIM_APP_KEY', 'text', 'appKey', "the app key the gateway calls us with (the gateway's AICC_APP_KEY; default sim-app-key)"],
  'app-secret': ['SIM_APP_SECRET', 'text', 'appSecret', "its secret (the gateway's AICC_APP_SECRET; default sim-app-secret)"],
  'gateway-app-key': ['SIM_GATEWAY_APP_KEY', 'text', 'gatewayAppKey', "pushMsg: the app we get the gateway's AccessToken with (one of its AICC_APPS)"],
  'gateway-app-secret': ['SIM_GATEWAY_APP_SECRET', 'text', 'gatewayAppSecret', "pushMsg: that app's secret"],
  'push-access-key': ['SIM_PUSH_ACCESS_KEY', 'text', 'pushAccessKey', "webhook: the access key (one of the gateway's AICC_PUSH_KEYS)"],
  'push-key': ['SIM_PUSH_KEY', 'text', 'pushKey', 'webhook: its 43-character push key'],
  'channel-id': ['SIM_CHANNEL_ID', 'text', 'channelId', "the web channel's Configuration ID (the gateway's AICC_CHANNEL_ID)"],
  'step-ms': ['SIM_STEP_MS', 'number', 'stepMs', 'time between two scripted events (default 800)'],
  scenario: ['SIM_SCENARIO', 'text', 'scenario', 'normal, timeout-async-off, timeout-async-on or after-hours (default normal)'],
  'queue-length': ['SIM_QUEUE_LENGTH', 'number', 'queueLength', 'queue position after a transfer to an agent, falling by one a step (default 3)'],
  'agent-name': ['SIM_AGENT_NAME', 'text', 'agentName', "the agent's nickname (default Lily)"],
  'poll-timeout-ms': ['SIM_POLL_TIMEOUT_MS', 'number', 'pollTimeoutMs', 'how long a poll waits for a message before answering none (default 5000)'],
  robot: ['SIM_ROBOT', 'boolean', 'robot', 'off: the conversation goes straight to the agent queue, no bot (default on)'],
  'agent-hangs-up': ['SIM_AGENT_HANGS_UP', 'boolean', 'agentHangsUp', 'off: the agent stays after its scripted messages (default on)'],
  'customer-token-ttl-seconds': ['SIM_CUSTOMER_TOKEN_TTL_SECONDS', 'number', 'customerTokenTtlSeconds', 'lifetime of a ccmessaging-token, after which calls answer 401 (default 3600)'],
  'result-code-with-payload': ['SIM_RESULT_CODE_WITH_PAYLOAD', 'boolean', 'resultCodeWithPayload', 'on: applyToken and downloads answer resultCode beside their payload, as the API tables list (default off)'],
  'invented-agent-events': ['SIM_INVENTED_AGENT_EVENTS', 'boolean', 'inventedAgentEvents', "on: the agent's typing and an AGENT CONNECT, which no Huawei page shows (default off)"],
} as const satisfies Record<string, readonly [string, 'text' | 'number' | 'boolean', keyof SimulatorOptions, string]>;

const USAGE = `usage: aicc-gateway simulate [--flag value]...   (npm run simulate -- [--flag value]...)
Every flag may be given as its environment variable instead (the flag wins). Booleans take on/off.

${Object.entries(FLAGS)
  .map(([flag, [env, , , help]]) => `  --${flag.padEnd(27)} ${help}\n  ${''.padEnd(29)} (${env})`)
  .join('\n')}
  --help                        print this help and exit`;

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
