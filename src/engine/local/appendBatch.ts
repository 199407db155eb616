// A group of pushes as the writer thread takes it (parallel flat arrays, cheap to copy between threads: writer.ts's
// AppendBatch), and back: what the writer's result means for each message of each push.

import type { NormalizedMessage } from '../../aicc/downlink.js';
import { stateInputOf } from '../../conversation/state.js';
import { mediaGrantOf } from '../mediaGrants.js';
import { serializeMessage } from '../messageJson.js';
import type { AppendOutcome } from '../types.js';
import { dedupeTimeOf } from './dedupeTime.js';
import type { AppendBatch, AppendResult } from './writerProtocol.js';

/** One push's messages, in order. */
interface Push {
  messages: readonly NormalizedMessage[];
}

/** Every message of the pushes, in order, each serialized once (the body is reused for the stream frames). */
export function batchOf(pushes: readonly Push[]): AppendBatch {
  const batch: AppendBatch = { customers: [], dedupeKeys: [], dedupeTimes: [], controlTypes: [], bodies: [], stateInputs: [], grants: [] };
  for (const { messages } of pushes) {
    for (const msg of messages) {
      batch.customers.push(msg.customerId);
      batch.dedupeKeys.push(msg.dedupeKey);
      batch.dedupeTimes.push(dedupeTimeOf(msg));
      batch.controlTypes.push(msg.message.controlType);
      batch.bodies.push(serializeMessage(msg.message));
      batch.stateInputs.push(stateInputOf(msg.message));
      const grant = mediaGrantOf(msg.message);
      if (grant) batch.grants.push([batch.customers.length - 1, JSON.stringify(grant), grant.mediaId]);
    }
  }
  return batch;
}

/** Each push's outcomes, message by message: its seq, or its earlier seq and first stored body for a duplicate. */
export function toOutcomes(pushes: readonly Push[], result: AppendResult): AppendOutcome[][] {
  const states = new Map(result.states);
  const duplicates = new Map(result.duplicates.map(([i, seq, storedAt, body]) => [i, { seq, storedAt, body }]));
  let i = 0;
  return pushes.map(({ messages }) =>
    messages.map((msg) => {
      const index = i++;
      const duplicate = duplicates.get(index);
      if (duplicate) {
        return { customerId: msg.customerId, seq: duplicate.seq, storedAt: duplicate.storedAt, message: JSON.parse(duplicate.body), duplicate: true };
      }
      const state = states.get(index);
      return {
        customerId: msg.customerId,
        seq: result.seqs[index]!,
        storedAt: result.storedAt,
        message: msg.message,
        ...(state ? { state } : {}),
        duplicate: false,
      };
    }),
  );
}
