// Each customer's AICC session: the ccmessaging-token from applyToken, whether the conversation has been
// CONNECTed and what was reported READ. It is kept in the engine (SQLite on one node, Redis with several), so
// any node speaks for the customer in the same AICC conversation and a restarted gateway carries it on. The
// first message of a conversation connects it; a conversation that ended needs a new CONNECT. A refused token
// (HTTP 401: it lives one hour, cec_07_0103) is applied for again and the call repeated, once: AICC refused the
// call, so repeating it cannot double it. The new token carries on the same conversation (docs/aicc.md §5).

import type { AiccClient, AiccSession } from './aiccClient.js';
import { AiccError } from './resultCodes.js';
import { PerCustomerQueue } from './serial.js';

/**
 * A customer's session at AICC, kept beside its log so that any node can speak for the customer: the
 * ccmessaging-token from applyToken, whether the conversation is CONNECTed, and what was reported READ.
 */
export interface AiccSessionRecord {
  userId: string;
  /** The ccmessaging-token. */
  token: string;
  /** When applyToken issued it (ms since epoch). */
  appliedAt: number;
  connected: boolean;
  /** Highest seq of the customer's log already reported to AICC as READ. */
  readSeq: number;
  /** The customer's vote on each robot answer rated (interIdx → 1 satisfied, 0 not): the same vote is not sent twice. */
  ratings?: Record<string, 0 | 1>;
  /** The conversation whose survey was saved, by the seq of its state (the end): one survey per conversation. */
  surveyedSeq?: number;
}

/** Where sessions are kept: the engine (engine/types.ts), so every node sees the same one. */
export interface SessionStore {
  /** The customer's AICC session, if one is kept (for as long as the history: HISTORY_TTL). */
  aiccSession(customerId: string): Promise<AiccSessionRecord | undefined>;
  /** Keeps the customer's AICC session, or forgets it (undefined). */
  setAiccSession(customerId: string, session: AiccSessionRecord | undefined): Promise<void>;
}

/** What applyToken says of the customer besides the id (docs/aicc.md §5): their name and their language. */
export interface CustomerProfile {
  /** applyToken's userName; default the customer id. */
  name?: string | undefined;
  /** applyToken's locale (`zh_CN`, `en`); default AICC_LOCALE. */
  locale?: string | undefined;
}

/** Customers whose profile is remembered on a node: those writing now, whose first call may apply for a token. */
const PROFILES_KEPT = 10_000;

export class AiccSessions {
  /** Calls to AICC under way on this node, so that one applyToken or CONNECT serves every caller meanwhile. */
  private readonly applying = new Map<string, Promise<AiccSessionRecord>>();
  private readonly connecting = new Map<string, Promise<AiccSessionRecord>>();
  /** Every per-customer call goes through here, one at a time per customer (./serial.ts: token rotation). */
  private readonly serial = new PerCustomerQueue();
  /** Who the customers are, as their latest requests on this node said: applyToken's userName and locale. */
  private readonly profiles = new Map<string, CustomerProfile>();

  constructor(
    private readonly aicc: AiccClient,
    private readonly store: SessionStore,
    /** Told of every call that speaks for the customer in its conversation (a send): poll mode polls while it lasts. */
    private readonly onActive: (customerId: string) => void = () => {},
  ) {}

  /** What the customer's request says of them (their token's claims), for the applyToken this node may make;
   *  the latest PROFILES_KEPT customers are remembered, the oldest forgotten. */
  introduce(customerId: string, profile: CustomerProfile): void {
    this.profiles.delete(customerId);
    if (profile.name === undefined && profile.locale === undefined) return;
    this.profiles.set(customerId, profile);
    if (this.profiles.size > PROFILES_KEPT) this.profiles.delete(this.profiles.keys().next().value!);
  }

  /** Runs `fn` with the customer's session (applying for one first when the customer has none), after the
   *  customer's other calls on this node have settled; a refused ccmessaging-token is applied for again, and `fn`
   *  repeated, once. */
  call<T>(customerId: string, fn: (session: AiccSession) => Promise<T>, options: { connect: boolean }): Promise<T> {
    return this.serial.run(customerId, () => this.callNow(customerId, fn, options));
  }

  /**
   * A long poll (poll mode) opts out of the one-at-a-time rule by name: it is held open for up to AICC's poll
   * timeout, and the customer's sends must not wait behind it. AICC does not rotate the token on a poll answer
   * that carries messages only, and a token it did rotate is kept as on any other call.
   */
  longPoll<T>(customerId: string, fn: (session: AiccSession) => Promise<T>): Promise<T> {
    return this.callNow(customerId, fn, { connect: false });
  }

  private async callNow<T>(customerId: string, fn: (session: AiccSession) => Promise<T>, options: { connect: boolean }): Promise<T> {
    for (let retried = false; ; retried = true) {
      let record = await this.record(customerId);
      try {
        if (options.connect && !record.connected) record = await this.connect(customerId, record);
        if (options.connect) this.onActive(customerId);
        const session: AiccSession = { userId: record.userId, token: record.token };
        const result = await fn(session);
        // AICC may hand out a newer ccmessaging-token with any answer (AiccClient puts it in `session`).
        if (session.token !== record.token) await this.save(customerId, { ...record, token: session.token });
        return result;
      } catch (err) {
        if (!(err instanceof AiccError) || err.code !== 'TOKEN' || retried) throw err;
        await this.reapply(customerId, record);
      }
    }
  }

  /** The customer's session if one is kept (no AICC call). */
  known(customerId: string): Promise<AiccSessionRecord | undefined> {
    return this.store.aiccSession(customerId);
  }

  async setReadSeq(customerId: string, seq: number): Promise<void> {
    const record = await this.store.aiccSession(customerId);
    if (record && seq > record.readSeq) await this.save(customerId, { ...record, readSeq: seq });
  }

  /** Keeps what the customer answered (robot ratings, the survey) in their session, for as long as the history. */
  async note(customerId: string, change: (record: AiccSessionRecord) => AiccSessionRecord): Promise<void> {
    const record = await this.store.aiccSession(customerId);
    if (record) await this.save(customerId, change(record));
  }

  /** The conversation ended (DISCONNECT): the next message connects again. */
  async markEnded(customerId: string): Promise<void> {
    const record = await this.store.aiccSession(customerId);
    if (record?.connected) await this.save(customerId, { ...record, connected: false });
  }

  private save(customerId: string, record: AiccSessionRecord): Promise<void> {
    return this.store.setAiccSession(customerId, record);
  }

  /** Applies again for a refused token and keeps the rest of the session (connected, read position), unless
   *  another node has already replaced the token (then that one is used). */
  private async reapply(customerId: string, refused: AiccSessionRecord): Promise<void> {
    const stored = await this.store.aiccSession(customerId);
    if (stored && stored.token !== refused.token) return;
    await this.apply(customerId, stored ?? refused);
  }

  private async record(customerId: string): Promise<AiccSessionRecord> {
    return (await this.store.aiccSession(customerId)) ?? this.apply(customerId, undefined);
  }

  /** applyToken for the customer, once at a time on this node: a new session, or a new token for `kept` (whose
   *  conversation and read position carry on). */
  private apply(customerId: string, kept: AiccSessionRecord | undefined): Promise<AiccSessionRecord> {
    let pending = this.applying.get(customerId);
    if (!pending) {
      const profile = this.profiles.get(customerId);
      pending = this.aicc
        .applyToken(kept?.userId ?? customerId, profile?.name, profile?.locale)
        .then(async (session) => {
          const record: AiccSessionRecord = kept
            ? { ...kept, token: session.token, appliedAt: Date.now() }
            : { ...session, appliedAt: Date.now(), connected: false, readSeq: 0 };
          await this.save(customerId, record);
          return record;
        })
        .finally(() => this.applying.delete(customerId));
      this.applying.set(customerId, pending);
    }
    return pending;
  }

  private async connect(customerId: string, record: AiccSessionRecord): Promise<AiccSessionRecord> {
    let pending = this.connecting.get(customerId);
    if (!pending) {
      pending = (async () => {
        const session: AiccSession = { userId: record.userId, token: record.token };
        await this.aicc.send(session, { controlType: 'CONNECT' });
        const connected: AiccSessionRecord = { ...record, token: session.token, connected: true };
        await this.save(customerId, connected);
        return connected;
      })().finally(() => this.connecting.delete(customerId));
      this.connecting.set(customerId, pending);
    }
    return pending;
  }
}
