// Factories for what AICC sends. `downLinkMsg()` is a valid CHAT/TEXT message from an agent; override what a
// test is about. SAMPLES are the pushes printed in Huawei's pushMsg page (docs/aicc.md §1), made valid JSON.

export type Msg = Record<string, unknown>;

let counter = 0;

export function downLinkMsg(overrides: Msg = {}): Msg {
  counter += 1;
  return {
    channel: 'WEB',
    from: '202105284494222653',
    to: '44444444',
    controlType: 'CHAT',
    sourceType: 'AGENT',
    mediaType: 'TEXT',
    content: `hello ${counter}`,
    senderNickname: 'Alice',
    timestamp: Date.now(),
    ...overrides,
  };
}

export function pushBody(messages: Msg[], timestamp = Date.now()): { messages: Msg[]; timestamp: number } {
  return { messages, timestamp };
}

const base = { channel: 'WEB', from: '202105284494222653', to: '44444444' };

/** The spec's samples, in the spec's own casing and with its extra keys (`callId`). */
export function specSamples(now = Date.now()): Record<string, Msg> {
  return {
    agentConnected: {
      ...base, controlType: 'CHAT', mediaType: 'TEXT', sourceType: 'SYSTEM', senderNickname: 'SYSTEM',
      content: 'The call is connected to an agent.', callId: null, timestamp: now,
    },
    queuing: { ...base, controlType: 'CHAT', mediaType: 'TEXT', sourceType: 'SYSTEM', content: 'Queuing...', timestamp: now + 1 },
    agentHangUp: {
      ...base, controlType: 'DISCONNECT', sourceType: 'AGENT', mediaType: null, content: null, senderNickname: null,
      timestamp: now + 2,
    },
    timeoutAsyncOff: { ...base, controlType: 'DISCONNECT', sourceType: 'SYSTEM', content: null, timestamp: now + 3 },
    timeoutAsyncOn: {
      ...base, controlType: 'DISCONNECT', sourceType: 'SYSTEM', isOfflineStatus: true, mediaType: 'TEXT',
      content: '{TIPS}', timestamp: now + 4,
    },
    read: { ...base, controlType: 'READ', sourceType: 'AGENT', mediaType: null, content: 'messageId1,messageId2', timestamp: now + 5 },
    trans2Agent: { ...base, controlType: 'Trans2Agent', sourceType: 'SYSTEM', mediaType: null, content: null, timestamp: now + 6 },
  };
}

/** A 43-character alphanumeric push key, as AICC's web-channel settings require. */
export const PUSH_KEY = 'Abcdefghij0123456789Klmnopqrst0123456789Uvw';
