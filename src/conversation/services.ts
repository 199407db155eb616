// Builds the customer-to-AICC side from the configuration: the AiccClient, the customers' AICC sessions, the
// uplink, queue watching and (in poll mode) polling. They use the engine the composition root made, and
// `onAppended` is what the root registers on it so they hear of every state change stored on this node.
// Without AICC_BASE_URL there is no uplink and nothing to hear.

import type { FastifyBaseLogger } from 'fastify';
import { AiccClient } from '../aicc/aiccClient.js';
import type { AiccSettings } from '../config.js';
import type { AppendObserver } from '../engine/observe.js';
import type { Engine } from '../engine/types.js';
import { PollLoops } from '../ingest/pollLoop.js';
import { Uplink } from '../uplink/uplink.js';
import { QueueWatcher } from './queueWatcher.js';
import { AiccSessions } from './sessions.js';

export interface ConversationServices {
  aicc: AiccClient | undefined;
  uplink: Uplink | undefined;
  /** Starts and stops queue watching and polling as conversations change phase. */
  onAppended: AppendObserver;
  close(): Promise<void>;
}

export function createConversationServices(options: {
  settings: AiccSettings | undefined;
  engine: Engine;
  log: FastifyBaseLogger;
  /** Told of each customer message's fate at AICC (for metrics). */
  onUplink?: (result: 'sent' | 'failed') => void;
}): ConversationServices {
  const { settings, engine, log } = options;
  if (!settings) return { aicc: undefined, uplink: undefined, onAppended: () => {}, close: async () => {} };

  const aicc = new AiccClient({ ...settings, log: log.child({ part: 'aicc' }) });
  let pollLoops: PollLoops | undefined;
  const sessions = new AiccSessions(aicc, (customerId) => pollLoops?.start(customerId));
  const queueWatcher = new QueueWatcher({ engine, aicc, sessions, intervalMs: settings.queuePollMs, log });
  if (settings.downlink === 'poll') pollLoops = new PollLoops({ engine, aicc, sessions, idleMs: settings.pollIdleMs, log });
  const uplink = new Uplink({ engine, aicc, sessions, channelId: settings.channelId, log, ...(options.onUplink ? { onResult: options.onUplink } : {}) });

  return {
    aicc,
    uplink,
    onAppended(outcomes) {
      for (const { customerId, state, duplicate } of outcomes) {
        if (!state || duplicate) continue;
        if (state.phase === 'queuing') queueWatcher.start(customerId);
        else queueWatcher.stop(customerId);
        if (state.phase === 'ended' || state.phase === 'offline') {
          sessions.markEnded(customerId);
          pollLoops?.stop(customerId);
        }
      }
    },
    async close() {
      queueWatcher.stopAll();
      pollLoops?.stopAll();
      await aicc.close();
    },
  };
}
