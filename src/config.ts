// Every setting, its default and its check, in one place. Nothing else in the gateway reads process.env.
// A wrong value stops the start with a ConfigError that names the variable and what is wrong with it.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { MAX_CONTENT_LENGTH } from './limits.js';
import { parseRedisUrl } from './redis/url.js';

export type Durability = 'full' | 'relaxed';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** App credentials that may call tokenByAkSk: app_key -> app_secret. */
  apps: ReadonlyMap<string, string>;
  /** Webhook push keys: accessKey -> 43-character push key. */
  pushKeys: ReadonlyMap<string, string>;
  /** Upper bound, in seconds, on the lifetime a caller may ask for with X-Token-Expire. */
  tokenTtlMax: number;
  /** The gateway's secret, from which the AccessToken and visitor-token keys are derived (src/secrets/); when
   *  unset it is generated once and kept in DATA_DIR, or in Redis when REDIS_URL is set. */
  tokenSecret: string | undefined;
  /** How far a push's body timestamp (and webhook signature time) may be from our clock, for a push of new
   *  messages: an old retry of stored ones passes (src/ingest/replayWindow.ts). 0 turns the replay check off. */
  pushTimestampSkewMs: number;
  bodyLimit: number;
  logLevel: LogLevel;
  /** auto: readable lines on a terminal unless `production`, JSON otherwise. */
  logFormat: 'auto' | 'json' | 'pretty';
  /** NODE_ENV=production. */
  production: boolean;
  durability: Durability;
  /** How long a write waits for a locked database before the push fails (and AICC retries). */
  storeBusyTimeoutMs: number;
  /** After a failed append with none succeeding since, /readyz answers 503 for this long (0: ping only). */
  readyzFailureWindowMs: number;
  /** Set: the Redis engine (several nodes acting as one); unset: the local SQLite engine. Checked at load. */
  redisUrl: string | undefined;
  /** HS256 secret with which the company's backend signs customer tokens; unset: only visitors. */
  customerTokenSecret: string | undefined;
  /** The `aud` a customer token must name when it names one. */
  customerTokenAudience: string;
  /** Refuse customer tokens that name no audience (the default; off for backends that mint tokens without aud). */
  customerTokenRequireAudience: boolean;
  /** Whether anonymous visitors may obtain a token (POST /v1/visitors). */
  visitors: boolean;
  visitorTokenTtlSeconds: number;
  /** New visitors per client address per minute. */
  visitorRateLimit: number;
  /** Messages older than this are purged. */
  historyTtlMs: number;
  heartbeatMs: number;
  /** A stream closed on purpose (shutting down) tells its client to come back after a delay drawn from [0, this]. */
  reconnectWindowMs: number;
  /** Streams that may be setting up at once; more are refused with 1013 and told when to come back. */
  streamAcceptQueue: number;
  /** The listen backlog (LISTEN_BACKLOG). */
  listenBacklog: number;
  /** Bytes a stream connection may have waiting to be sent before the server stops writing to it. */
  streamBufferBytes: number;
  /** How long a connection may stay over its buffer before it is closed as a slow consumer (4008). */
  slowConsumerMs: number;
  /**
   * Which peers are proxies whose X-Forwarded-For is believed (for client addresses: rate limits, logs): none
   * (false), the nearest `n` hops, or the listed addresses and ranges. Fastify's `trustProxy` takes each form.
   */
  trustProxy: false | number | string[];
  /** How long a connection may take to send a request's headers (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** How long a connection may take to send a whole request, headers and body (Node's requestTimeout). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept between requests. */
  keepAliveTimeoutMs: number;
  /** Connections one client address may hold open at once, on all nodes together. */
  maxConnectionsPerAddress: number;
  /** Origins whose pages may call the customer endpoints (CORS); "*" for any. */
  allowedOrigins: string[];
  /** How the gateway reaches AICC for the customer's side; undefined when AICC_BASE_URL is unset. */
  aicc: AiccSettings | undefined;
  /** Longest upload a customer may send (bytes). */
  uploadMaxBytes: number;
  /** Disk the media cache may use (bytes, as the files really take it). */
  mediaCacheBytes: number;
  /** Entries (files) the media cache may hold. */
  mediaCacheEntries: number;
  maxConnectionsPerCustomer: number;
  /** Pushes per second per app key (pushMsg) or access key (webhook). */
  pushRateLimit: number;
  /** Customer requests (and stream connections) per second per client address. */
  clientRateLimit: number;
  /** tokenByAkSk calls per minute per client address (slows credential guessing). */
  tokenRateLimit: number;
  /** Longest `content` or `simQuestions` of one pushed message, in characters. */
  messageMaxChars: number;
  tls: { cert: string; key: string } | undefined;
  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`. */
  metricsToken: string | undefined;
  /** When set, GET /ops (the operator page) opens with it; unset, the page is off. */
  opsToken: string | undefined;
  /** Every setting's value in force, secrets as set/unset only (for the operator page). */
  inForce: readonly SettingInForce[];
}

export interface AiccSettings {
  baseUrl: string;
  appKey: string;
  appSecret: string;
  /** The web channel's Configuration ID. */
  channelId: string;
  locale: string;
  timeoutMs: number;
  /** sendAsync (lower latency, same function) rather than send. */
  sendAsync: boolean;
  /** push: AICC pushes downlink to us; poll: we long-poll AICC for each active conversation. */
  downlink: 'push' | 'poll';
  queuePollMs: number;
  pollIdleMs: number;
  /** Long polls one node keeps open at once (poll mode); other conversations' polls wait their turn. */
  pollMaxConcurrent: number;
}

type Env = Record<string, string | undefined>;

/** One environment variable: its default as it would be written in the environment, and what it means. */
export interface Setting {
  /** Undefined: unset by default (`unset` says what that means). */
  default?: string;
  /** What an unset value means, when there is no default. */
  unset?: string;
  help: string;
  /** A secret: never logged, shown only as set or unset (the operator page, --help). */
  secret?: true;
  group: 'gateway' | 'customers' | 'aicc' | 'limits' | 'operations';
}

/**
 * Every variable the gateway reads, in the order of the README's tables. The parser below takes its defaults from
 * here and `aicc-gateway --help` prints it, so a variable cannot be documented in one and missed in the other.
 */
export const SETTINGS = {
  HOST: { default: '0.0.0.0', help: 'address to listen on', group: 'gateway' },
  PORT: { default: '8080', help: 'port to listen on (0: any free port)', group: 'gateway' },
  DATA_DIR: { default: './data', help: 'where the SQLite store and the token signing secret live', group: 'gateway' },
  AICC_APPS: { unset: 'none', help: 'apps allowed to obtain tokens: appKey:appSecret[,appKey2:appSecret2]', secret: true, group: 'gateway' },
  AICC_PUSH_KEYS: { unset: 'none', help: 'keys for the signed webhook: accessKey:pushKey[,...] (a push key is 43 letters or digits)', secret: true, group: 'gateway' },
  TOKEN_TTL_MAX: { default: '3600', help: 'longest AccessToken lifetime (s) a caller may ask for with X-Token-Expire', group: 'gateway' },
  TOKEN_SECRET: { unset: 'generated once, kept in DATA_DIR/token-secret', help: 'secret (32+ characters) that signs AccessTokens; the same on every node', secret: true, group: 'gateway' },
  PUSH_TIMESTAMP_SKEW_MS: { default: '300000', help: 'a push whose timestamp is further than this from our clock is refused as a replay, unless all its messages are already stored (an old retry: answered "0") (0: off)', group: 'gateway' },
  BODY_LIMIT: { default: '1048576', help: 'largest request body in bytes (413 above it)', group: 'gateway' },
  LOG_LEVEL: { default: 'info', help: 'fatal, error, warn, info, debug, trace or silent', group: 'gateway' },
  LOG_FORMAT: { default: 'auto', help: 'json, pretty (readable lines), or auto: pretty on a terminal unless NODE_ENV=production', group: 'gateway' },
  DURABILITY: { default: 'full', help: 'full: every commit is fsync\'d; relaxed: survives a crash of the gateway, not a power cut', group: 'gateway' },
  STORE_BUSY_TIMEOUT_MS: { default: '5000', help: 'how long a write waits for a locked database before the push fails with 500', group: 'gateway' },
  READYZ_FAILURE_WINDOW_MS: { default: '30000', help: 'after a failed store write with none succeeding since, /readyz answers 503 for this long (a full disk, Redis at maxmemory) (0: only whether the store answers)', group: 'gateway' },
  REDIS_URL: { unset: 'SQLite in DATA_DIR', help: 'the Redis engine for several nodes: redis://, rediss://, redis-sentinel://, redis-cluster://', secret: true, group: 'gateway' },
  CUSTOMER_TOKEN_SECRET: { unset: 'only anonymous visitors', help: 'HS256 secret (32+ characters) with which your backend signs customer tokens', secret: true, group: 'customers' },
  CUSTOMER_TOKEN_AUDIENCE: { default: 'aicc-gateway', help: 'the audience (aud) a customer token must name', group: 'customers' },
  CUSTOMER_TOKEN_REQUIRE_AUDIENCE: { default: 'on', help: 'on: refuse customer tokens without aud; off also accepts them (backends that mint tokens without aud)', group: 'customers' },
  VISITORS: { default: 'on', help: 'off removes POST /v1/visitors (sites where every customer logs in)', group: 'customers' },
  VISITOR_TOKEN_TTL: { default: '86400', help: 'lifetime (s) of a visitor token', group: 'customers' },
  VISITOR_RATE_LIMIT: { default: '20', help: 'new visitors per client address per minute', group: 'customers' },
  HISTORY_TTL: { default: '7d', help: 'messages older than this are purged (30m, 12h, 7d, ...)', group: 'customers' },
  HEARTBEAT_MS: { default: '25000', help: 'a stream with nothing to send sends a heartbeat at least this often', group: 'customers' },
  RECONNECT_WINDOW_MS: { default: '1000', help: 'streams closed on shutdown tell their clients to come back within a random delay up to this', group: 'customers' },
  STREAM_ACCEPT_QUEUE: { default: '1000', help: 'streams that may be setting up at once (token, store read, hello); more are told to come back later (1013)', group: 'customers' },
  LISTEN_BACKLOG: { default: '4096', help: 'connections the kernel holds for the node to accept (capped by net.core.somaxconn, 4096 on Linux 5.4 and later); one beyond it is dropped and its client retries 1 s later', group: 'customers' },
  STREAM_BUFFER_BYTES: { default: '1048576', help: 'bytes a stream may have waiting for a slow client', group: 'customers' },
  SLOW_CONSUMER_MS: { default: '10000', help: 'a client over its buffer this long is closed with 4008 (it resumes)', group: 'customers' },
  ALLOWED_ORIGINS: { default: '*', help: 'origins whose pages may call /v1/* (CORS), comma-separated', group: 'customers' },
  AICC_BASE_URL: { unset: 'receive-only; the uplink endpoints answer 503', help: 'where the gateway calls AICC for the customer\'s side (API Fabric)', group: 'aicc' },
  AICC_APP_KEY: { unset: 'none', help: 'the gateway\'s own API Fabric app key (required with AICC_BASE_URL)', group: 'aicc' },
  AICC_APP_SECRET: { unset: 'none', help: 'the gateway\'s own API Fabric app secret (required with AICC_BASE_URL)', secret: true, group: 'aicc' },
  AICC_CHANNEL_ID: { unset: 'none', help: 'the web channel\'s Configuration ID (required with AICC_BASE_URL)', group: 'aicc' },
  AICC_LOCALE: { default: 'en', help: 'locale for applyToken when the customer token has no locale claim', group: 'aicc' },
  AICC_SEND_ASYNC: { default: 'on', help: 'use sendAsync (lower latency) rather than send', group: 'aicc' },
  AICC_TIMEOUT_MS: { default: '10000', help: 'timeout of one AICC call; calls safe to repeat are retried with backoff', group: 'aicc' },
  AICC_DOWNLINK: { default: 'push', help: 'poll: long-poll AICC for each active conversation (tenants without push)', group: 'aicc' },
  QUEUE_POLL_MS: { default: '3000', help: 'while a customer queues, how often the queue position is asked for', group: 'aicc' },
  POLL_IDLE_MS: { default: '600000', help: 'poll mode: a conversation idle this long stops being polled', group: 'aicc' },
  POLL_MAX_CONCURRENT: { default: '256', help: 'poll mode: long polls one node holds open at once, on connections of their own; more conversations wait their turn', group: 'aicc' },
  UPLOAD_MAX_BYTES: { default: '10485760', help: 'largest file a customer may upload', group: 'limits' },
  MEDIA_CACHE_BYTES: { default: '536870912', help: 'disk the media cache (DATA_DIR/media) may use, counted in whole blocks', group: 'limits' },
  MEDIA_CACHE_ENTRIES: { default: '20000', help: 'files the media cache may hold (each takes two files on disk)', group: 'limits' },
  MAX_CONNECTIONS_PER_CUSTOMER: { default: '10', help: 'streams per customer (close 4009 / 429 beyond)', group: 'limits' },
  PUSH_RATE_LIMIT: { default: '2000', help: 'pushes per second per app key / access key (429 beyond)', group: 'limits' },
  CLIENT_RATE_LIMIT: { default: '50', help: 'customer requests per second per client address', group: 'limits' },
  TOKEN_RATE_LIMIT: { default: '60', help: 'tokenByAkSk calls per minute per client address', group: 'limits' },
  MESSAGE_MAX_CHARS: { default: String(MAX_CONTENT_LENGTH), help: 'longest content/simQuestions of a pushed message', group: 'limits' },
  TRUST_PROXY: { default: 'off', help: 'the proxies in front whose X-Forwarded-For is believed: a number of hops (on = 1), or their addresses/CIDR ranges, comma-separated', group: 'operations' },
  HEADERS_TIMEOUT_MS: { default: '10000', help: 'a connection that has not sent a request\'s headers within this is answered 408 and closed', group: 'limits' },
  REQUEST_TIMEOUT_MS: { default: '60000', help: 'a request (headers and body) not received within this is answered 408 and closed; above HEADERS_TIMEOUT_MS', group: 'limits' },
  KEEP_ALIVE_TIMEOUT_MS: { default: '72000', help: 'an idle keep-alive connection is closed after this (keep it above the idle timeout of a proxy in front)', group: 'limits' },
  MAX_CONNECTIONS_PER_ADDRESS: { default: '256', help: 'open connections per client address on all nodes together; more are closed at once (not counted for TRUST_PROXY peers)', group: 'limits' },
  TLS_CERT: { unset: 'plain HTTP', help: 'PEM certificate file: serve HTTPS/WSS directly (with TLS_KEY)', group: 'operations' },
  TLS_KEY: { unset: 'plain HTTP', help: 'PEM key file (with TLS_CERT)', group: 'operations' },
  METRICS_TOKEN: { unset: '/metrics is open', help: 'when set, GET /metrics requires Authorization: Bearer <METRICS_TOKEN>', secret: true, group: 'operations' },
  OPS_TOKEN: { unset: 'the operator page is off', help: 'when set, GET /ops (the operator page) opens with it', secret: true, group: 'operations' },
  NODE_ENV: { unset: 'development', help: 'production: logs stay JSON even on a terminal', group: 'operations' },
  CONFIG_FILE: { unset: 'none', help: 'a JSON file with the same keys, e.g. {"PORT": 9000}; the environment wins', group: 'operations' },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

export interface SettingInForce {
  name: SettingName;
  /** The value in force; for a secret only "set" or "unset". */
  value: string;
  secret: boolean;
}

/** The configuration as an operator may see it: every variable's value in force, secrets only as set or unset. */
function inForce(merged: Env): SettingInForce[] {
  return (Object.entries(SETTINGS) as [SettingName, Setting][]).map(([name, setting]) => {
    const raw = merged[name]?.trim();
    if (setting.secret) return { name, value: raw ? 'set' : 'unset', secret: true };
    return { name, value: raw || setting.default || `(unset: ${setting.unset})`, secret: false };
  });
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}


const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const PUSH_KEY_PATTERN = /^[A-Za-z0-9]{43}$/;

/**
 * Reads the configuration from the environment. When CONFIG_FILE names a JSON file, its keys (the same names
 * as the variables, e.g. {"PORT": 8080}) are defaults that the environment overrides.
 */
export function loadConfig(env: Env = process.env): Config {
  const merged = { ...readConfigFile(env.CONFIG_FILE), ...definedOnly(env) };
  const config = readAll(merged);
  // One secret for both would let a customer token pass for a gateway-issued one (visitors, AccessTokens).
  if (config.customerTokenSecret !== undefined && config.customerTokenSecret === config.tokenSecret) {
    throw new ConfigError('CUSTOMER_TOKEN_SECRET must differ from TOKEN_SECRET');
  }
  return config;
}

function readAll(merged: Env): Config {
  return {
    host: text(merged, 'HOST'),
    port: integer(merged, 'PORT', 0, 65535),
    dataDir: resolve(text(merged, 'DATA_DIR')),
    apps: credentialList(merged, 'AICC_APPS', 'key:secret'),
    pushKeys: pushKeyList(merged),
    tokenTtlMax: integer(merged, 'TOKEN_TTL_MAX', 1, 86400 * 30),
    tokenSecret: optionalSecret(merged, 'TOKEN_SECRET'),
    pushTimestampSkewMs: integer(merged, 'PUSH_TIMESTAMP_SKEW_MS', 0, Number.MAX_SAFE_INTEGER),
    bodyLimit: integer(merged, 'BODY_LIMIT', 1024, 1024 * 1024 * 1024),
    logLevel: oneOf(merged, 'LOG_LEVEL', LOG_LEVELS),
    logFormat: oneOf(merged, 'LOG_FORMAT', ['auto', 'json', 'pretty'] as const),
    production: merged.NODE_ENV === 'production',
    durability: oneOf(merged, 'DURABILITY', ['full', 'relaxed'] as const),
    storeBusyTimeoutMs: integer(merged, 'STORE_BUSY_TIMEOUT_MS', 0, 600_000),
    readyzFailureWindowMs: integer(merged, 'READYZ_FAILURE_WINDOW_MS', 0, 3_600_000),
    redisUrl: redisUrl(merged),
    customerTokenSecret: optionalSecret(merged, 'CUSTOMER_TOKEN_SECRET'),
    customerTokenAudience: text(merged, 'CUSTOMER_TOKEN_AUDIENCE'),
    customerTokenRequireAudience: oneOf(merged, 'CUSTOMER_TOKEN_REQUIRE_AUDIENCE', ['on', 'off'] as const) === 'on',
    visitors: oneOf(merged, 'VISITORS', ['on', 'off'] as const) === 'on',
    visitorTokenTtlSeconds: integer(merged, 'VISITOR_TOKEN_TTL', 60, 86_400 * 365),
    visitorRateLimit: integer(merged, 'VISITOR_RATE_LIMIT', 1, 1_000_000),
    historyTtlMs: duration(merged, 'HISTORY_TTL'),
    heartbeatMs: integer(merged, 'HEARTBEAT_MS', 1000, 600_000),
    reconnectWindowMs: integer(merged, 'RECONNECT_WINDOW_MS', 0, 60_000),
    streamAcceptQueue: integer(merged, 'STREAM_ACCEPT_QUEUE', 1, 1_000_000),
    listenBacklog: integer(merged, 'LISTEN_BACKLOG', 1, 65_535),
    streamBufferBytes: integer(merged, 'STREAM_BUFFER_BYTES', 1024, 1024 * 1024 * 1024),
    slowConsumerMs: integer(merged, 'SLOW_CONSUMER_MS', 10, 600_000),
    trustProxy: trustedProxies(merged),
    ...timeouts(merged),
    maxConnectionsPerAddress: integer(merged, 'MAX_CONNECTIONS_PER_ADDRESS', 1, 1_000_000),
    allowedOrigins: origins(merged),
    aicc: aiccSettings(merged),
    uploadMaxBytes: integer(merged, 'UPLOAD_MAX_BYTES', 1024, 100 * 1024 * 1024),
    mediaCacheBytes: integer(merged, 'MEDIA_CACHE_BYTES', 1024 * 1024, Number.MAX_SAFE_INTEGER),
    mediaCacheEntries: integer(merged, 'MEDIA_CACHE_ENTRIES', 1, 100_000_000),
    maxConnectionsPerCustomer: integer(merged, 'MAX_CONNECTIONS_PER_CUSTOMER', 1, 10_000),
    pushRateLimit: integer(merged, 'PUSH_RATE_LIMIT', 1, 10_000_000),
    clientRateLimit: integer(merged, 'CLIENT_RATE_LIMIT', 1, 10_000_000),
    tokenRateLimit: integer(merged, 'TOKEN_RATE_LIMIT', 1, 10_000_000),
    messageMaxChars: integer(merged, 'MESSAGE_MAX_CHARS', 1, MAX_CONTENT_LENGTH),
    tls: tlsFiles(merged),
    metricsToken: merged.METRICS_TOKEN?.trim() || undefined,
    opsToken: optionalSecret(merged, 'OPS_TOKEN', 16),
    inForce: inForce(merged),
  };
}

/**
 * Names that are not settings but look like one (ALLOWED_ORIGIN for ALLOWED_ORIGINS, an unknown AICC_ name), in
 * the environment or in CONFIG_FILE (where every key is meant as a setting): a typo that would otherwise leave a
 * default silently in force. Warnings, not errors: the environment holds other programs' variables too.
 */
export function settingWarnings(env: Env = process.env): string[] {
  const known = new Set<string>(Object.keys(SETTINGS));
  const file = env.CONFIG_FILE ? Object.keys(readConfigFile(env.CONFIG_FILE)) : [];
  const warnings: string[] = [];
  for (const name of file) {
    if (!known.has(name)) warnings.push(`CONFIG_FILE ${env.CONFIG_FILE}: ${name} is not a setting${meant(name, true)}`);
  }
  for (const name of Object.keys(env)) {
    if (known.has(name)) continue;
    const hint = meant(name, name.startsWith('AICC_'));
    if (hint) warnings.push(`${name} is set but is not a setting of the gateway${hint}`);
  }
  return warnings;
}

/** "; did you mean X?" for the nearest setting close enough to be a typo; for `always`, at least "". */
function meant(name: string, always: boolean): string {
  // Short names need a closer match: HOME is two edits from HOST and no typo of it.
  const within = name.length <= 8 ? 1 : 2;
  const upper = name.toUpperCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const setting of Object.keys(SETTINGS)) {
    // Names whose lengths differ by more cannot be close: no need to measure (a start checks every variable
    // of its environment, which can hold hundreds).
    if (Math.abs(setting.length - upper.length) > within) continue;
    const distance = editDistance(upper, setting, within);
    if (distance < bestDistance) [best, bestDistance] = [setting, distance];
  }
  const close = bestDistance <= within;
  if (close) return `; did you mean ${best}?`;
  return always ? ' (aicc-gateway --help lists them)' : '';
}

/** The edit distance of a and b, or more than `limit` (not exactly: it stops once no path stays within it). */
function editDistance(a: string, b: string, limit: number): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    // A row's smallest entry never decreases further down: once over the limit, so is the distance.
    if (Math.min(...row) > limit) return limit + 1;
    previous = row;
  }
  return previous[b.length]!;
}

function readConfigFile(path: string | undefined): Env {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`CONFIG_FILE ${path}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`CONFIG_FILE ${path}: must hold a JSON object of settings`);
  }
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v === null ? undefined : String(v)]));
}

function definedOnly(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

/** The default of a setting, from the table. */
function fallback(name: SettingName): string {
  const setting: Setting = SETTINGS[name];
  if (setting.default === undefined) throw new Error(`${name} has no default in SETTINGS`);
  return setting.default;
}

function text(env: Env, name: SettingName): string {
  return env[name]?.trim() || fallback(name);
}

function integer(env: Env, name: SettingName, min: number, max: number): number {
  const raw = env[name]?.trim() || fallback(name);
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function aiccSettings(env: Env): AiccSettings | undefined {
  const baseUrl = env.AICC_BASE_URL?.trim();
  if (!baseUrl) return undefined;
  if (!/^https?:\/\/[^\s]+$/.test(baseUrl)) throw new ConfigError(`AICC_BASE_URL must be an http(s) URL, got "${baseUrl}"`);
  for (const name of ['AICC_APP_KEY', 'AICC_APP_SECRET', 'AICC_CHANNEL_ID']) {
    if (!env[name]?.trim()) throw new ConfigError(`${name} is required when AICC_BASE_URL is set`);
  }
  return {
    baseUrl,
    appKey: env.AICC_APP_KEY!.trim(),
    appSecret: env.AICC_APP_SECRET!.trim(),
    channelId: env.AICC_CHANNEL_ID!.trim(),
    locale: text(env, 'AICC_LOCALE'),
    timeoutMs: integer(env, 'AICC_TIMEOUT_MS', 100, 600_000),
    sendAsync: oneOf(env, 'AICC_SEND_ASYNC', ['on', 'off'] as const) === 'on',
    downlink: oneOf(env, 'AICC_DOWNLINK', ['push', 'poll'] as const),
    queuePollMs: integer(env, 'QUEUE_POLL_MS', 10, 600_000),
    pollIdleMs: integer(env, 'POLL_IDLE_MS', 1000, 86_400_000),
    pollMaxConcurrent: integer(env, 'POLL_MAX_CONCURRENT', 1, 100_000),
  };
}

function tlsFiles(env: Env): { cert: string; key: string } | undefined {
  const certPath = env.TLS_CERT?.trim();
  const keyPath = env.TLS_KEY?.trim();
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath) throw new ConfigError('TLS_CERT and TLS_KEY go together: set both, or neither');
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`${name} ${path}: ${(err as Error).message}`);
    }
  };
  return { cert: read('TLS_CERT', certPath), key: read('TLS_KEY', keyPath) };
}

/** Node refuses a headers timeout above the request timeout; one equal to it would never be the one to fire. */
function timeouts(env: Env): Pick<Config, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'> {
  const headersTimeoutMs = integer(env, 'HEADERS_TIMEOUT_MS', 100, 600_000);
  const requestTimeoutMs = integer(env, 'REQUEST_TIMEOUT_MS', 200, 3_600_000);
  if (headersTimeoutMs >= requestTimeoutMs) {
    throw new ConfigError(`HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must be below REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  return { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 100, 600_000) };
}

/** Names proxy-addr (Fastify's trustProxy) takes for well-known ranges. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * off; a number of hops (on: 1, a single proxy in front); or the proxies' addresses and CIDR ranges. Never
 * "every peer": the leftmost X-Forwarded-For entry is whatever the client wrote.
 */
function trustedProxies(env: Env): Config['trustProxy'] {
  const raw = (env.TRUST_PROXY?.trim() || fallback('TRUST_PROXY')).toLowerCase();
  if (raw === 'off') return false;
  if (raw === 'on') return 1;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops < 1 || hops > 16) throw new ConfigError(`TRUST_PROXY: a number of proxies must be between 1 and 16, got ${hops}`);
    return hops;
  }
  const list = raw.split(',').map((item) => item.trim()).filter(Boolean);
  for (const item of list) {
    const [address, bits, ...rest] = item.split('/');
    const version = isIP(address ?? '');
    const maxBits = version === 6 ? 128 : 32;
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (!PROXY_RANGE_NAMES.includes(item) && (version === 0 || !validBits || rest.length > 0)) {
      throw new ConfigError(
        `TRUST_PROXY: "${item}" is not off, on, a number of proxies, an address, a CIDR range or one of ${PROXY_RANGE_NAMES.join(', ')}`,
      );
    }
  }
  return list;
}

function origins(env: Env): string[] {
  const raw = env.ALLOWED_ORIGINS?.trim() || '*';
  const list = raw.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of list) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(`ALLOWED_ORIGINS: "${origin}" must be "*" or an origin such as https://shop.example.com`);
    }
  }
  return list;
}

const DAY_MS = 86_400_000;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };

/** A duration such as "7d", "12h", "30m", "45s" or "500ms"; a bare number is milliseconds. */
function duration(env: Env, name: SettingName): number {
  const raw = env[name]?.trim() || fallback(name);
  const match = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(raw);
  if (!match || Number(match[1]) <= 0) {
    throw new ConfigError(`${name} must be a duration such as 7d, 12h, 30m or 45s, got "${raw}"`);
  }
  return Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']!;
}

function oneOf<T extends string>(env: Env, name: SettingName, allowed: readonly T[]): T {
  const raw = (env[name]?.trim() || fallback(name)).toLowerCase();
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function redisUrl(env: Env): string | undefined {
  const raw = env.REDIS_URL?.trim();
  if (!raw) return undefined;
  try {
    parseRedisUrl(raw);
  } catch (err) {
    throw new ConfigError(`REDIS_URL ${(err as Error).message}`);
  }
  return raw;
}

function optionalSecret(env: Env, name: SettingName, minLength = 32): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (raw.length < minLength) throw new ConfigError(`${name} must be at least ${minLength} characters long`);
  return raw;
}

/** Parses "key:secret[,key2:secret2]". The secret may itself contain colons; the key may not. */
function credentialList(env: Env, name: SettingName, shape: string): Map<string, string> {
  const result = new Map<string, string>();
  const raw = env[name]?.trim();
  if (!raw) return result;
  for (const [index, entry] of raw.split(',').entries()) {
    const item = entry.trim();
    const colon = item.indexOf(':');
    const key = item.slice(0, colon).trim();
    const secret = item.slice(colon + 1).trim();
    if (colon <= 0 || !key || !secret) {
      throw new ConfigError(`${name} entry ${index + 1} must look like "${shape}" (entries separated by commas)`);
    }
    if (result.has(key)) throw new ConfigError(`${name} names "${key}" twice`);
    result.set(key, secret);
  }
  return result;
}

function pushKeyList(env: Env): Map<string, string> {
  const keys = credentialList(env, 'AICC_PUSH_KEYS', 'accessKey:pushKey');
  for (const [accessKey, pushKey] of keys) {
    // AICC's web-channel settings accept only a 43-character alphanumeric push key (docs/aicc.md §2).
    if (!PUSH_KEY_PATTERN.test(pushKey)) {
      throw new ConfigError(`AICC_PUSH_KEYS: the push key of "${accessKey}" must be exactly 43 letters or digits`);
    }
  }
  return keys;
}
