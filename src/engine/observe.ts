// Wraps an engine so that the gateway's own parts (queue watching, AICC sessions, polling) hear of every
// append that this node makes: pushes from AICC and what customers send. The composition root makes the one
// wrapped engine every route uses, and the parts register on it (they write through it too, so the wrapper
// exists before they do).

import type { AppendOutcome, Engine } from './types.js';

export type AppendObserver = (outcomes: AppendOutcome[]) => void;

export interface ObservedEngine extends Engine {
  /** Adds a part that hears of every append made through this engine from now on. */
  onAppended(observer: AppendObserver): void;
}

export function observeAppends(engine: Engine, initial: readonly AppendObserver[] = []): ObservedEngine {
  const observers = [...initial];
  return {
    ...delegateTo(engine),
    onAppended: (observer) => void observers.push(observer),
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

/**
 * Wraps an engine so that every append it could not take is told (metrics, the operator page, readiness), then
 * rethrown; and every one it took, so that readiness sees the store recover.
 */
export function observeAppendFailures(engine: Engine, onFailure: (err: Error) => void, onSuccess: () => void = () => {}): Engine {
  return {
    ...delegateTo(engine),
    async append(messages) {
      let outcomes: AppendOutcome[];
      try {
        outcomes = await engine.append(messages);
      } catch (err) {
        onFailure(err as Error);
        throw err;
      }
      onSuccess();
      return outcomes;
    },
  };
}

/** Every method of the engine, bound to it: what a wrapper passes through unchanged. */
function delegateTo(engine: Engine): Engine {
  return {
    append: (messages) => engine.append(messages),
    allStored: (messages) => engine.allStored(messages),
    publishEphemeral: (messages) => engine.publishEphemeral(messages),
    subscribe: (customerId, listener) => engine.subscribe(customerId, listener),
    readSince: (customerId, afterSeq, limit) => engine.readSince(customerId, afterSeq, limit),
    readBefore: (customerId, beforeSeq, limit) => engine.readBefore(customerId, beforeSeq, limit),
    conversation: (customerId) => engine.conversation(customerId),
    grantMedia: (customerId, grants) => engine.grantMedia(customerId, grants),
    mediaGrant: (customerId, mediaId) => engine.mediaGrant(customerId, mediaId),
    purgeOlderThan: (cutoffMs, limit) => engine.purgeOlderThan(cutoffMs, limit),
    aiccSession: (customerId) => engine.aiccSession(customerId),
    setAiccSession: (customerId, session) => engine.setAiccSession(customerId, session),
    startOpsSession: (id, expiresAtMs) => engine.startOpsSession(id, expiresAtMs),
    opsSessionValid: (id) => engine.opsSessionValid(id),
    endOpsSession: (id) => engine.endOpsSession(id),
    ping: () => engine.ping(),
    close: () => engine.close(),
  };
}
