// Every setting, its default and its check, in one place. Nothing else in the gateway reads process.env.
// A wrong value stops the start with a ConfigError that names the variable and what is wrong with it.

import { readFileSync } from 'node:fs';
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
  /** How far a push's body timestamp may be from our clock; 0 turns the replay check off. */
  pushTimestampSkewMs: number;
  bodyLimit: number;
  logLevel: LogLevel;
  durability: Durability;
  /** How long a write waits for a locked database before the push fails (and AICC retries). */
  storeBusyTimeoutMs: number;
  /** Set: the Redis engine (several nodes acting as one); unset: the local SQLite engine. Checked at load. */
  redisUrl: string | undefined;
  /** HS256 secret with which the company's backend signs customer tokens; unset: only visitors. */
  customerTokenSecret: string | undefined;
  /** The `aud` a customer token must name when it names one. */
  customerTokenAudience: string;
  /** Refuse customer tokens that name no audience (the safer setting; off so existing integrations keep working). */
  customerTokenRequireAudience: boolean;
  /** Whether anonymous visitors may obtain a token (POST /v1/visitors). */
  visitors: boolean;
  visitorTokenTtlSeconds: number;
  /** New visitors per client address per minute. */
  visitorRateLimit: number;
  /** Messages older than this are purged. */
  historyTtlMs: number;
  heartbeatMs: number;
  /** Bytes a stream connection may have waiting to be sent before the server stops writing to it. */
  streamBufferBytes: number;
  /** How long a connection may stay over its buffer before it is closed as a slow consumer (4008). */
  slowConsumerMs: number;
  /** Trust X-Forwarded-For from a proxy in front (for client addresses: rate limits, logs). */
  trustProxy: boolean;
  /** Origins whose pages may call the customer endpoints (CORS); "*" for any. */
  allowedOrigins: string[];
  /** How the gateway reaches AICC for the customer's side; undefined when AICC_BASE_URL is unset. */
  aicc: AiccSettings | undefined;
  /** Longest upload a customer may send (bytes). */
  uploadMaxBytes: number;
  /** Disk the media cache may use (bytes). */
  mediaCacheBytes: number;
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
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

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
    host: text(merged, 'HOST', '0.0.0.0'),
    port: integer(merged, 'PORT', 8080, 0, 65535),
    dataDir: resolve(text(merged, 'DATA_DIR', './data')),
    apps: credentialList(merged, 'AICC_APPS', 'key:secret'),
    pushKeys: pushKeyList(merged),
    tokenTtlMax: integer(merged, 'TOKEN_TTL_MAX', 3600, 1, 86400 * 30),
    tokenSecret: optionalSecret(merged, 'TOKEN_SECRET'),
    pushTimestampSkewMs: integer(merged, 'PUSH_TIMESTAMP_SKEW_MS', 300_000, 0, Number.MAX_SAFE_INTEGER),
    bodyLimit: integer(merged, 'BODY_LIMIT', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    logLevel: oneOf(merged, 'LOG_LEVEL', 'info', LOG_LEVELS),
    durability: oneOf(merged, 'DURABILITY', 'full', ['full', 'relaxed'] as const),
    storeBusyTimeoutMs: integer(merged, 'STORE_BUSY_TIMEOUT_MS', 5000, 0, 600_000),
    redisUrl: redisUrl(merged),
    customerTokenSecret: optionalSecret(merged, 'CUSTOMER_TOKEN_SECRET'),
    customerTokenAudience: text(merged, 'CUSTOMER_TOKEN_AUDIENCE', 'aicc-gateway'),
    customerTokenRequireAudience: oneOf(merged, 'CUSTOMER_TOKEN_REQUIRE_AUDIENCE', 'off', ['on', 'off'] as const) === 'on',
    visitors: oneOf(merged, 'VISITORS', 'on', ['on', 'off'] as const) === 'on',
    visitorTokenTtlSeconds: integer(merged, 'VISITOR_TOKEN_TTL', 86_400, 60, 86_400 * 365),
    visitorRateLimit: integer(merged, 'VISITOR_RATE_LIMIT', 20, 1, 1_000_000),
    historyTtlMs: duration(merged, 'HISTORY_TTL', 7 * DAY_MS),
    heartbeatMs: integer(merged, 'HEARTBEAT_MS', 25_000, 1000, 600_000),
    streamBufferBytes: integer(merged, 'STREAM_BUFFER_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    slowConsumerMs: integer(merged, 'SLOW_CONSUMER_MS', 10_000, 10, 600_000),
    trustProxy: oneOf(merged, 'TRUST_PROXY', 'off', ['on', 'off'] as const) === 'on',
    allowedOrigins: origins(merged),
    aicc: aiccSettings(merged),
    uploadMaxBytes: integer(merged, 'UPLOAD_MAX_BYTES', 10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    mediaCacheBytes: integer(merged, 'MEDIA_CACHE_BYTES', 512 * 1024 * 1024, 1024 * 1024, Number.MAX_SAFE_INTEGER),
    maxConnectionsPerCustomer: integer(merged, 'MAX_CONNECTIONS_PER_CUSTOMER', 10, 1, 10_000),
    pushRateLimit: integer(merged, 'PUSH_RATE_LIMIT', 2000, 1, 10_000_000),
    clientRateLimit: integer(merged, 'CLIENT_RATE_LIMIT', 50, 1, 10_000_000),
    tokenRateLimit: integer(merged, 'TOKEN_RATE_LIMIT', 60, 1, 10_000_000),
    messageMaxChars: integer(merged, 'MESSAGE_MAX_CHARS', MAX_CONTENT_LENGTH, 1, MAX_CONTENT_LENGTH),
    tls: tlsFiles(merged),
    metricsToken: merged.METRICS_TOKEN?.trim() || undefined,
  };
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

function text(env: Env, name: string, fallback: string): string {
  return env[name]?.trim() || fallback;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
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
    locale: text(env, 'AICC_LOCALE', 'en'),
    timeoutMs: integer(env, 'AICC_TIMEOUT_MS', 10_000, 100, 600_000),
    sendAsync: oneOf(env, 'AICC_SEND_ASYNC', 'on', ['on', 'off'] as const) === 'on',
    downlink: oneOf(env, 'AICC_DOWNLINK', 'push', ['push', 'poll'] as const),
    queuePollMs: integer(env, 'QUEUE_POLL_MS', 3000, 10, 600_000),
    pollIdleMs: integer(env, 'POLL_IDLE_MS', 600_000, 1000, 86_400_000),
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
function duration(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const match = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(raw);
  if (!match || Number(match[1]) <= 0) {
    throw new ConfigError(`${name} must be a duration such as 7d, 12h, 30m or 45s, got "${raw}"`);
  }
  return Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']!;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
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

function optionalSecret(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (raw.length < 32) throw new ConfigError(`${name} must be at least 32 characters long`);
  return raw;
}

/** Parses "key:secret[,key2:secret2]". The secret may itself contain colons; the key may not. */
function credentialList(env: Env, name: string, shape: string): Map<string, string> {
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
