// The step both doors in (pushMsg/webhook and poll mode) end with: split what AICC sent into what is stored
// (chat, events) and what only passes through (typing), append the durable part, then publish the rest.

import type { NormalizedMessage } from '../aicc/downlink.js';
import type { AppendOutcome, Engine } from '../engine/types.js';

export interface Ingested {
  durable: NormalizedMessage[];
  ephemeral: NormalizedMessage[];
  /** One outcome per durable message, in order. */
  stored: AppendOutcome[];
}

/**
 * Appends the durable messages (through `append`, which a door may wrap with its own retry) and only then
 * publishes the ephemeral ones, so a typing indicator never overtakes the message it came with.
 */
export async function appendAndPublish(
  engine: Engine,
  messages: readonly NormalizedMessage[],
  append: (durable: NormalizedMessage[]) => Promise<AppendOutcome[]> = (durable) => engine.append(durable),
): Promise<Ingested> {
  const durable: NormalizedMessage[] = [];
  const ephemeral: NormalizedMessage[] = [];
  for (const message of messages) (message.ephemeral ? ephemeral : durable).push(message);
  const stored = await append(durable);
  // Most pushes carry no typing: they skip the call.
  if (ephemeral.length > 0) await engine.publishEphemeral(ephemeral);
  return { durable, ephemeral, stored };
}
