// What an engine does: the durable, ordered, de-duplicated log of each customer's messages, the conversation
// state derived from it, and the fan-out of new entries to whoever listens for that customer. The local engine
// (SQLite, one process) and the Redis engine (many processes) implement this one contract.

import type { NormalizedMessage } from '../aicc/downlink.js';
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
  | { type: 'entry'; entry: LogEntry }
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
  /** AICC's contentType of the message: "1" a local file (downloaded as "local/" + id), else the media library. */
  contentType?: string;
}

export interface Engine {
  /**
   * Stores the messages of one push atomically and durably (per the configured durability), then publishes the
   * new entries to the customers' listeners, then resolves. Ephemeral messages must not be passed here.
   * Rejects with a STORE_UNAVAILABLE GatewayError on failure.
   */
  append(messages: readonly NormalizedMessage[]): Promise<AppendOutcome[]>;
  /** Delivers ephemeral messages (typing) to the customers' listeners, storing nothing. */
  publishEphemeral(messages: readonly NormalizedMessage[]): Promise<void>;
  /** Listens for one customer's new entries and ephemeral messages; returns the way to stop listening. */
  subscribe(customerId: string, listener: EngineListener): () => void;
  /** Entries of one customer with seq > afterSeq, oldest first, at most `limit` of them. */
  readSince(customerId: string, afterSeq: number, limit: number): Promise<LogEntry[]>;
  /** The newest entries with seq < beforeSeq, at most `limit`, returned oldest first. */
  readBefore(customerId: string, beforeSeq: number, limit: number): Promise<LogEntry[]>;
  conversation(customerId: string): Promise<ConversationSummary>;
  /**
   * Records that the customer may fetch these media (uploads). `append` records the grants of AICC's media
   * messages itself (engine/mediaGrants.ts), retried pushes included. Grants live as long as the history.
   */
  grantMedia(customerId: string, grants: readonly MediaGrant[]): Promise<void>;
  /** The customer's grant for one media id, if they have one: one indexed read, however long the log. */
  mediaGrant(customerId: string, mediaId: string): Promise<MediaGrant | undefined>;
  /** Deletes up to `limit` entries stored before `cutoffMs`; returns how many it deleted. Seqs are never reused. */
  purgeOlderThan(cutoffMs: number, limit: number): Promise<number>;
  /** The customer's AICC session, if one is kept (for as long as the history: HISTORY_TTL). */
  aiccSession(customerId: string): Promise<AiccSessionRecord | undefined>;
  /** Keeps the customer's AICC session, or forgets it (undefined). */
  setAiccSession(customerId: string, session: AiccSessionRecord | undefined): Promise<void>;
  /** Resolves when the store can take writes; rejects otherwise. */
  ping(): Promise<void>;
  /** Finishes the writes under way, then releases the store. */
  close(): Promise<void>;
}
