// What the operator page's API answers: this node's recent pushes and refusals, uplink failures, connections,
// the configuration in force and the store's health; and one customer's conversation, AICC session and log.
// Built from the parts the composition root hands over; nothing here writes.

import { hostname } from 'node:os';
import type { SettingInForce } from '../config.js';
import type { ConversationSummary, Engine, LogEntry } from '../engine/types.js';
import { STATUS_CONTROL_TYPE } from '../conversation/controlTypes.js';
import type { OpsAiccSession } from '../aiccSide.js';
import type { TransportName } from '../protocol/index.js';
import type { OpsJournal } from './journal.js';

export interface OpsSources {
  journal: OpsJournal;
  engine: Engine;
  /** The customer connections open on this node. */
  connections: () => Iterable<{ customerId: string; transportKind: TransportName }>;
  /** The customer's AICC session as the engine keeps it, if any (no token). */
  session: (customerId: string) => Promise<OpsAiccSession | undefined>;
  settings: readonly SettingInForce[];
  /** 'local' (SQLite) or 'redis'; with Redis every node shows only its own journal. */
  engineKind: 'local' | 'redis';
}

const STARTED_AT = Date.now();

/**
 * Names the node in a cluster as Prometheus's `instance` would (host and the port the request came in on), with
 * the process id: the operator opens /ops on each node to see each one's journal.
 */
export function nodeId(localPort: number | undefined): string {
  return `${hostname()}:${localPort ?? '?'} (pid ${process.pid})`;
}

/** Customers listed by name on the page, at most. */
const LISTED_CUSTOMERS = 200;
/** Entries of a customer's log shown by a lookup. */
const LOOKUP_ENTRIES = 50;
/** A health check does not wait longer than this for the store. */
const PING_TIMEOUT_MS = 2000;

export async function nodeSnapshot(sources: OpsSources, node: string) {
  const { journal } = sources;
  const byCustomer = new Map<string, { customerId: string; websocket: number; sse: number }>();
  const byTransport = { websocket: 0, sse: 0 };
  for (const connection of sources.connections()) {
    byTransport[connection.transportKind]++;
    const row = byCustomer.get(connection.customerId) ?? { customerId: connection.customerId, websocket: 0, sse: 0 };
    row[connection.transportKind]++;
    byCustomer.set(connection.customerId, row);
  }
  return {
    node: { id: node, startedAt: STARTED_AT, engine: sources.engineKind, cluster: sources.engineKind === 'redis' },
    pushes: journal.pushes.newestFirst(),
    refused: journal.refused.newestFirst(),
    anonymous: journal.anonymous.newestFirst(),
    uplinkFailures: journal.uplinkFailures.newestFirst(),
    connections: {
      byTransport,
      customers: byCustomer.size,
      listed: [...byCustomer.values()].slice(0, LISTED_CUSTOMERS),
    },
    settings: sources.settings,
    store: await storeHealth(sources),
  };
}

async function storeHealth({ engine, engineKind, journal }: OpsSources) {
  const started = performance.now();
  let ready = true;
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      engine.ping(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 2 s')), PING_TIMEOUT_MS))),
    ]);
  } catch (err) {
    ready = false;
    error = (err as Error).message;
  } finally {
    clearTimeout(timer);
  }
  return {
    engine: engineKind,
    ready,
    pingMs: Math.round((performance.now() - started) * 10) / 10,
    ...(error ? { error } : {}),
    writeFailures: journal.storeFailures,
    ...(journal.lastStoreFailure ? { lastWriteFailure: journal.lastStoreFailure } : {}),
  };
}

export interface LookupEntry {
  seq: number;
  storedAt: number;
  controlType: string;
  mediaType: string | null;
  sourceType: string;
  content: string;
  /** A customer's message: pending until AICC's verdict is stored (sent, or failed with the reason). */
  status?: string;
  reason?: string;
}

export async function customerSnapshot(sources: OpsSources, customerId: string) {
  const conversation: ConversationSummary = await sources.engine.conversation(customerId);
  const entries = await sources.engine.readBefore(customerId, conversation.lastSeq + 1, LOOKUP_ENTRIES);
  const session = await sources.session(customerId);
  return {
    customerId,
    conversation,
    session: session ?? null,
    connections: [...sources.connections()].filter((c) => c.customerId === customerId).length,
    entries: withStatuses(entries),
  };
}

/** The log as a person reads it: each customer message with its latest status, status entries folded in. */
function withStatuses(entries: LogEntry[]): LookupEntry[] {
  const statuses = new Map<number, { status: string; reason?: string }>();
  for (const { message } of entries) {
    if (message.controlType !== STATUS_CONTROL_TYPE) continue;
    statuses.set(Number(message.refSeq), {
      status: String(message.status),
      ...(message.reason ? { reason: String(message.reason) } : {}),
    });
  }
  return entries
    .filter((e) => e.message.controlType !== STATUS_CONTROL_TYPE)
    .map((e) => {
      const { controlType, mediaType, sourceType, content } = e.message;
      const verdict = statuses.get(e.seq);
      return {
        seq: e.seq,
        storedAt: e.storedAt,
        controlType,
        mediaType,
        sourceType,
        content: shorten(content ?? ''),
        ...(sourceType === 'CUSTOMER' ? { status: verdict?.status ?? 'pending' } : {}),
        ...(verdict?.reason ? { reason: verdict.reason } : {}),
      };
    })
    .reverse();
}

function shorten(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
