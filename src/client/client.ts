// The client's state machine: one connection at a time (WebSocket or SSE), resumed after `lastSeq` whenever it
// ends, until the user closes it. Every end of a connection goes through `#ended`, the one place that decides
// what comes next (with the pure `afterClose` and `nextDelay`).

import { Emitter } from './emitter.js';
import { TransportChoice } from './fallback.js';
import { endpoint, getJson, type Body, type Query } from './http.js';
import { silenceLimitMs, watchNetwork } from './network.js';
import { afterClose, CLOSE, nextDelay, type EndCause, type ReconnectPolicy, type RetryState } from './reconnect.js';
import { sendRetryPolicy, withSendRetry, type SendRetryPolicy } from './sendRetry.js';
import { openSse } from './sse.js';
import { describe, TokenSource } from './token.js';
import type { Transport } from './transport.js';
import {
  GatewayClientError,
  type ClientEvents,
  type ClientOptions,
  type ConnectionState,
  type AgentsAnswer,
  type ConversationAnswer,
  type FetchFunction,
  type HelloFrame,
  type HistoryPage,
  type MessageFrame,
  type OutgoingMessage,
  type SendAnswer,
  type UploadAnswer,
  type MediaLink,
  type RobotFeedback,
  type SuggestionsAnswer,
  type Survey,
  type SurveyAnswer,
  type ServerFrame,
  type TransportName,
  type WebSocketConstructor,
} from './types.js';
import { openWebSocket } from './websocket.js';

/** One try at a connection, from asking for a token to its end. Callbacks of a past attempt are ignored. */
interface Attempt {
  /** What was sent as `since`. */
  since: number;
  token?: string;
  transport?: Transport;
  hello?: HelloFrame;
  connectedAt: number;
  /** The next message may skip ahead: the first one of a fresh start, or after a truncation. */
  gapAllowed: boolean;
  /** Waits for the hello, then for any frame (the heartbeat watchdog). */
  watchdog?: ReturnType<typeof setTimeout>;
  /** When the last frame came (set once the hello came): the watchdog looks at it when it fires. */
  heardAt: number;
  /** The transport it uses. */
  kind: TransportName;
  /** While SSE stands in for WebSocket: when to try WebSocket again. */
  retryTimer?: ReturnType<typeof setTimeout>;
  /** The gateway's `reconnect` frame: it is about to close on purpose, come back after this many ms. */
  advisedMs?: number;
}

export interface HistoryQuery {
  /** Messages after this seq, oldest first. */
  since?: number;
  /** The newest messages before this seq (oldest first); `'latest'`: the newest of all. */
  before?: number | 'latest';
  /** At most this many (the gateway's default is 100, its maximum 1000). */
  limit?: number;
}

export class GatewayClient extends Emitter<ClientEvents> {
  readonly #transports: TransportChoice;
  #state: ConnectionState = 'disconnected';
  /** The recovery position: the highest seq handed to `message` listeners. */
  #lastSeq: number;
  /** The seq of the last conversation state handed to `state` listeners (-1: none yet). */
  #stateSeq = -1;
  #attempt: Attempt | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The backoff step and the steady retries after a close on purpose (see reconnect.ts, nextDelay). */
  #retry: RetryState = { step: 0, advisedAt: undefined };
  /** The lastSeq at which a gap was last seen: seen twice, it is accepted rather than chased forever. */
  #gapAt: number | undefined;
  /** Token refusals (4001) in a row: a second one waits before trying again. */
  #refusals = 0;
  readonly #tokens: TokenSource;
  readonly #url: string;
  /** The stream's WebSocket URL without its query, built once rather than at every connection. */
  readonly #webSocketStreamUrl: string;
  readonly #WebSocket: WebSocketConstructor | undefined;
  readonly #fetch: FetchFunction | undefined;
  readonly #policy: ReconnectPolicy;
  readonly #stableAfterMs: number;
  readonly #connectTimeoutMs: number;
  readonly #sendRetry: SendRetryPolicy;
  /** Stops listening to the browser's `offline`/`online` events (while the client is not closed). */
  #unwatchNetwork: (() => void) | undefined;

  constructor(options: ClientOptions) {
    super();
    if (options.token === undefined && options.getToken === undefined) throw new TypeError('give a token or getToken');
    this.#url = endpoint(options.url, '').href; // checks the URL now rather than at the first connection
    this.#webSocketStreamUrl = endpoint(this.#url, '/v1/stream', {}, 'ws').href;
    const preferred = options.transport ?? 'websocket';
    this.#lastSeq = options.since ?? 0;
    this.#tokens = new TokenSource(options.token, options.getToken, options.tokenRefreshMarginMs ?? 30_000);
    const globals = globalThis as { WebSocket?: WebSocketConstructor; fetch?: FetchFunction };
    this.#WebSocket = options.WebSocket ?? globals.WebSocket;
    this.#fetch = options.fetch ?? globals.fetch?.bind(globalThis);
    this.#policy = {
      minMs: options.minReconnectDelayMs ?? 300,
      visibleMinMs: options.minReconnectDelayMs ?? VISIBLE_MIN_RECONNECT_DELAY_MS,
      maxMs: options.maxReconnectDelayMs ?? 20_000,
      steadyMs: options.steadyReconnectDelayMs ?? 500,
      steadyForMs: options.steadyReconnectForMs ?? 15_000,
      quickMaxMs: Math.min(options.maxReconnectDelayMs ?? 20_000, QUICK_MAX_RECONNECT_DELAY_MS),
      quickForMs: QUICK_RECONNECT_FOR_MS,
    };
    this.#stableAfterMs = options.stableAfterMs ?? 10_000;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#sendRetry = sendRetryPolicy(options.sendRetry);
    if (preferred === 'websocket' && !this.#WebSocket) {
      throw new TypeError("no WebSocket here: pass options.WebSocket (in Node 20, `ws`'s WebSocket) or use transport 'sse'");
    }
    if (preferred === 'sse' && !this.#fetch) throw new TypeError('no fetch here: pass options.fetch');
    const fallback = options.fallback === false || !this.#fetch ? undefined : options.fallback ?? {};
    this.#transports = new TransportChoice(
      preferred,
      fallback && { afterFailures: fallback.afterFailures ?? 3, retryWebSocketAfterMs: fallback.retryWebSocketAfterMs ?? 60_000 },
    );
  }

  /** The transport in use now (or for the next connection): `websocket`, or `sse` (preferred, or the fallback). */
  get transport(): TransportName {
    return this.#transports.current;
  }

  /** disconnected (not started, or waiting to reconnect), connecting, connected, or closed (until `connect()`). */
  get connectionState(): ConnectionState {
    return this.#state;
  }

  /** The highest seq delivered; a later connection resumes after it. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * Starts connecting; when waiting to reconnect, reconnects now. `since`: the app already has everything up to
   * this seq (a history page it read first), so resume after it rather than after `lastSeq` when it is higher.
   */
  connect(since?: number): void {
    if (this.#state === 'connecting' || this.#state === 'connected') return;
    if (since !== undefined && since > this.#lastSeq) this.#lastSeq = since;
    if (this.#state === 'closed') this.#retry = { step: 0, advisedAt: undefined };
    this.#unwatchNetwork ??= watchNetwork({
      // The browser knows first: end the connection now (the gateway is told nothing it needs).
      offline: () => this.#attempt && this.#ended(this.#attempt, CLOSE.ABNORMAL, 'the browser went offline'),
      // Back online: reconnect now rather than at the end of a backoff delay grown while offline.
      online: () => this.#state === 'disconnected' && this.connect(),
    });
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    void this.#open();
  }

  /** Closes the connection for good: no reconnect until `connect()` is called again. */
  close(): void {
    const was = this.#state;
    if (was === 'closed') return;
    const started = this.#attempt !== undefined || this.#retryTimer !== undefined;
    this.#drop();
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#unwatchNetwork?.();
    this.#unwatchNetwork = undefined;
    this.#state = 'closed';
    if (started) this.emit('disconnected', { code: CLOSE.NORMAL, reason: 'closed by the client', willReconnect: false });
  }

  /** GET /v1/messages: stored messages after `since`, or the newest ones before `before`. */
  history(query: HistoryQuery = {}): Promise<HistoryPage> {
    const before = query.before === 'latest' ? '' : query.before;
    return this.#get<HistoryPage>('/v1/messages', { since: query.since, before, limit: query.limit });
  }

  /** GET /v1/conversation: the conversation's state and the newest seq. */
  conversation(): Promise<ConversationAnswer> {
    return this.#get<ConversationAnswer>('/v1/conversation', {});
  }

  /**
   * POST /v1/messages: the customer's message, up to AICC. It is stored first (every tab receives it as a `message`
   * with sourceType CUSTOMER, pending); its fate follows as a STATUS message (sent, or failed with the reason).
   * Sending again with the same clientMessageId is the retry: never shown twice, never sent twice once sent.
   */
  send(message: OutgoingMessage): Promise<SendAnswer> {
    const clientMessageId = message.clientMessageId ?? newMessageId();
    // A 502/503/504 or a lost answer is tried again with the same clientMessageId (sendRetry.ts), until close().
    return withSendRetry(
      () => this.#post<Omit<SendAnswer, 'clientMessageId'>>('/v1/messages', { json: { ...message, clientMessageId } }),
      this.#sendRetry,
      () => this.#state !== 'closed',
    ).then((answer) => ({ ...answer, clientMessageId }));
  }

  /** POST /v1/transfer: the customer asks for a human agent (TRANS2AGENT). */
  transfer(clientMessageId = newMessageId()): Promise<SendAnswer> {
    return this.#post<Omit<SendAnswer, 'clientMessageId'>>('/v1/transfer', { json: { clientMessageId } }).then((answer) => ({
      ...answer,
      clientMessageId,
    }));
  }

  /**
   * POST /v1/end: the customer ends the conversation (DISCONNECT to AICC). Every tab hears the `ended` state;
   * the satisfaction survey (`survey()`) follows. Ending a conversation that has ended already changes nothing.
   */
  end(clientMessageId = newMessageId()): Promise<SendAnswer> {
    return this.#post<Omit<SendAnswer, 'clientMessageId'>>('/v1/end', { json: { clientMessageId } }).then((answer) => ({
      ...answer,
      clientMessageId,
    }));
  }

  /** GET /v1/agents: whether agents are at work now, as far as the gateway has heard from AICC. */
  agents(): Promise<AgentsAnswer> {
    return this.#get<AgentsAnswer>('/v1/agents', {});
  }

  /** POST /v1/leave-message: a message for the agents when none is available (outside working hours, offline). */
  async leaveMessage(message: string, phone: string): Promise<void> {
    // AICC's doLeaveMessage requires the caller's number (docs/aicc.md §5).
    await this.#post<unknown>('/v1/leave-message', { json: { message, phone } });
  }

  /** GET /v1/survey: the tenant's satisfaction survey (after the conversation); `language` e.g. "zh_CN". */
  survey(options: { language?: string } = {}): Promise<Survey> {
    return this.#get<Survey>('/v1/survey', { language: options.language });
  }

  /**
   * POST /v1/survey: the customer's answer (level 1–5, and NPS 0–9 and resolved when the survey asks them), once
   * per conversation: a second answer is refused (409), and every tab hears a SURVEY message once AICC took it.
   */
  async saveSurvey(answer: SurveyAnswer): Promise<void> {
    await this.#post<unknown>('/v1/survey', { json: answer });
  }

  /** POST /v1/typing: the customer is typing (sent up at most every 2 s by the gateway). */
  async typing(): Promise<void> {
    await this.#post<void>('/v1/typing', { json: {} });
  }

  /** POST /v1/read: the customer has seen everything up to `seq`. */
  async markRead(seq: number): Promise<void> {
    await this.#post<void>('/v1/read', { json: { seq } });
  }

  /**
   * POST /v1/robot-feedback: rates one of the robot's answers, named by the `interIdx` its message carried. A
   * `comment` (at most 64 characters) is required when the answer did not help.
   */
  async rateRobotAnswer(interIdx: string, rating: Omit<RobotFeedback, 'interIdx'>): Promise<void> {
    const { satisfied, comment } = rating;
    await this.#post<unknown>('/v1/robot-feedback', { json: comment === undefined ? { interIdx, satisfied } : { interIdx, satisfied, comment } });
  }

  /**
   * GET /v1/suggestions: up to 5 phrases the robot suggests for what the customer has typed so far (none once an
   * agent answers). `locale` (e.g. "zh_CN") defaults to the gateway's AICC_LOCALE.
   */
  async suggestions(text: string, options: { locale?: string } = {}): Promise<string[]> {
    const answer = await this.#get<SuggestionsAnswer>('/v1/suggestions', { q: text, locale: options.locale });
    return answer.suggestions;
  }

  /** POST /v1/uploads: a file for AICC; send the answer with `send({ kind: 'file', ...answer })`. */
  upload(bytes: Blob | ArrayBuffer | Uint8Array, type: string, fileName: string): Promise<UploadAnswer> {
    return this.#post<UploadAnswer>(`/v1/uploads?name=${encodeURIComponent(fileName)}`, { bytes, type });
  }

  /**
   * GET /v1/media/:id/link: an absolute URL for <img src>, <audio> or a download link that opens this one
   * picture, recording or document for a few minutes, with no token in it. Ask again once it has expired.
   */
  async mediaLink(id: string): Promise<MediaLink> {
    const link = await this.#get<MediaLink>(`/v1/media/${encodeURIComponent(id)}/link`, {});
    const [path, search] = link.url.split('?') as [string, string | undefined];
    const url = endpoint(this.#url, path);
    url.search = search ?? '';
    return { url: url.href, expiresAt: link.expiresAt };
  }

  #get<T>(path: string, query: Query): Promise<T> {
    if (!this.#fetch) return Promise.reject(new TypeError('no fetch here: pass options.fetch'));
    return getJson<T>(this.#fetch, endpoint(this.#url, path, query), this.#tokens);
  }

  #post<T>(pathAndQuery: string, body: Body): Promise<T> {
    if (!this.#fetch) return Promise.reject(new TypeError('no fetch here: pass options.fetch'));
    const [path, search] = pathAndQuery.split('?') as [string, string | undefined];
    const url = endpoint(this.#url, path, Object.fromEntries(new URLSearchParams(search ?? '')));
    return getJson<T>(this.#fetch, url, this.#tokens, body);
  }

  async #open(): Promise<void> {
    const retry = this.#transports.beforeAttempt();
    if (retry) this.emit('transport', { transport: retry.to, reason: retry.reason });
    const attempt: Attempt = { since: this.#lastSeq, connectedAt: 0, heardAt: 0, gapAllowed: this.#lastSeq === 0, kind: this.transport };
    this.#attempt = attempt;
    this.#state = 'connecting';
    let token: string;
    try {
      token = await this.#tokens.fresh();
    } catch (error) {
      const failure = error instanceof GatewayClientError ? error : new GatewayClientError('TOKEN_REFRESH_FAILED', describe(error));
      this.#ended(attempt, CLOSE.TOKEN_REFUSED, failure.message, failure);
      return;
    }
    if (this.#attempt !== attempt) return; // closed (or restarted) while we waited for the token
    attempt.token = token;
    attempt.watchdog = setTimeout(
      () => this.#ended(attempt, CLOSE.ABNORMAL, `no hello within ${this.#connectTimeoutMs} ms`),
      this.#connectTimeoutMs,
    );
    const handlers = {
      frame: (text: string) => this.#received(attempt, text),
      close: (code: number, reason: string) => this.#ended(attempt, code, reason),
    };
    if (attempt.kind === 'sse') {
      const url = endpoint(this.#url, '/v1/stream', { since: attempt.since || undefined });
      attempt.transport = openSse(url, token, attempt.since, this.#fetch!, handlers);
    } else {
      // A string, not a URL object: a URL built, changed and read at every connection was a cost of each reconnect.
      const since = attempt.since ? `&since=${attempt.since}` : '';
      const url = `${this.#webSocketStreamUrl}?token=${encodeURIComponent(token)}${since}`;
      attempt.transport = openWebSocket(url, this.#WebSocket!, handlers);
    }
  }

  /** An attempt ended (by the gateway, the network, a watchdog or a failed token): decides what comes next. */
  #ended(attempt: Attempt, code: number, reason: string, failure?: GatewayClientError): void {
    if (this.#attempt !== attempt) return;
    this.#drop();
    if (attempt.hello && Date.now() - attempt.connectedAt >= this.#stableAfterMs) this.#retry.step = 0;
    const switched = !attempt.hello && !failure && code !== CLOSE.TOKEN_REFUSED ? this.#transports.failedBeforeHello() : undefined;
    if (switched) {
      // A new transport: its first attempt starts the backoff afresh.
      this.#retry.step = 0;
      this.emit('transport', { transport: switched.to, reason: switched.reason });
      if (this.#attempt !== undefined || this.#state === 'closed') return; // a listener closed or reconnected
    }

    const next = failure ? { kind: 'reconnect' as const, delay: 'backoff' as const } : afterClose(code, this.#tokens.canRefresh);
    if (next.kind === 'stop') {
      this.#state = 'closed';
      this.emit('disconnected', { code, reason, willReconnect: false });
      const message =
        next.error === 'TOKEN_REFUSED'
          ? `the gateway refused the token (${reason})`
          : next.error === 'REFUSED'
            ? `the gateway refused the connection (${code}: ${reason})`
            : `the gateway could not read a frame (${reason})`;
      this.emit('error', new GatewayClientError(next.error, message));
      return;
    }
    let delay = 0;
    if (next.kind === 'refresh-token') {
      if (attempt.token !== undefined) this.#tokens.refused(attempt.token);
      this.#refusals += 1;
      if (this.#refusals > 1) delay = this.#delay({ kind: 'failed' });
    } else if (next.delay === 'advised') {
      delay = this.#delay({ kind: 'advised', afterMs: attempt.advisedMs });
    } else if (next.delay === 'backoff' || this.#lastSeq === attempt.since) {
      // 'now' (a slow consumer) only while each connection gets further than the one before.
      delay = this.#delay({ kind: 'failed' });
    }
    // State and timer first: a listener below may call close() or connect().
    this.#state = 'disconnected';
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#open();
    }, delay);
    this.emit('disconnected', { code, reason, willReconnect: true, reconnectInMs: delay });
    if (failure) this.emit('error', failure);
  }

  #delay(cause: EndCause): number {
    const next = nextDelay(this.#retry, cause, Date.now(), pageVisible(), this.#policy);
    this.#retry = next.state;
    return next.delayMs;
  }

  /** Forgets the current attempt and closes its transport, without calling back. */
  #drop(): void {
    const attempt = this.#attempt;
    if (!attempt) return;
    this.#attempt = undefined;
    clearTimeout(attempt.watchdog);
    clearTimeout(attempt.retryTimer);
    attempt.transport?.close();
  }

  #received(attempt: Attempt, text: string): void {
    if (this.#attempt !== attempt) return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
      if (typeof frame !== 'object' || frame === null || typeof frame.type !== 'string') throw new TypeError('no type');
    } catch {
      this.emit('error', new GatewayClientError('BAD_FRAME', `unreadable frame: ${text.slice(0, 200)}`));
      return;
    }
    // The watchdog reads this when it fires: no timer cleared and set again at every frame.
    if (attempt.hello) attempt.heardAt = Date.now();
    switch (frame.type) {
      case 'hello':
        return this.#hello(attempt, frame);
      case 'message':
        return this.#message(attempt, frame);
      case 'state':
        if (frame.seq > this.#stateSeq) {
          this.#stateSeq = frame.seq;
          this.emit('state', { seq: frame.seq, state: frame.state });
        }
        return;
      case 'typing':
        return this.emit('typing', { message: frame.message });
      case 'queue':
        return this.emit('queue', { position: frame.position, estimateWaitSeconds: frame.estimateWaitSeconds });
      case 'reconnect':
        if (typeof frame.afterMs === 'number') attempt.advisedMs = frame.afterMs;
        return;
      default:
        // heartbeat and pong only feed the watchdog; unknown types are for newer clients.
        return;
    }
  }

  #hello(attempt: Attempt, hello: HelloFrame): void {
    if (attempt.hello) return;
    attempt.hello = hello;
    attempt.connectedAt = Date.now();
    this.#refusals = 0;
    this.#retry.advisedAt = undefined;
    this.#watch(attempt, hello.heartbeatMs);
    if (hello.lastSeq < this.#lastSeq) {
      // Sequence numbers are never reused, so the gateway lost its store: follow its numbering from here.
      this.emit('error', new GatewayClientError('SEQ_REWOUND', `the gateway's newest seq is ${hello.lastSeq}, below ours (${this.#lastSeq})`));
      this.#lastSeq = hello.lastSeq;
      this.#stateSeq = -1;
      attempt.gapAllowed = true;
    }
    if (hello.truncated) attempt.gapAllowed = true;
    this.#state = 'connected';
    this.#transports.connected();
    const untilRetry = this.#transports.untilRetry();
    if (untilRetry !== undefined) {
      // SSE stands in for WebSocket: after a while, end this connection and try WebSocket (resuming by seq).
      attempt.retryTimer = setTimeout(() => this.#ended(attempt, CLOSE.NORMAL, 'trying WebSocket again'), untilRetry);
    }
    this.emit('connected', { transport: attempt.kind, since: attempt.since });
    if (this.#attempt !== attempt) return;
    this.emit('hello', hello);
    if (this.#attempt === attempt && hello.state && hello.state.seq > this.#stateSeq) {
      this.#stateSeq = hello.state.seq;
      this.emit('state', { seq: hello.state.seq, state: hello.state });
    }
  }

  #message(attempt: Attempt, frame: MessageFrame): void {
    if (!Number.isSafeInteger(frame.seq)) {
      this.emit('error', new GatewayClientError('BAD_FRAME', `a message frame without a seq: ${JSON.stringify(frame).slice(0, 200)}`));
      return;
    }
    if (frame.seq <= this.#lastSeq) return; // seen already (a replay overlapping what we had)
    if (frame.seq !== this.#lastSeq + 1 && !attempt.gapAllowed && this.#gapAt !== this.#lastSeq) {
      // The protocol promises no gap: resume from what we have rather than skip a message. If the resumed
      // connection shows the same gap, the gateway no longer has those messages: go on without them.
      this.#gapAt = this.#lastSeq;
      this.emit('error', new GatewayClientError('GAP', `expected seq ${this.#lastSeq + 1}, got ${frame.seq}; resuming to fill it`));
      this.#ended(attempt, CLOSE.ABNORMAL, 'gap in the sequence');
      return;
    }
    attempt.gapAllowed = false;
    this.#lastSeq = frame.seq;
    this.emit('message', { seq: frame.seq, message: frame.message, storedAt: frame.storedAt });
  }

  /** Reconnects when nothing is heard for one heartbeat interval and a margin (network.ts, protocol.md `heartbeat`). */
  #watch(attempt: Attempt, heartbeatMs: number): void {
    clearTimeout(attempt.watchdog);
    attempt.watchdog = undefined;
    if (!(heartbeatMs > 0)) return;
    const limitMs = silenceLimitMs(heartbeatMs);
    attempt.heardAt = Date.now();
    const check = () => {
      if (this.#attempt !== attempt) return;
      const silentMs = Date.now() - attempt.heardAt;
      if (silentMs >= limitMs) this.#ended(attempt, CLOSE.ABNORMAL, 'no heartbeat in time');
      else attempt.watchdog = setTimeout(check, limitMs - silentMs);
    };
    attempt.watchdog = setTimeout(check, limitMs);
  }
}

/**
 * The failure backoff's floor while the page is visible (someone is waiting for the chat to come back); 300 ms
 * (`minMs`) while it is hidden. README, "Reconnect storms and restarts", has the measurement behind it.
 */
const VISIBLE_MIN_RECONNECT_DELAY_MS = 100;

/**
 * While the page is visible, the failure backoff grows to at most 2 s for its first 30 s, then to `maxMs`: after a
 * crash the node is usually back in a few seconds, and a customer should not wait a 6–20 s step once it answers.
 * README, "Reconnect storms and restarts", has the measurement.
 */
const QUICK_MAX_RECONNECT_DELAY_MS = 2_000;
const QUICK_RECONNECT_FOR_MS = 30_000;

/** Whether a person may be looking: a page not hidden, or no page at all (Node). */
function pageVisible(): boolean {
  return (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState !== 'hidden';
}

/** A clientMessageId: random, 1–64 characters of [A-Za-z0-9._:-] as the gateway requires. */
function newMessageId(): string {
  const random = globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `m-${random}`;
}
