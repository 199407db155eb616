// What the local engine (index.ts) and its writer thread (writer.ts) say to each other: the requests, the replies
// and what the thread is started with. Apart from both, so each side imports the types without the other's code.

import type { StateInput } from '../../conversation/state.js';
import type { ConversationState } from '../../protocol/index.js';
import type { MediaGrant } from '../types.js';
import type { DatabaseOptions } from './database.js';
import type { HotRowList } from './seqMerge.js';

/**
 * The messages of a batch of pushes, in order, as parallel flat arrays of strings (cheap to copy between threads,
 * unlike object graphs): message i belongs to customers[i]. The main thread knows which push each one came from.
 */
export interface AppendBatch {
  customers: string[];
  dedupeKeys: string[];
  /** The time leading each dedupe key in its index (dedupeTime.ts). */
  dedupeTimes: number[];
  controlTypes: string[];
  /** Each message as JSON, serialized once on the main thread (and reused there for the stream frames). */
  bodies: string[];
  /** What the conversation state machine reads of each message. */
  stateInputs: StateInput[];
  /** [message index, MediaGrant JSON, media id] for the media messages AICC sent (engine/mediaGrants.ts). */
  grants: [number, string, string][];
}

/** What became of a batch: one seq per message (its earlier seq for a duplicate), and the exceptions. */
export interface AppendResult {
  storedAt: number;
  seqs: number[];
  /** The row each message was stored in (messages.id), 0 for a duplicate: the reader indexes it (hotRows.ts). */
  ids: number[];
  /** [message index, the state it led to] for the messages that changed their customer's state. */
  states: [number, ConversationState][];
  /** [message index, seq, storedAt, body as first stored] for the messages already in the log. */
  duplicates: [number, number, number, string][];
}

export type WriterRequest =
  | { id: number; type: 'append'; batch: AppendBatch }
  | { id: number; type: 'purge'; cutoffMs: number; limit: number }
  | { id: number; type: 'grant'; customerId: string; grants: MediaGrant[] }
  | { id: number; type: 'merge' }
  | { id: number; type: 'ping' }
  | { id: number; type: 'close' };

export type WriterReply =
  | { id: number; ok: true; result?: AppendResult | number }
  | { id: number; ok: false; error: { message: string; code?: string } }
  /** The store is open; `hot`: the rows not merged yet, which the reader indexes (hotRows.ts). */
  | { type: 'ready'; hot: HotRowList }
  /** The rows up to `upto` (messages.id) are in message_seqs, committed: the reader may forget them. */
  | { type: 'merged'; upto: number; rows: number; steps: number; ms: number; longestStepMs: number }
  | { type: 'mergeFailed'; error: { message: string; code?: string } };

export interface WriterData extends DatabaseOptions {
  path: string;
  /** The WAL's checkpoint size; WAL_LIMIT_BYTES unless a test needs a small one to reach it quickly. */
  walLimitBytes?: number;
  /** Hot rows that start a merge, and the rows a step of it writes; MERGE_AT, MERGE_CHUNK_ROWS unless set. */
  mergeAt?: number;
  mergeChunkRows?: number;
}
