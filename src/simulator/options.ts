// The simulator's settings: each one, its default and its check, in one place. `resolveOptions` turns what a
// caller passed into a complete, checked `SimulatorSettings`, or throws a SimulatorConfigError naming the setting.

/** How downlink events reach the gateway: AICC's OAuth push, its signed webhook, or not at all (poll). */
export type PushMode = 'pushMsg' | 'webhook' | 'poll';

/**
 * normal: bot, queue, agent, agent hangs up. timeout-async-off / -on: the queue runs out and AICC disconnects
 * (isOfflineStatus false / true with a tip text). after-hours: every transfer to an agent answers resultCode 12.
 */
export type Scenario = 'normal' | 'timeout-async-off' | 'timeout-async-on' | 'after-hours';

const SCENARIOS: readonly Scenario[] = ['normal', 'timeout-async-off', 'timeout-async-on', 'after-hours'];
const PUSH_MODES: readonly PushMode[] = ['pushMsg', 'webhook', 'poll'];

export interface SimulatorOptions {
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;

  /** The credentials the GATEWAY uses to call AICC's tokenByAkSk. Defaults 'sim-app-key' / 'sim-app-secret'. */
  appKey?: string;
  appSecret?: string;
  /** The web channel's Configuration ID: applyToken's channelId, send's `to`, every downlink's `from`. */
  channelId?: string;

  /** Default: 'pushMsg' when gatewayUrl is set, 'poll' otherwise. */
  push?: PushMode;
  /** The gateway's base URL, e.g. http://127.0.0.1:8080 (required by 'pushMsg' and 'webhook'). */
  gatewayUrl?: string;
  /** 'pushMsg': the app the simulator obtains the gateway's AccessToken with (the gateway's AICC_APPS). */
  gatewayAppKey?: string;
  gatewayAppSecret?: string;
  /** 'pushMsg': lifetime (s) asked of the gateway's tokenByAkSk with X-Token-Expire. Default 600. */
  gatewayTokenTtlSeconds?: number;
  /** 'webhook': the access key and the 43-character push key (the gateway's AICC_PUSH_KEYS). */
  pushAccessKey?: string;
  pushKey?: string;
  /** Retries of a failed push: first wait, longest wait, attempts before giving up. Defaults 200 ms, 5 s, 8. */
  pushRetryBaseMs?: number;
  pushRetryMaxMs?: number;
  pushMaxAttempts?: number;
  /** How long one push may take before it counts as failed. Default 10 s. */
  pushTimeoutMs?: number;

  /** Time between two scripted events. Default 800 ms (people); tests use ~20 ms. */
  stepMs?: number;
  scenario?: Scenario;
  /** Queue position after TRANS2AGENT; falls by one every stepMs. Default 3. */
  queueLength?: number;
  /** The agent's senderNickname. Default 'Lily'. */
  agentName?: string;
  /** False: CONNECT goes straight to the agent queue (no bot). Default true. */
  robot?: boolean;
  /** False: the agent stays after the scripted messages until the customer disconnects. Default true. */
  agentHangsUp?: boolean;

  /** How long poll waits for a message before answering an empty list. Default 5000 ms (AICC's default). */
  pollTimeoutMs?: number;
  /** Largest upload (decoded bytes). Default 10 MB. */
  maxUploadBytes?: number;
  /** Largest file downloadFileStream serves. Default 2 MB (AICC's default). */
  maxDownloadBytes?: number;
  /** Every n-th send answers with a new ccmessaging-token; 0 never. Default 5. */
  rotateTokenEvery?: number;
  /** How long the previous ccmessaging-token is still accepted after a new one was issued. Default 10 s. */
  tokenGraceMs?: number;
  /** How long a ccmessaging-token lives; after it, per-customer calls answer HTTP 401. Default 3600 s, as
   *  applyToken's page documents (cec_07_0103). */
  customerTokenTtlSeconds?: number;
  /** true: applyToken and downloadFileStream answer `resultCode: "0"` beside their payload, as the API tables
   *  list it. false (default): the payload alone, as the developer guide's samples show (cec_05_2012, cec_05_2042). */
  resultCodeWithPayload?: boolean;
  /** INVENTED (no Huawei page shows these downlinks): the agent's typing (controlType INPUT) and an AGENT CONNECT
   *  event when the agent joins. Default false. */
  inventedAgentEvents?: boolean;

  /** The clock for token lifetimes (tests move it forward to expire tokens). Default Date.now. */
  now?: () => number;
  /** Receives one object per notable event (listening, push failures). Default: nothing is logged. */
  log?: (entry: Record<string, unknown>) => void;
}

export type SimulatorSettings = Required<Omit<SimulatorOptions, 'gatewayUrl' | 'gatewayAppKey' | 'gatewayAppSecret' | 'pushAccessKey' | 'pushKey'>> &
  Pick<SimulatorOptions, 'gatewayUrl' | 'gatewayAppKey' | 'gatewayAppSecret' | 'pushAccessKey' | 'pushKey'>;

export class SimulatorConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulatorConfigError';
  }
}

const DEFAULT_CHANNEL_ID = '202105284494222653';

export function resolveOptions(options: SimulatorOptions = {}): SimulatorSettings {
  const settings: SimulatorSettings = {
    host: '127.0.0.1',
    port: 0,
    appKey: 'sim-app-key',
    appSecret: 'sim-app-secret',
    channelId: DEFAULT_CHANNEL_ID,
    push: options.gatewayUrl ? 'pushMsg' : 'poll',
    gatewayTokenTtlSeconds: 600,
    pushRetryBaseMs: 200,
    pushRetryMaxMs: 5000,
    pushMaxAttempts: 8,
    pushTimeoutMs: 10_000,
    stepMs: 800,
    scenario: 'normal',
    queueLength: 3,
    agentName: 'Lily',
    robot: true,
    agentHangsUp: true,
    pollTimeoutMs: 5000,
    maxUploadBytes: 10 * 1024 * 1024,
    maxDownloadBytes: 2 * 1024 * 1024,
    rotateTokenEvery: 5,
    tokenGraceMs: 10_000,
    customerTokenTtlSeconds: 3600,
    resultCodeWithPayload: false,
    inventedAgentEvents: false,
    now: Date.now,
    log: () => {},
    ...definedOnly(options),
  };
  check(settings);
  if (settings.gatewayUrl) settings.gatewayUrl = settings.gatewayUrl.replace(/\/+$/, '');
  return settings;
}

function check(s: SimulatorSettings): void {
  const fail = (message: string): never => {
    throw new SimulatorConfigError(message);
  };
  if (!PUSH_MODES.includes(s.push)) fail(`push must be one of ${PUSH_MODES.join(', ')}`);
  if (!SCENARIOS.includes(s.scenario)) fail(`scenario must be one of ${SCENARIOS.join(', ')}`);
  if (s.push !== 'poll') {
    if (!s.gatewayUrl) fail(`push '${s.push}' needs gatewayUrl`);
    try {
      new URL(s.gatewayUrl!);
    } catch {
      fail(`gatewayUrl is not a URL: ${s.gatewayUrl}`);
    }
  }
  if (s.push === 'pushMsg' && (!s.gatewayAppKey || !s.gatewayAppSecret)) {
    fail("push 'pushMsg' needs gatewayAppKey and gatewayAppSecret (an app of the gateway's AICC_APPS)");
  }
  if (s.push === 'webhook' && (!s.pushAccessKey || !s.pushKey)) {
    fail("push 'webhook' needs pushAccessKey and pushKey (a pair of the gateway's AICC_PUSH_KEYS)");
  }
  if (!s.appKey || !s.appSecret) fail('appKey and appSecret must not be empty');
  if (!s.channelId) fail('channelId must not be empty');
  const whole: [keyof SimulatorSettings, number][] = [
    ['port', 0], ['stepMs', 0], ['queueLength', 0], ['pollTimeoutMs', 0], ['maxUploadBytes', 1],
    ['maxDownloadBytes', 1], ['rotateTokenEvery', 0], ['tokenGraceMs', 0], ['pushRetryBaseMs', 1],
    ['pushRetryMaxMs', 1], ['pushMaxAttempts', 1], ['pushTimeoutMs', 1], ['gatewayTokenTtlSeconds', 1],
    ['customerTokenTtlSeconds', 1],
  ];
  for (const [name, min] of whole) {
    const value = s[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(`${name} must be a whole number ≥ ${min}`);
  }
  if (s.gatewayTokenTtlSeconds > 3600) fail('gatewayTokenTtlSeconds must be at most 3600 (AICC’s cap)');
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
