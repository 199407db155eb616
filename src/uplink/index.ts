// Builds the customer-to-AICC side from the configuration: the AiccClient, the customers' AICC sessions, the
// uplink, queue watching and (in poll mode) polling, and wraps the engine so that they hear of every state
// change stored on this node. Without AICC_BASE_URL there is no uplink and the engine is returned as it is.

import type { FastifyBaseLogger } from 'fastify';
import { AiccClient } from '../aicc/aiccClient.js';
import type { AiccSettings } from '../config.js';
import { QueueWatcher } from '../conversation/queueWatcher.js';
import { observeAppends } from '../engine/observe.js';
import type { AppendOutcome, Engine } from '../engine/types.js';
import { PollLoops } from './pollLoop.js';
import { AiccSessions } from './sessions.js';
import { Uplink, type UplinkOptions } from './uplink.js';

export interface ConversationServices {
  engine: Engine;
  aicc: AiccClient | undefined;
  uplink: Uplink | undefined;
  /** The customer's AICC session on this node, without its token (the operator page). */
  session(customerId: string): { userId: string; readSeq: number; lastActivity: number } | undefined;
  close(): Promise<void>;
}

export function createConversationServices(options: {
  settings: AiccSettings | undefined;
  engine: Engine;
  log: FastifyBaseLogger;
  /** Told of each customer message's fate at AICC (metrics, the operator page). */
  onUplink?: UplinkOptions['onResult'];
}): ConversationServices {
  const { settings, log } = options;
  if (!settings) {
    return { engine: options.engine, aicc: undefined, uplink: undefined, session: () => undefined, close: async () => {} };
  }

  const aicc = new AiccClient({ ...settings, log: log.child({ part: 'aicc' }) });
  let pollLoops: PollLoops | undefined;
  const sessions = new AiccSessions(aicc, (customerId) => pollLoops?.start(customerId));
  let queueWatcher: QueueWatcher | undefined;

  const onStateChanges = (outcomes: AppendOutcome[]) => {
    for (const { customerId, state, duplicate } of outcomes) {
      if (!state || duplicate) continue;
      if (state.phase === 'queuing') queueWatcher?.start(customerId);
      else queueWatcher?.stop(customerId);
      if (state.phase === 'ended' || state.phase === 'offline') {
        sessions.markEnded(customerId);
        pollLoops?.stop(customerId);
      }
    }
  };
  const engine = observeAppends(options.engine, [onStateChanges]);
  queueWatcher = new QueueWatcher({ engine, aicc, sessions, intervalMs: settings.queuePollMs, log });
  if (settings.downlink === 'poll') pollLoops = new PollLoops({ engine, aicc, sessions, idleMs: settings.pollIdleMs, log });
  const uplink = new Uplink({ engine, aicc, sessions, channelId: settings.channelId, log, ...(options.onUplink ? { onResult: options.onUplink } : {}) });

  return {
    engine,
    aicc,
    uplink,
    session(customerId) {
      const known = sessions.peek(customerId);
      return known && { userId: known.userId, readSeq: known.readSeq, lastActivity: known.lastActivity };
    },
    async close() {
      queueWatcher?.stopAll();
      pollLoops?.stopAll();
      await aicc.close();
    },
  };
}
