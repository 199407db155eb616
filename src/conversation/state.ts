// The conversation state of one customer, derived from the events AICC pushes (and, later, what the customer
// sends). One pure function: the state before, one message, the state after.

import { RESULT } from '../aicc/api.js';
import type { ConversationState, DownLinkMsg, Phase } from '../protocol/index.js';
import { STATUS_CONTROL_TYPE } from './controlTypes.js';

export const INITIAL_STATE: ConversationState = { phase: 'bot', canSend: true, seq: 0 };

// AICC announces queuing and a connected agent with SYSTEM text messages (pushMsg samples); the text is
// configurable in AICC and may be localised, so match the documented English and the usual Chinese wording.
const QUEUING_TEXT = /queu|排队/i;
const AGENT_CONNECTED_TEXT = /connected to (an )?agent|已接通|坐席已接入|转接成功/i;

/** The state after `message`, or the same object when the message does not change it. */
export function nextState(state: ConversationState, message: DownLinkMsg, seq: number): ConversationState {
  const phase = nextPhase(state.phase, message);
  const agentNickname =
    phase === 'agent' ? agentName(message) ?? (state.phase === 'agent' ? state.agentNickname : undefined) : undefined;
  if (phase === state.phase && agentNickname === state.agentNickname) return state;
  return {
    phase,
    ...(agentNickname !== undefined ? { agentNickname } : {}),
    canSend: phase !== 'ended',
    seq,
  };
}

function nextPhase(phase: Phase, message: DownLinkMsg): Phase {
  const { controlType, sourceType } = message;
  const text = typeof message.content === 'string' ? message.content : '';
  switch (controlType) {
    case 'DISCONNECT':
      return message.isOfflineStatus === true ? 'offline' : 'ended';
    case 'TRANS2AGENT':
      return 'queuing';
    case STATUS_CONTROL_TYPE:
      // The gateway's record that AICC refused the customer's message or transfer as outside working hours:
      // no agent now, but the customer may leave a message.
      return message.status === 'failed' && message.resultCode === RESULT.OUTSIDE_WORKING_HOURS ? 'offline' : phase;
    case 'CONNECT':
      if (sourceType === 'AGENT') return 'agent';
      // The customer (re)connecting opens a new conversation, which starts with the bot.
      if (sourceType === 'CUSTOMER' && (phase === 'ended' || phase === 'offline')) return 'bot';
      return phase;
    case 'CHAT':
      if (sourceType === 'AGENT') return 'agent';
      if (sourceType === 'SYSTEM' && AGENT_CONNECTED_TEXT.test(text)) return 'agent';
      if (sourceType === 'SYSTEM' && QUEUING_TEXT.test(text) && phase !== 'agent') return 'queuing';
      if (sourceType === 'ROBOT' && (phase === 'ended' || phase === 'offline')) return 'bot';
      if (sourceType === 'CUSTOMER' && phase === 'ended') return 'bot';
      return phase;
    default:
      return phase;
  }
}

function agentName(message: DownLinkMsg): string | undefined {
  const name = message.senderNickname;
  return message.sourceType === 'AGENT' && typeof name === 'string' && name.trim() ? name.trim() : undefined;
}
