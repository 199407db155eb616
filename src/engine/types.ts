// What an engine does: the durable, ordered, de-duplicated log of each customer's messages. The local engine
// (SQLite, one process) and the Redis engine (many processes) implement this one contract.

import type { NormalizedMessage, StoredMessage } from '../aicc/downlink.js';

/** One message in a customer's log. `seq` starts at 1 and grows by one with no gaps, per customer. */
export interface LogEntry {
  customerId: string;
  seq: number;
  message: StoredMessage;
  /** When the gateway stored it (ms since epoch). */
  storedAt: number;
}

export interface AppendOutcome extends LogEntry {
  /** True when the message was already in the log (a retried push): nothing new was stored. */
  duplicate: boolean;
}

export interface Engine {
  /**
   * Stores the messages of one push atomically and durably (per the configured durability) before resolving.
   * Ephemeral messages must not be passed here. Rejects with a STORE_UNAVAILABLE GatewayError on failure.
   */
  append(messages: readonly NormalizedMessage[]): Promise<AppendOutcome[]>;
  /** Entries of one customer with seq > afterSeq, in order, at most `limit` of them. */
  readSince(customerId: string, afterSeq: number, limit: number): Promise<LogEntry[]>;
  /** The highest seq stored for the customer (0 when none). */
  lastSeq(customerId: string): Promise<number>;
  /** Resolves when the store can take writes; rejects otherwise. */
  ping(): Promise<void>;
  /** Finishes the writes under way, then releases the store. */
  close(): Promise<void>;
}
