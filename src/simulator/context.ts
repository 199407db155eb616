// What the simulator's routes share: its settings, its stores and its records. Built once by createSimulator
// and handed to each route plugin (no module-level state, so several simulators can run in one process).

import type { AccessTokenStore, CustomerTokenStore } from './auth.js';
import type { FileStore } from './files.js';
import type { SimulatorSettings } from './options.js';
import type { Outbox } from './outbox.js';
import type { Conversations } from './script.js';
import type {
  RecordedLeaveMessage, RecordedPhraseQuery, RecordedRequest, RecordedRobotFeedback, RecordedSatisfaction, RecordedSend,
  RecordedUpload,
} from './types.js';

/** 'http503': every call answers 503. 'reset': every connection is dropped without an answer. */
export type OutageMode = 'http503' | 'reset';

export interface SimContext {
  settings: SimulatorSettings;
  accessTokens: AccessTokenStore;
  customerTokens: CustomerTokenStore;
  files: FileStore;
  conversations: Conversations;
  outbox: Outbox;
  records: {
    sends: RecordedSend[];
    leftMessages: RecordedLeaveMessage[];
    satisfactions: RecordedSatisfaction[];
    uploads: RecordedUpload[];
    robotFeedbacks: RecordedRobotFeedback[];
    phraseQueries: RecordedPhraseQuery[];
    /** Every call past API Fabric's check (tokenByAkSk aside), the latest 10 000. */
    requests: RecordedRequest[];
  };
  /** Test hooks: sends still to fail, the outage (undefined while up), a result code queryQueueInfo answers. */
  faults: { failSends: number; outage?: OutageMode; queueResultCode?: string };
  /** Accepted sends per customer, for the ccmessaging-token rotation. */
  sendCounts: Map<string, number>;
  /** Each customer's locale from applyToken (the survey's language, SYSTEM's nickname). */
  locales: Map<string, string>;
}
