// The AICC simulator: a real HTTP server that plays AICC's side of the web channel (every path of AICC_PATHS in
// ../aicc/api.ts, with AICC's shapes and result codes) and pushes a scripted conversation to the gateway, so the
// whole conversation runs locally and end-to-end tests have a peer that speaks the real protocol.
//
//   const sim = await createSimulator({
//     push: 'pushMsg', gatewayUrl: gw.url, gatewayAppKey: 'app1', gatewayAppSecret: 'secret-one',
//     appKey: 'aicc-app', appSecret: 'aicc-secret',   // what the gateway's AiccClient calls us with
//     stepMs: 20,
//   });
//   sim.url                        // http://127.0.0.1:<port>: the gateway's AICC base URL
//   await sim.close();
//
// The API (see SimulatorOptions in ./options.ts for every option and its default):
//   createSimulator(options?): Promise<Simulator>      listens on 127.0.0.1, port 0 unless told otherwise
//   sim.url, sim.port, sim.settings (the resolved options)
//   sim.close(): Promise<void>                         stops timers, pushes and polls, then the server
//   sim.failNextSends(n)                               the next n send/sendAsync answer HTTP 500 / "13"
//   sim.setDown(down, mode = 'http503')                every call answers 503 ('reset': the connection is
//                                                      dropped); no push is attempted while down (events wait)
//   sim.sends, sim.leftMessages, sim.satisfactions, sim.uploads      what was received (in order)
//   sim.requests                                       every call's headers and body (conformance tests)
//   sim.answerQueueInfo(code)                          queryQueueInfo answers this resultCode (undefined: play)
//   sim.holdQueue(held)                                nobody's place in the queue moves while held (a steady banner)
//   sim.expireCustomerTokens()                         every ccmessaging-token expires now (401 next)
//   sim.robotFeedbacks, sim.phraseQueries              the robot's ratings accepted, the phrase lookups received
//   sim.pushes                                         every push attempt to the gateway; sim.pushFailures
//   sim.downlinks(userId)                              every event emitted to the user (typing excepted)
//   sim.onDownlink(listener): () => void               called with each event as it is emitted
//   sim.session(userId)                                phase (bot/queuing/agent/ended), queue position, callId
//   sim.fileBytes(fileId): Buffer | undefined          the bytes served for a resource id / objectKey
//   sim.pendingPushes(), sim.pushesSettled()           events not yet pushed; resolves when none are left
//   sim.pushLoad({ customers, ratePerSecond, durationSeconds }): Promise<LoadResult>
//
// The script (stepMs apart): CONNECT → ROBOT greeting with simQuestions; CHAT → ROBOT answer (each robot CHAT
// carries an interIdx, "1", "2", … per customer, for feedbacksatisfaction; text asking for a
// "human"/"agent"/"人工" counts as TRANS2AGENT); TRANS2AGENT → SYSTEM "Queuing...", position queueLength
// falling by one a step; at 0 → SYSTEM "The call is connected to an agent.", AGENT CONNECT, INPUT, CHAT TEXT,
// CHAT IMAGE (a PNG served by downloadFileStream), CHAT LOCATE, READ (of the customer's messages), DISCONNECT.
// Customer CHAT with the agent → INPUT, reply, READ. Scenarios change the end: see Scenario in ./options.ts.

import { AccessTokenStore, CustomerTokenStore } from './auth.js';
import type { OutageMode, SimContext } from './context.js';
import { fileRoutes } from './fileRoutes.js';
import { FileStore } from './files.js';
import { createHttp } from './http.js';
import { pushLoad, type LoadOptions, type LoadResult } from './load.js';
import { resolveOptions, type SimulatorOptions, type SimulatorSettings } from './options.js';
import { Outbox, type PushAttempt } from './outbox.js';
import { customerRoutes } from './routes.js';
import { robotRoutes } from './robotRoutes.js';
import { Conversations } from './script.js';
import type {
  RecordedLeaveMessage, RecordedPhraseQuery, RecordedRequest, RecordedRobotFeedback, RecordedSatisfaction, RecordedSend,
  RecordedUpload, SessionView, SimDownLinkMsg,
} from './types.js';

export type { OutageMode } from './context.js';
export type { LoadOptions, LoadResult } from './load.js';
export { SimulatorConfigError, type PushMode, type Scenario, type SimulatorOptions, type SimulatorSettings } from './options.js';
export type { PushAttempt } from './outbox.js';
export { ROBOT_PHRASES, TEXTS as SCRIPT_TEXTS } from './script.js';
export type * from './types.js';

export interface Simulator {
  /** The base URL the gateway calls AICC at, e.g. http://127.0.0.1:40123 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** The resolved options (secrets included: do not log it). */
  readonly settings: Readonly<SimulatorSettings>;
  close(): Promise<void>;
  failNextSends(count: number): void;
  setDown(down: boolean, mode?: OutageMode): void;
  readonly sends: readonly RecordedSend[];
  readonly leftMessages: readonly RecordedLeaveMessage[];
  readonly satisfactions: readonly RecordedSatisfaction[];
  readonly uploads: readonly RecordedUpload[];
  readonly requests: readonly RecordedRequest[];
  answerQueueInfo(resultCode: string | undefined): void;
  /** While held, nobody's place in the queue moves; released, the line moves again one step at a time. */
  holdQueue(held: boolean): void;
  /** Every ccmessaging-token expires at once, as after its hour: the next per-customer call answers 401. */
  expireCustomerTokens(): void;
  readonly robotFeedbacks: readonly RecordedRobotFeedback[];
  readonly phraseQueries: readonly RecordedPhraseQuery[];
  readonly pushes: readonly PushAttempt[];
  readonly pushFailures: readonly { message: SimDownLinkMsg; lastError: string }[];
  downlinks(userId: string): readonly SimDownLinkMsg[];
  onDownlink(listener: (message: SimDownLinkMsg) => void): () => void;
  session(userId: string): SessionView | undefined;
  fileBytes(fileId: string): Buffer | undefined;
  pendingPushes(): number;
  pushesSettled(): Promise<void>;
  pushLoad(options: LoadOptions): Promise<LoadResult>;
}

export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const settings = resolveOptions(options);
  const files = new FileStore();
  const outbox = new Outbox(settings);
  const listeners = new Set<(message: SimDownLinkMsg) => void>();
  const locales = new Map<string, string>();
  const conversations = new Conversations(settings, files, locales, (message) => {
    for (const listener of listeners) listener(message);
    outbox.deliver(message);
  });
  const ctx: SimContext = {
    settings,
    accessTokens: new AccessTokenStore(settings.appKey, settings.appSecret, settings.now),
    customerTokens: new CustomerTokenStore(settings.tokenGraceMs, settings.now, settings.customerTokenTtlSeconds * 1000),
    files,
    conversations,
    outbox,
    records: { sends: [], leftMessages: [], satisfactions: [], uploads: [], requests: [], robotFeedbacks: [], phraseQueries: [] },
    faults: { failSends: 0 },
    sendCounts: new Map(),
    locales,
  };
  const app = createHttp(ctx);
  customerRoutes(app, ctx);
  fileRoutes(app, ctx);
  robotRoutes(app, ctx);
  await app.listen({ host: settings.host, port: settings.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  const closed = new AbortController();
  settings.log({ event: 'simulator listening', url });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    settings,
    close() {
      closing ??= (async () => {
        closed.abort();
        conversations.close();
        outbox.close();
        await app.close();
      })();
      return closing;
    },
    failNextSends(count) {
      ctx.faults.failSends = Math.max(0, Math.floor(count));
    },
    setDown(down, mode = 'http503') {
      if (down) ctx.faults.outage = mode;
      else delete ctx.faults.outage;
      outbox.setPaused(down);
    },
    sends: ctx.records.sends,
    leftMessages: ctx.records.leftMessages,
    satisfactions: ctx.records.satisfactions,
    uploads: ctx.records.uploads,
    requests: ctx.records.requests,
    expireCustomerTokens() {
      ctx.customerTokens.expireAll();
    },
    answerQueueInfo(resultCode) {
      if (resultCode === undefined) delete ctx.faults.queueResultCode;
      else ctx.faults.queueResultCode = resultCode;
    },
    holdQueue: (held) => conversations.holdQueue(held),
    robotFeedbacks: ctx.records.robotFeedbacks,
    phraseQueries: ctx.records.phraseQueries,
    pushes: outbox.attempts,
    pushFailures: outbox.failures,
    downlinks: (userId) => conversations.history(userId),
    onDownlink(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    session: (userId) => conversations.session(userId),
    fileBytes: (fileId) => files.get(fileId)?.bytes,
    pendingPushes: () => outbox.pending(),
    pushesSettled: () => outbox.idle(),
    pushLoad: (load) => pushLoad(settings, outbox, load, closed.signal),
  };
}
