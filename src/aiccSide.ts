// Builds the customer-to-AICC side from the configuration: the AiccClient, the customers' AICC sessions, the
// uplink and its plain calls, queue watching and (in poll mode) polling, the last two as jobs (engine/jobs.ts)
// that one node runs per customer. They use the engine the composition root made, and
// `onAppended` is what the root registers on it so they hear of every state change stored on this node.
// Without AICC_BASE_URL there is no uplink and nothing to hear, and none of these parts is even loaded (the HTTP
// client alone, undici, is a megabyte of JavaScript: a tenth of a start).

import type { CustomerIdentity } from './delivery/identity.js';
import type { FastifyBaseLogger } from 'fastify';
import type { AiccClient, AiccClientOptions } from './aicc/aiccClient.js';
import type { AiccSettings } from './config.js';
import type { AppendObserver } from './engine/observe.js';
import type { Engine } from './engine/types.js';
import type { AiccCalls } from './uplink/calls.js';
import type { Uplink, UplinkOptions } from './uplink/uplink.js';
import type { Jobs } from './engine/jobs.js';
import type { AgentHours } from './uplink/agentHours.js';

/** What the operator page shows of a customer's AICC session: never the ccmessaging-token. */
export interface OpsAiccSession {
  userId: string;
  readSeq: number;
  appliedAt: number;
  connected: boolean;
}

export interface AiccSide {
  aicc: AiccClient | undefined;
  uplink: Uplink | undefined;
  calls: AiccCalls | undefined;
  /** What AICC's answers said of the agents' working hours; absent without AICC. */
  agentHours: AgentHours | undefined;
  /** Starts and stops queue watching and polling as conversations change phase. */
  onAppended: AppendObserver;
  /** The customer's AICC session as the engine keeps it, without its token (the operator page). */
  session(customerId: string): Promise<OpsAiccSession | undefined>;
  /** Who the customer of a request is (their token's name and locale claims), for applyToken. */
  introduce(identity: CustomerIdentity): void;
  close(): Promise<void>;
}

export async function buildAiccSide(options: {
  settings: AiccSettings | undefined;
  engine: Engine;
  /** Where queue watching and polling run: on exactly one node per customer. */
  jobs: Jobs;
  log: FastifyBaseLogger;
  /** Told of each customer message's fate at AICC (metrics, the operator page). */
  onUplink?: UplinkOptions['onResult'];
  /** Told of each call to AICC and how it ended (metrics). */
  onAiccAttempt?: AiccClientOptions['onAttempt'];
}): Promise<AiccSide> {
  const { settings, engine, jobs, log } = options;
  if (!settings) {
    return {
      aicc: undefined, uplink: undefined, calls: undefined, agentHours: undefined,
      onAppended: () => {}, session: async () => undefined, introduce: () => {}, close: async () => {},
    };
  }

  const [{ AiccClient }, { AiccSessions }, { QueueWatcher }, { PollLoops }, { AgentHours }, { Uplink }, { AiccCalls }] = await Promise.all([
    import('./aicc/aiccClient.js'),
    import('./aicc/sessions.js'),
    import('./ingest/queueWatcher.js'),
    import('./ingest/pollLoop.js'),
    import('./uplink/agentHours.js'),
    import('./uplink/uplink.js'),
    import('./uplink/calls.js'),
  ]);
  const aicc = new AiccClient({ ...settings, log: log.child({ part: 'aicc' }), onAttempt: options.onAiccAttempt });
  const polling = settings.downlink === 'poll';
  // In poll mode, every message the customer sends keeps (or starts) the conversation's poll loop somewhere.
  const sessions = new AiccSessions(aicc, engine, (customerId) => {
    if (polling) jobs.want('poll', customerId).catch((err: Error) => log.warn({ customerId, err: { message: err.message } }, 'poll not started'));
  });
  const queueWatcher = new QueueWatcher({ engine, aicc, sessions, jobs, intervalMs: settings.queuePollMs, log });
  jobs.runWith('queue', queueWatcher);
  const pollLoops = polling ? new PollLoops({ engine, aicc, sessions, jobs, idleMs: settings.pollIdleMs, maxConcurrent: settings.pollMaxConcurrent, log }) : undefined;
  if (pollLoops) jobs.runWith('poll', pollLoops);
  const agentHours = new AgentHours();
  const uplink = new Uplink({
    engine, aicc, sessions, channelId: settings.channelId, log, agentHours, ...(options.onUplink ? { onResult: options.onUplink } : {}),
  });
  const calls = new AiccCalls({ engine, aicc, sessions, log });
  const quietly = (what: string, customerId: string) => (err: Error) => log.warn({ customerId, err: { message: err.message } }, what);

  return {
    aicc,
    uplink,
    calls,
    agentHours,
    onAppended(outcomes) {
      for (const { customerId, state, duplicate } of outcomes) {
        if (!state || duplicate) continue;
        // The node that stored the change says so; the node running the job (perhaps another) acts on it.
        if (state.phase === 'queuing') jobs.want('queue', customerId).catch(quietly('queue watching not started', customerId));
        else jobs.drop('queue', customerId).catch(quietly('queue watching not stopped', customerId));
        if (state.phase === 'ended' || state.phase === 'offline') {
          sessions.markEnded(customerId).catch(quietly('the session could not be marked ended', customerId));
          if (pollLoops) jobs.drop('poll', customerId).catch(quietly('poll not stopped', customerId));
        }
      }
    },
    introduce({ customerId, name, locale }) {
      sessions.introduce(customerId, { name, locale });
    },
    async session(customerId) {
      const known = await sessions.known(customerId);
      return known && { userId: known.userId, readSeq: known.readSeq, appliedAt: known.appliedAt, connected: known.connected };
    },
    async close() {
      queueWatcher.stopAll();
      pollLoops?.stopAll();
      await aicc.close();
    },
  };
}
