// Wraps an engine so that the gateway's own parts (queue watching, AICC sessions, polling) hear of every
// append that this node makes: pushes from AICC and what customers send.

import type { AppendOutcome, Engine } from './types.js';

export type AppendObserver = (outcomes: AppendOutcome[]) => void;

export function observeAppends(engine: Engine, observers: AppendObserver[]): Engine {
  return {
    async append(messages) {
      const outcomes = await engine.append(messages);
      for (const observe of observers) {
        try {
          observe(outcomes);
        } catch {
          // An observer's failure is its own to log; the append itself succeeded and is answered as such.
        }
      }
      return outcomes;
    },
    publishEphemeral: (messages) => engine.publishEphemeral(messages),
    subscribe: (customerId, listener) => engine.subscribe(customerId, listener),
    readSince: (customerId, afterSeq, limit) => engine.readSince(customerId, afterSeq, limit),
    readBefore: (customerId, beforeSeq, limit) => engine.readBefore(customerId, beforeSeq, limit),
    conversation: (customerId) => engine.conversation(customerId),
    purgeOlderThan: (cutoffMs, limit) => engine.purgeOlderThan(cutoffMs, limit),
    aiccSession: (customerId) => engine.aiccSession(customerId),
    setAiccSession: (customerId, session) => engine.setAiccSession(customerId, session),
    ping: () => engine.ping(),
    close: () => engine.close(),
  };
}
