// The gateway's only door to AICC (docs/aicc.md §4–§6). It keeps the API Fabric AccessToken fresh,
// carries each customer's ccmessaging-token (and takes the newer one AICC may return), applies timeouts,
// retries what is safe to repeat, and turns AICC's result codes into typed errors.

import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { Agent, request, errors as undiciErrors } from 'undici';
import {
  AICC_PATHS,
  CCMESSAGING_TOKEN_HEADER,
  RESULT,
  type ApplyTokenAnswer,
  type DownloadFileStreamAnswer,
  type PollAnswer,
  type QueryHistoryAnswer,
  type QueryQueueInfoAnswer,
  type ResultAnswer,
  type SendMsgRequest,
  type SurveyModeAnswer,
  type TokenByAkSkAnswer,
  type UploadFileStreamAnswer,
} from './api.js';
import type { AiccSettings } from '../config.js';
import type { RawDownLinkMsg } from './downlink.js';

import { AiccError, QUEUE_ENDINGS, resultError, type QueueEnding } from './resultCodes.js';

export { AiccError, type AiccErrorCode, type QueueEnding } from './resultCodes.js';

/** queryQueueInfo's answer: the position while queuing, or why the customer is not queuing. */
export type QueueInfo =
  | ({ queuing: true } & QueryQueueInfoAnswer)
  | { queuing: false; reason: QueueEnding; resultCode: string };

/** A survey answer as saveSatisfaction takes it: the level, and the FCR and NPS answers when asked. */
export interface SatisfactionAnswer {
  evaluation: number;
  comment: string;
  npsScore?: number;
  resolved?: boolean;
}

/** One customer's AICC session: its ccmessaging-token, replaced in place when AICC hands out a newer one. */
export interface AiccSession {
  userId: string;
  token: string;
}

/** The settings from AICC_* (see config.ts), plus how often to try and where to log. */
export interface AiccClientOptions
  extends Pick<AiccSettings, 'baseUrl' | 'appKey' | 'appSecret' | 'channelId' | 'locale' | 'timeoutMs' | 'sendAsync'>,
    Partial<Pick<AiccSettings, 'pollMaxConcurrent'>> {
  /** Attempts for a call that is safe to repeat (including the first). */
  attempts?: number;
  log: FastifyBaseLogger;
  /** Told of each attempt's outcome: `ok`, or the error's code (metrics: did we reach AICC, and how did it answer). */
  onAttempt?: (path: string, outcome: 'ok' | AiccError['code']) => void;
}

const TOKEN_TTL_SECONDS = 3600;
const POLL_EXTRA_MS = 10_000;
/** POLL_MAX_CONCURRENT's default, for a client built without it. */
const DEFAULT_POLLS = 256;

export type Call = {
  path: string;
  method?: 'GET' | 'POST';
  body?: unknown;
  query?: Record<string, string>;
  session?: AiccSession;
  /** Whether the call may be repeated after a failure whose effect is unknown (reads are; sends are not). */
  idempotent: boolean;
  /** A long poll: it goes on the polls' own connections, so it never holds one a call waits for. */
  longPoll?: boolean;
  timeoutMs?: number;
  /** The answer's field that alone shows success when AICC sends no result code (applyToken, the file calls). */
  payload?: string;
};

export class AiccClient {
  private readonly dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  /**
   * Long polls are held by AICC for seconds each, one per conversation: on the calls' connections a few dozen
   * would take them all and every send would wait behind them. They get a pool of their own, as large as the
   * polls PollLoops lets run at once (POLL_MAX_CONCURRENT), so no poll queues here either.
   */
  private readonly pollDispatcher: Agent;
  private accessToken: { value: string; renewAt: number } | undefined;
  private renewing: Promise<string> | undefined;
  private readonly attempts: number;

  constructor(readonly options: AiccClientOptions) {
    this.attempts = options.attempts ?? 3;
    this.pollDispatcher = new Agent({ keepAliveTimeout: 30_000, connections: options.pollMaxConcurrent ?? DEFAULT_POLLS });
  }

  async applyToken(userId: string, userName = userId, locale = this.options.locale): Promise<AiccSession> {
    const answer = await this.call<ApplyTokenAnswer>({
      path: AICC_PATHS.applyToken,
      body: { userId, userName, channelId: this.options.channelId, locale },
      idempotent: true,
      payload: 'token',
    });
    if (!answer.token) throw new AiccError('UNEXPECTED', 'applyToken answered without a token');
    return { userId, token: answer.token };
  }

  /** send (or sendAsync): CONNECT, CHAT, TRANS2AGENT, INPUT, DISCONNECT, READ. A control message without
   *  content goes as `"mediaType": "TEXT", "content": ""`, as every one of Huawei's samples does (cec_05_2032). */
  async send(session: AiccSession, message: Pick<SendMsgRequest, 'controlType'> & Partial<SendMsgRequest>): Promise<void> {
    const body: SendMsgRequest = {
      channel: 'WEB',
      content: '',
      mediaType: 'TEXT',
      sourceType: 'CUSTOMER',
      from: session.userId,
      to: this.options.channelId,
      timestamp: String(Date.now()),
      ...message,
    };
    await this.call<ResultAnswer>({
      path: this.options.sendAsync ? AICC_PATHS.sendAsync : AICC_PATHS.send,
      body,
      session,
      idempotent: false,
    });
  }

  /** A long poll: AICC answers at once when it has messages, else after its own timeout (5 s by default). */
  async poll(session: AiccSession): Promise<RawDownLinkMsg[]> {
    const answer = await this.call<PollAnswer>({
      path: AICC_PATHS.poll,
      method: 'GET',
      query: { receiverId: session.userId, channel: 'WEB', isNeedRead: 'true' },
      session,
      idempotent: true,
      longPoll: true,
      timeoutMs: this.options.timeoutMs + POLL_EXTRA_MS,
    });
    return answer.downlinkMessages ?? [];
  }

  /** Uploads a customer's file (the ccmessaging-token is mandatory, cec_07_0111); answers its objectKey. */
  async uploadFile(session: AiccSession, fileType: string, bytes: Buffer): Promise<string> {
    const answer = await this.call<UploadFileStreamAnswer>({
      path: AICC_PATHS.uploadFileStream,
      body: { fileType, fileStream: bytes.toString('base64'), channel: 'WEB' },
      session,
      idempotent: true,
      payload: 'objectKey',
    });
    if (!answer.objectKey) throw new AiccError('UNEXPECTED', 'uploadFileStream answered without an objectKey');
    return answer.objectKey;
  }

  /** Downloads a file of the customer's conversation (ccmessaging-token mandatory, cec_07_0109). `fileId` is
   *  as AICC wants it: `"local/" + content` for a local file, the content itself for a media-library file. */
  async downloadFile(session: AiccSession, fileId: string, fileType: string, mediaLibrary: boolean): Promise<Buffer> {
    const answer = await this.call<DownloadFileStreamAnswer>({
      path: AICC_PATHS.downloadFileStream,
      body: { fileId, channel: 'WEB', fileType, ...(mediaLibrary ? { multiMedia: 'multiMedia' } : {}) },
      session,
      idempotent: true,
      payload: 'fileStream',
    });
    if (answer.fileStream === undefined) throw new AiccError('UNEXPECTED', 'downloadFileStream answered without a file');
    return Buffer.from(answer.fileStream, 'base64');
  }

  /** Queue position while queuing, or why the customer is not queuing (cec_07_2221's 5, 6, 160004, 160021, 160022). */
  async queueInfo(session: AiccSession): Promise<QueueInfo> {
    try {
      const answer = await this.call<QueryQueueInfoAnswer>({
        path: AICC_PATHS.queryQueueInfo,
        body: { userId: session.userId, channelConfigId: this.options.channelId, channel: 'WEB' },
        session,
        idempotent: true,
      });
      return { queuing: true, ...answer };
    } catch (err) {
      const reason = err instanceof AiccError ? QUEUE_ENDINGS[err.resultCode ?? ''] : undefined;
      if (reason) return { queuing: false, reason, resultCode: (err as AiccError).resultCode! };
      throw err;
    }
  }

  /** How the tenant surveys its customers (ccmessaging-token mandatory, cec_07_2224). */
  async surveyMode(session: AiccSession, language?: string): Promise<SurveyModeAnswer> {
    return this.call<SurveyModeAnswer>({
      path: AICC_PATHS.getSatisfactionSurveyMode,
      body: language ? { language } : {},
      session,
      idempotent: true,
    });
  }

  /** Saves the customer's survey; every value goes as the string cec_07_2226 types it. */
  async saveSatisfaction(session: AiccSession, answer: SatisfactionAnswer): Promise<void> {
    await this.call<ResultAnswer>({
      path: AICC_PATHS.saveSatisfaction,
      body: {
        satisfication: {
          channel: 'WEB',
          userId: session.userId,
          evaluation: String(answer.evaluation),
          comment: answer.comment,
          channelConfigId: this.options.channelId,
          ...(answer.npsScore !== undefined ? { npsScore: String(answer.npsScore) } : {}),
          ...(answer.resolved !== undefined ? { fcrValue: answer.resolved ? '1' : '2' } : {}),
        },
      },
      session,
      idempotent: false,
    });
  }

  async leaveMessage(session: AiccSession, caller: string, leaveMessage: string): Promise<void> {
    await this.call<ResultAnswer>({
      path: AICC_PATHS.doLeaveMessage,
      body: { callId: session.userId, caller, leaveMessage, channel: 'WEB' },
      session,
      idempotent: false,
    });
  }

  async history(session: AiccSession, limit: number, offset: number): Promise<RawDownLinkMsg[]> {
    const answer = await this.call<QueryHistoryAnswer>({
      path: AICC_PATHS.queryHistoryChatMessage,
      body: { channelId: this.options.channelId, userId: session.userId, limit: String(limit), offset: String(offset), channel: 'WEB' },
      session,
      idempotent: true,
    });
    return answer.messageList ?? [];
  }

  async close(): Promise<void> {
    await Promise.all([this.dispatcher.close(), this.pollDispatcher.close()]);
  }

  /** One call, with the retries its kind allows: exponential backoff with jitter between attempts. */
  async call<T extends object>(call: Call): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.once<T>(call);
        this.options.onAttempt?.(call.path, 'ok');
        return answer;
      } catch (err) {
        const error = err instanceof AiccError ? err : new AiccError('UNEXPECTED', (err as Error).message);
        this.options.onAttempt?.(call.path, error.code);
        const repeatable = error.safeToRepeat || (call.idempotent && error.code === 'TIMEOUT');
        if (!repeatable || attempt >= this.attempts) throw error;
        const delay = 200 * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
        this.options.log.warn({ path: call.path, attempt, code: error.code }, 'AICC call failed; trying again');
        await sleep(delay);
      }
    }
  }

  private async once<T extends object>(call: Call, tokenRenewed = false): Promise<T> {
    const isTokenCall = call.path === AICC_PATHS.tokenByAkSk;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!isTokenCall) {
      headers['x-app-key'] = this.options.appKey;
      headers.authorization = `Bearer ${await this.bearer()}`;
    }
    if (call.session) headers[CCMESSAGING_TOKEN_HEADER] = call.session.token;
    const url = new URL(call.path, this.options.baseUrl);
    for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value);
    const timeout = call.timeoutMs ?? this.options.timeoutMs;

    let res;
    try {
      res = await request(url, {
        method: call.method ?? 'POST',
        headers,
        body: call.method === 'GET' ? undefined : JSON.stringify(call.body ?? {}),
        dispatcher: call.longPoll ? this.pollDispatcher : this.dispatcher,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (err) {
      throw transportError(err);
    }
    const text = await res.body.text().catch((err: unknown) => {
      throw transportError(err);
    });
    // AICC may hand out a newer ccmessaging-token with any answer; later calls must use it (docs/aicc.md §5).
    const renewed = res.headers[CCMESSAGING_TOKEN_HEADER];
    if (call.session && typeof renewed === 'string' && renewed) call.session.token = renewed;

    // Two tokens, two statuses (docs/aicc.md §5): API Fabric answers 403 "auth fail! illegal or expired token
    // info" for our AccessToken (cec_07_0002); a per-customer call answers 401 when the customer's ccmessaging-
    // token is gone (cec_07_0103: "on 401, apply again"). A 401 is about the ccmessaging-token only on a call
    // that carries one; on any other call it can only be about ours.
    if (res.statusCode === 401 && call.session) {
      throw new AiccError('TOKEN', "AICC refused the customer's ccmessaging-token (HTTP 401)");
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      if (!isTokenCall && !tokenRenewed) {
        this.accessToken = undefined;
        return this.once<T>(call, true);
      }
      throw new AiccError('UNAUTHORIZED', `AICC refused our credentials (HTTP ${res.statusCode})`);
    }
    if (res.statusCode >= 500) throw new AiccError('FAILED', `AICC answered HTTP ${res.statusCode}`);
    let answer: T & { resultCode?: string | number | null; returnCode?: string | number | null; resultDesc?: string };
    try {
      answer = JSON.parse(text);
    } catch {
      throw new AiccError('UNEXPECTED', `AICC answered HTTP ${res.statusCode} with a body that is not JSON`);
    }
    if (res.statusCode >= 400) throw new AiccError('PARAMETER', `AICC answered HTTP ${res.statusCode}: ${answer.resultDesc ?? ''}`);
    if (isTokenCall) return answer;
    const code = answer.resultCode ?? answer.returnCode;
    if (code === undefined || code === null) {
      // Huawei's developer guide shows applyToken and downloadFileStream answering their payload alone (D6).
      if (call.payload && (answer as Record<string, unknown>)[call.payload] !== undefined) return answer;
      throw new AiccError('UNEXPECTED', `AICC answered ${call.path} without a result code`);
    }
    if (String(code) !== RESULT.OK) throw resultError(call.path, String(code), answer.resultDesc);
    return answer;
  }

  /** The API Fabric AccessToken, renewed when 80% of its life has passed; one renewal at a time. */
  private async bearer(): Promise<string> {
    if (this.accessToken && Date.now() < this.accessToken.renewAt) return this.accessToken.value;
    this.renewing ??= (async () => {
      try {
        const url = new URL(AICC_PATHS.tokenByAkSk, this.options.baseUrl);
        const res = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-token-expire': String(TOKEN_TTL_SECONDS) },
          body: JSON.stringify({ app_key: this.options.appKey, app_secret: this.options.appSecret }),
          dispatcher: this.dispatcher,
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: this.options.timeoutMs,
        }).catch((err: unknown) => {
          throw transportError(err);
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw new AiccError('UNAUTHORIZED', `tokenByAkSk answered HTTP ${res.statusCode}`);
        const answer = JSON.parse(text) as TokenByAkSkAnswer;
        const ttlMs = (Number(answer.Expires) || TOKEN_TTL_SECONDS) * 1000;
        this.accessToken = { value: answer.AccessToken, renewAt: Date.now() + ttlMs * 0.8 };
        return answer.AccessToken;
      } finally {
        this.renewing = undefined;
      }
    })();
    return this.renewing;
  }
}

function transportError(err: unknown): AiccError {
  if (err instanceof AiccError) return err;
  const code = (err as { code?: string }).code ?? '';
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return new AiccError('TIMEOUT', 'AICC did not answer in time');
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'].includes(code)) {
    return new AiccError('UNREACHABLE', `AICC cannot be reached (${code})`);
  }
  // A connection that broke after the request went out: AICC may have acted on it.
  return new AiccError('TIMEOUT', `the connection to AICC failed (${code || (err as Error).message})`);
}
