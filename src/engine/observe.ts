// Engine wrappers. observeAppends: the gateway's own parts (queue watching, AICC sessions, polling) hear of every
// append that this node makes: pushes from AICC and what customers send.

import type { AppendOutcome, Engine } from './types.js';

export type AppendObserver = (outcomes: AppendOutcome[]) => void;

export function observeAppends(engine: Engine, observers: AppendObserver[]): Engine {
  return {
    ...forward(engine),
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
  };
}

/** Wraps an engine so that every append it could not take is told (metrics, the operator page), then rethrown. */
export function observeAppendFailures(engine: Engine, onFailure: (err: Error) => void): Engine {
  return {
    ...forward(engine),
    async append(messages) {
      try {
        return await engine.append(messages);
      } catch (err) {
        onFailure(err as Error);
        throw err;
      }
    },
  };
}

function forward(engine: Engine): Engine {
  return {
    append: (messages) => engine.append(messages),
    publishEphemeral: (messages) => engine.publishEphemeral(messages),
    subscribe: (customerId, listener) => engine.subscribe(customerId, listener),
    readSince: (customerId, afterSeq, limit) => engine.readSince(customerId, afterSeq, limit),
    readBefore: (customerId, beforeSeq, limit) => engine.readBefore(customerId, beforeSeq, limit),
    conversation: (customerId) => engine.conversation(customerId),
    purgeOlderThan: (cutoffMs, limit) => engine.purgeOlderThan(cutoffMs, limit),
    ping: () => engine.ping(),
    close: () => engine.close(),
  };
}
