// The composition root: builds the parts from the configuration and wires them together. No logic of its own.

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { hostname } from 'node:os';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createAccessTokens } from './aicc/accessTokens.js';
import { AICC_PATHS } from './aicc/api.js';
import { createAuthV2Verifier, type PushSignatureVerifier } from './aicc/authV2.js';
import type { Config } from './config.js';
import { observeAppendFailures, observeAppends } from './engine/observe.js';
import { openEngine, type OpenedEngine } from './engine/open.js';
import type { Engine } from './engine/types.js';
import websocket from '@fastify/websocket';
import { createCustomerTokens, type CustomerIdentity } from './delivery/identity.js';
import { customerRoutes } from './delivery/customerRoutes.js';
import { startRetention, type Retention } from './delivery/retention.js';
import { streamRoute } from './delivery/streamRoute.js';
import type { StreamSession } from './delivery/streamSession.js';
import { answerClientError, answerFrameworkError, installAnswers } from './http/answers.js';
import { MediaCache } from './delivery/mediaCache.js';
import { mediaRoute } from './delivery/mediaRoute.js';
import { createMediaUrls } from './delivery/mediaUrls.js';
import { buildAiccSide } from './aiccSide.js';
import { uplinkFrames } from './uplink/frames.js';
import { uplinkRoutes } from './uplink/routes.js';
import { robotRoutes } from './uplink/robotRoutes.js';
import { installCors } from './http/cors.js';
import { healthRoutes } from './ops/healthRoutes.js';
import { installDrain } from './http/drain.js';
import { installJsonBody } from './http/jsonBody.js';
import { acceptedRequestId, installRequestLog } from './http/requestLog.js';
import { lazyChildLogger } from './http/requestLogger.js';
import { describeValidationErrors } from './http/validation.js';
import { pushRoutes } from './ingest/pushRoutes.js';
import { tokenRoute } from './ingest/tokenRoute.js';
import { installClientLimits } from './http/clientLimits.js';
import { rawClientAddress, trustedPeer, trustProxyOption } from './http/clientAddress.js';
import { capConnectionsPerAddress, serverTimeouts } from './http/connections.js';
import { installSecurityHeaders, securityHeaders } from './http/securityHeaders.js';
import { compileOnFirstUse } from './lazyValidation.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import type { TransportName } from './protocol/index.js';
import { metricsRoute } from './ops/metricsRoute.js';
import { openApi } from './observability/openApi.js';
import { OpsJournal } from './ops/journal.js';
import { createReadiness } from './ops/readiness.js';
import { OPS_BEARER_PER_MINUTE, opsRoutes, SIGN_IN_PER_MINUTE } from './ops/routes.js';
import { widgetRoutes } from './delivery/widgetRoutes.js';
import {
  LEFT_MESSAGES_PER_CUSTOMER, MEDIA_URL_TTL_SECONDS, PATH_PARAM_MAX_LENGTH, RATE_WINDOW_MS, RATINGS_PER_ANSWER, SUGGESTIONS_PER_CUSTOMER,
} from './limits.js';
import { openSigningKeys } from './secrets/open.js';

export interface Gateway {
  app: FastifyInstance;
  engine: Engine;
  retention: Retention;
  metrics: Metrics;
  /** What the operator page shows of this node's recent past. */
  journal: OpsJournal;
  /** The customer streams open now. */
  streams: ReadonlySet<StreamSession>;
  /** Stops accepting, lets requests under way finish, then closes the store. */
  close(): Promise<void>;
}

/** Parts a program embedding the gateway may supply in place of the built-in ones. */
export interface GatewayParts {
  /**
   * Checks the webhook's auth-v2 signature. Built in: our documented five-part scheme with AICC_PUSH_KEYS
   * (src/aicc/authV2.ts). Huawei's own algorithm, once known, plugs in here (docs/aicc.md §3).
   */
  pushVerifier?: PushSignatureVerifier;
  /**
   * Serve the demo shop at GET / (`aicc-gateway demo` does). Off in production: anyone who opened the gateway's
   * address would otherwise chat with the company's contact centre on a made-up brand's page.
   */
  demoPage?: boolean;
  /**
   * The store, already being opened from this configuration (openEngine): the command line starts that first, so
   * the writer thread's start overlaps with loading the server's modules instead of following it.
   */
  opening?: Promise<OpenedEngine>;
}

export async function buildServer(config: Config, log: Logger, parts: GatewayParts = {}): Promise<Gateway> {
  // SQLite in DATA_DIR, or Redis when REDIS_URL is set (then the signing secret, the limits and the jobs are
  // shared through Redis too).
  const { engine: store, limits, jobs } = await (parts.opening ?? openEngine(config, log.child({ part: 'store' })));
  const keys = await openSigningKeys(config).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const streams = new Set<StreamSession>();
  const journal = new OpsJournal();
  const connectionCaps = limits.connections(config.maxConnectionsPerCustomer);
  const addressCaps = limits.connections(config.maxConnectionsPerAddress, 'address');
  const timeouts = serverTimeouts(config);
  const readiness = createReadiness({ engine: store, failureWindowMs: config.readyzFailureWindowMs });
  const metrics = createMetrics({
    connectedClients: () => countByTransport(streams),
    ping: async () => {
      const reason = await readiness.notReadyReason();
      if (reason !== undefined) throw new Error(reason);
    },
    info: { node: `${hostname()}/${process.pid}`, engine: config.redisUrl ? 'redis' : 'sqlite', uplink: config.aicc !== undefined },
  });
  // The one engine every route uses. The conversation's parts write through it and hear of every append; the
  // appends the store could not take are counted (metrics, the operator page) and take the node out (readiness).
  const engine = observeAppends(
    observeAppendFailures(
      store,
      (err) => {
        metrics.storeWriteFailures.inc();
        journal.recordStoreFailure(err);
        readiness.writeFailed();
      },
      () => readiness.writeSucceeded(),
    ),
  );
  const aiccSide = await buildAiccSide({
    settings: config.aicc,
    engine,
    jobs,
    log,
    onUplink: (result, failure) => {
      metrics.uplink.inc({ result });
      if (!failure) return;
      metrics.uplinkFailures.inc({ reason: failure.code });
      journal.recordUplinkFailure(failure);
    },
    onAiccAttempt: (path, outcome) => metrics.aiccCalls.inc({ api: path.slice(path.lastIndexOf('/') + 1), outcome }),
  });
  engine.onAppended(aiccSide.onAppended);
  const { uplink, calls, aicc, agentHours } = aiccSide;
  const mediaCache = new MediaCache(join(config.dataDir, 'media'), config.mediaCacheBytes, config.mediaCacheEntries);
  const tokens = createAccessTokens({ apps: config.apps, key: keys.accessTokens });
  const verifier = parts.pushVerifier ?? createAuthV2Verifier({ pushKeys: config.pushKeys });
  const customerTokens = createCustomerTokens({
    customerSecret: config.customerTokenSecret,
    audience: config.customerTokenAudience,
    requireAudience: config.customerTokenRequireAudience,
    visitorKey: keys.visitorTokens,
    visitorTtlSeconds: config.visitorTokenTtlSeconds,
    sendsToAicc: config.aicc !== undefined,
  });

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    // Media ids (AICC resource ids, uploads' objectKeys) travel as a path parameter and may exceed Fastify's 100.
    routerOptions: { maxParamLength: PATH_PARAM_MAX_LENGTH },
    // A caller's X-Request-Id is kept (it ties our line to theirs) only when short and plain; else one is made.
    requestIdHeader: false,
    genReqId: (req) => acceptedRequestId(req.headers['x-request-id']) ?? randomUUID(),
    // request.log is made when a request logs a line of its own, not for every request.
    childLoggerFactory: lazyChildLogger,
    // Never coerce: a number where a string belongs is refused, not silently rewritten before it is stored.
    // Each route's schemas are compiled on its first request, not at start (lazyValidation.ts).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false }, onCreate: compileOnFirstUse },
    schemaErrorFormatter: describeValidationErrors,
    // The router's and the HTTP parser's refusals in our shape too ({resultCode, resultDesc}).
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // Off: while draining, http/drain.ts answers in the documented shape (and the SSE stream in its own way).
    return503OnClosing: false,
    // Our own one line per request (http/requestLog.ts) replaces Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: trustProxyOption(config.trustProxy),
    // Node's timeouts are options of the server it creates (http, or https with the TLS files).
    ...timeouts,
    ...(config.tls ? { https: { ...config.tls, ...timeouts } } : { http: timeouts }),
  }) as unknown as FastifyInstance;
  // First: a connection over its address's cap serves no request at all.
  const connectionAdmitted = capConnectionsPerAddress(app, {
    caps: addressCaps,
    trustedPeer: trustedPeer(config.trustProxy),
    onRefused: () => metrics.refusals.inc({ reason: 'TOO_MANY_CONNECTIONS' }),
  });
  installAnswers(app, metrics, () => readiness.writeFailed());
  installRequestLog(app);
  installJsonBody(app);
  installSecurityHeaders(app, { tls: config.tls !== undefined });
  // One limiter for a client's HTTP requests and its stream frames: the WebSocket is no way around the limit.
  const clientLimiter = limits.rate('client', { limit: config.clientRateLimit, windowMs: RATE_WINDOW_MS.client });
  installClientLimits(app, {
    customer: clientLimiter,
    token: limits.rate('token', { limit: config.tokenRateLimit, windowMs: RATE_WINDOW_MS.token }),
    tokenPath: AICC_PATHS.tokenByAkSk,
  });
  installCors(app, config.allowedOrigins);
  // After CORS, so a page on another origin can read the 503 too.
  installDrain(app);
  // Registered first, so it sees every route's TypeBox schema: the OpenAPI document is generated from them.
  await app.register(openApi);
  await app.register(healthRoutes, { readiness });
  await app.register(metricsRoute, { metrics, token: config.metricsToken });
  await app.register(tokenRoute, { tokens, ttlMaxSeconds: config.tokenTtlMax });
  await app.register(pushRoutes, {
    engine,
    tokens,
    verifier,
    timestampSkewMs: config.pushTimestampSkewMs,
    messageMaxChars: config.messageMaxChars,
    rateLimiter: limits.rate('push', { limit: config.pushRateLimit, windowMs: RATE_WINDOW_MS.push }),
    metrics,
    onPush: (record) => journal.recordPush(record),
  });
  // Upgrades to other paths than the stream's, which has its own (delivery/webSocketUpgrades.ts): routed through
  // Fastify; no route takes them, so they are closed.
  await app.register(websocket, {
    options: { maxPayload: 64 * 1024, perMessageDeflate: false },
    // "Going away" (1001), as the streams are closed (delivery/streamRoute.ts); the plugin's own default closes
    // without a code.
    preClose: async () => {
      for (const client of app.websocketServer.clients) client.close(1001, 'the gateway is shutting down');
    },
  });
  await app.register(streamRoute, {
    engine,
    sessions: streams,
    customerTokens,
    heartbeatMs: config.heartbeatMs,
    bufferBytes: config.streamBufferBytes,
    slowConsumerMs: config.slowConsumerMs,
    connectionCaps,
    allowedOrigins: config.allowedOrigins,
    metrics,
    clientFrames: uplinkFrames(uplink, calls),
    frameLimiter: clientLimiter,
    upgradeChecks: {
      connectionAdmitted,
      clientAddress: rawClientAddress(config.trustProxy),
      answerHeaders: securityHeaders({ tls: config.tls !== undefined }),
    },
    reconnectWindowMs: config.reconnectWindowMs,
    acceptQueue: config.streamAcceptQueue,
  });
  await app.register(customerRoutes, {
    engine,
    customerTokens,
    visitorLimiter: config.visitors ? limits.rate('visitor', { limit: config.visitorRateLimit, windowMs: RATE_WINDOW_MS.visitor }) : undefined,
  });
  const introduce = (identity: CustomerIdentity) => aiccSide.introduce(identity);
  await app.register(uplinkRoutes, {
    customerTokens, introduce, uplink, calls, aicc, agentHours, cache: mediaCache, uploadMaxBytes: config.uploadMaxBytes,
    leaveMessageLimiter: limits.rate('leave-message', LEFT_MESSAGES_PER_CUSTOMER),
  });
  await app.register(robotRoutes, {
    engine, customerTokens, introduce, calls, suggestionLimiter: limits.rate('suggestions', SUGGESTIONS_PER_CUSTOMER),
    ratingLimiter: limits.rate('robot-rating', RATINGS_PER_ANSWER),
  });
  await app.register(mediaRoute, {
    engine, customerTokens, cache: mediaCache,
    download: calls ? (customerId, fileId, fileType, mediaLibrary) => calls.download(customerId, fileId, fileType, mediaLibrary) : undefined,
    urls: createMediaUrls({ key: keys.mediaUrls, ttlSeconds: MEDIA_URL_TTL_SECONDS }),
    resourcePolicy: config.allowedOrigins.includes('*') ? 'cross-origin' : 'same-site',
  });
  // /widget.js, /widget.css: the chat widget (from the build); GET / the demo page in `aicc-gateway demo` only.
  await app.register(widgetRoutes, { demoPage: parts.demoPage === true });
  // GET /ops: the operator page, only when OPS_TOKEN is set (otherwise the path does not exist).
  if (config.opsToken) {
    await app.register(opsRoutes, {
      token: config.opsToken,
      signInLimiter: limits.rate('ops-sign-in', { limit: SIGN_IN_PER_MINUTE, windowMs: 60_000 }),
      bearerLimiter: limits.rate('ops-bearer', { limit: OPS_BEARER_PER_MINUTE, windowMs: 60_000 }),
      journal,
      engine,
      connections: () => streams,
      session: (customerId) => aiccSide.session(customerId),
      settings: config.inForce,
      engineKind: config.redisUrl ? 'redis' : 'local',
    });
  }
  const retention = startRetention({ engine, ttlMs: config.historyTtlMs, log: app.log });

  if (config.apps.size === 0) {
    log.warn(
      'no app may push yet: set AICC_APPS="appKey:appSecret" (several separated by commas) and restart; ' +
        'AICC then calls POST /apigovernance/api/oauth/tokenByAkSk with them to get the AccessToken for pushMsg',
    );
  }
  if (config.customerTokenSecret && config.customerTokenRequireAudience) {
    log.info(
      `customer tokens must name aud "${config.customerTokenAudience}" (CUSTOMER_TOKEN_AUDIENCE); tokens without aud ` +
        'are refused (401). If your backend mints them without it, set CUSTOMER_TOKEN_REQUIRE_AUDIENCE=off until it ' +
        'adds the audience (README, "Upgrading")',
    );
  } else if (config.customerTokenSecret) {
    log.warn(
      'customer tokens without aud are accepted (CUSTOMER_TOKEN_REQUIRE_AUDIENCE=off): a JWT signed with ' +
        `CUSTOMER_TOKEN_SECRET for another service opens a chat. Mint tokens with aud "${config.customerTokenAudience}", ` +
        'then remove the setting',
    );
  }
  if (config.pushKeys.size > 0 && !parts.pushVerifier) {
    log.warn(
      'the webhook (POST /webhooks/v1/messages) verifies only the gateway\'s own documented auth-v2 scheme ' +
        '(five parts, HMAC-SHA256: README, "The webhook signature"). Huawei publishes no signing algorithm, so a ' +
        'push in its documented four-part form auth-v2/{accessKey}/{timestamp}/{SignedHeaders} is refused (401) ' +
        'until a verifier for it is plugged in (docs/aicc.md §3); meanwhile AICC can push through pushMsg (OAuth mode)',
    );
  }

  return {
    app,
    engine,
    metrics,
    journal,
    retention,
    streams,
    async close() {
      retention.stop();
      // Fastify closes idle keep-alive connections once, when closing starts; a connection that finishes its
      // request afterwards would otherwise hold the close open for the whole keep-alive timeout (72 s).
      const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
      }
      // The jobs running here stop and give up their leases, so other nodes take them at once.
      await jobs.close();
      await aiccSide.close();
      connectionCaps.close();
      addressCaps.close();
      await engine.close();
    },
  };
}

function countByTransport(streams: ReadonlySet<StreamSession>): Record<TransportName, number> {
  const counts: Record<TransportName, number> = { websocket: 0, sse: 0 };
  for (const session of streams) counts[session.transportKind]++;
  return counts;
}
