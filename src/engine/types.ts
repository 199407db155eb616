// What an engine does: the durable, ordered, de-duplicated log of each customer's messages, the conversation
// state derived from it, and the fan-out of new entries to whoever listens for that customer. The local engine
// (SQLite, one process) and the Redis engine (many processes) implement this one contract.

import type { NormalizedMessage } from '../aicc/downlink.js';
import type { AiccSessionRecord, SessionStore } from '../aicc/sessions.js';

export type { AiccSessionRecord };
import type { ConversationState, DownLinkMsg } from '../protocol/index.js';

/** One message in a customer's log. `seq` starts at 1 and grows by one with no gaps, per customer. */
export interface LogEntry {
  customerId: string;
  seq: number;
  message: DownLinkMsg;
  /** When the gateway stored it (ms since epoch). */
  storedAt: number;
  /** The conversation state this message led to, when it changed the state. */
  state?: ConversationState;
}

export interface AppendOutcome extends LogEntry {
  /** True when the message was already in the log (a retried push): nothing new was stored or published. */
  duplicate: boolean;
}

export type EngineEvent =
  /**
   * `frame`: the entry's message frame as JSON, left here by the first listener that encodes it, so that the
   * other connections of the customer (tabs, agents' screens) send the same text instead of encoding it again.
   */
  | { type: 'entry'; entry: LogEntry; frame?: string }
  | { type: 'ephemeral'; customerId: string; message: DownLinkMsg }
  /** Entries may have been missed (the fan-out reconnected, or only just subscribed): catch up from the log. */
  | { type: 'resync' };

export type EngineListener = (event: EngineEvent) => void;

export interface ConversationSummary {
  customerId: string;
  state: ConversationState;
  /** The newest seq stored (0 when none). */
  lastSeq: number;
  /** The oldest seq still retained (0 when none). */
  firstSeq: number;
}

/** One customer's right to fetch one media id (GET /v1/media/:id), and what fetching it needs. */
export interface MediaGrant {
  mediaId: string;
  /** aicc: named by a message AICC sent the customer; upload: the customer uploaded it. */
  origin: 'aicc' | 'upload';
  mediaType: string;
  /** The file type to download it as: an AICC message's mediaFileType, or an upload's own type. */
  fileType?: string;
  fileName?: string;
  /** An upload's size in bytes, as the gateway received it. */
  size?: number;
  /** AICC's contentType of the message: "1" a local file (downloaded as "local/" + id), else the media library. */
  contentType?: string;
}

/** The customer's log: durable, ordered, de-duplicated, purged after HISTORY_TTL. */
export interface CustomerLog {
  /**
   * Stores the messages of one push atomically and durably (per the configured durability), then publishes the
   * new entries to the customers' listeners, then resolves. Ephemeral messages must not be passed here.
   * Rejects with a STORE_UNAVAILABLE GatewayError on failure.
   */
  append(messages: readonly NormalizedMessage[]): Promise<AppendOutcome[]>;
  /**
   * Whether every one of these messages is already in its customer's log, judged by dedupe key as `append`
   * judges a retry (true for an empty list). Ephemeral messages are never stored, so a list holding one is not.
   * What lets an old retry of a stored push through the replay window (docs/aicc.md §1).
   */
  allStored(messages: readonly NormalizedMessage[]): Promise<boolean>;
  /** Entries of one customer with seq > afterSeq, oldest first, at most `limit` of them. */
  readSince(customerId: string, afterSeq: number, limit: number): Promise<LogEntry[]>;
  /** The newest entries with seq < beforeSeq, at most `limit`, returned oldest first. */
  readBefore(customerId: string, beforeSeq: number, limit: number): Promise<LogEntry[]>;
  conversation(customerId: string): Promise<ConversationSummary>;
  /**
   * Deletes up to `limit` entries stored before `cutoffMs`; returns how many it deleted. Seqs are never reused.
   * The AICC sessions not written since the cutoff go too (they last as long as the history).
   */
  purgeOlderThan(cutoffMs: number, limit: number): Promise<number>;
}

/** Who hears of a customer's entries: every listener of the customer, on every node. */
export interface Fanout {
  /** Delivers ephemeral messages (typing) to the customers' listeners, storing nothing. */
  publishEphemeral(messages: readonly NormalizedMessage[]): Promise<void>;
  /** Listens for one customer's new entries and ephemeral messages; returns the way to stop listening. */
  subscribe(customerId: string, listener: EngineListener): () => void;
}

/** Which media each customer may fetch. */
export interface MediaGrants {
  /**
   * Records that the customer may fetch these media (uploads). `append` records the grants of AICC's media
   * messages itself (engine/mediaGrants.ts), retried pushes included. Grants live as long as the history.
   */
  grantMedia(customerId: string, grants: readonly MediaGrant[]): Promise<void>;
  /** The customer's grant for one media id, if they have one: one indexed read, however long the log. */
  mediaGrant(customerId: string, mediaId: string): Promise<MediaGrant | undefined>;
}

/**
 * Operator sign-in sessions (the /ops cookie), kept where every node sees them: `id` names one (the caller passes
 * a digest of the cookie, never the cookie), valid until `expiresAtMs` or until ended (sign-out).
 */
export interface OpsSessions {
  startOpsSession(id: string, expiresAtMs: number): Promise<void>;
  /** Whether the operator session is known and not expired. */
  opsSessionValid(id: string): Promise<boolean>;
  endOpsSession(id: string): Promise<void>;
}

/** One engine does it all, so one store holds a customer's log, grants and AICC session together. */
export interface Engine extends CustomerLog, Fanout, MediaGrants, SessionStore, OpsSessions {
  /** Resolves when the store can take writes; rejects otherwise. */
  ping(): Promise<void>;
  /** Finishes the writes under way, then releases the store. */
  close(): Promise<void>;
}
