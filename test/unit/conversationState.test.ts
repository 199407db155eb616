// The conversation state machine, table by table: the state before, a message, the state after.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INITIAL_STATE, nextState, stateInputOf } from '../../src/conversation/state.js';
import type { ConversationState, DownLinkMsg, Phase } from '../../src/protocol/index.js';

const msg = (fields: Partial<DownLinkMsg>): DownLinkMsg => ({
  channel: 'WEB', from: 'ch', to: 'c1', controlType: 'CHAT', sourceType: 'SYSTEM', mediaType: 'TEXT', content: '',
  timestamp: 1, ...fields,
});
const at = (phase: Phase, extra: Partial<ConversationState> = {}): ConversationState => ({
  phase, canSend: phase !== 'ended', seq: 1, ...extra,
});

describe('nextState', () => {
  const table: [string, ConversationState, DownLinkMsg, Phase, string?][] = [
    ['robot reply keeps the bot', INITIAL_STATE, msg({ sourceType: 'ROBOT', content: 'Hi, how can I help?' }), 'bot'],
    ['TRANS2AGENT queues', at('bot'), msg({ controlType: 'TRANS2AGENT', mediaType: null, content: null }), 'queuing'],
    ['the "Queuing..." notice queues', at('bot'), msg({ content: 'Queuing...' }), 'queuing'],
    ['a Chinese queuing notice queues', at('bot'), msg({ content: '正在排队，请稍候' }), 'queuing'],
    ['"connected to an agent" connects', at('queuing'), msg({ content: 'The call is connected to an agent.' }), 'agent'],
    ['agent CONNECT connects, with the nickname', at('queuing'), msg({ controlType: 'CONNECT', sourceType: 'AGENT', senderNickname: 'Lily' }), 'agent', 'Lily'],
    ['an agent message connects', at('queuing'), msg({ sourceType: 'AGENT', senderNickname: 'Tom', content: 'Hello' }), 'agent', 'Tom'],
    ['a queuing notice does not undo an agent', at('agent', { agentNickname: 'Tom' }), msg({ content: 'Queuing...' }), 'agent', 'Tom'],
    ['DISCONNECT ends', at('agent'), msg({ controlType: 'DISCONNECT', sourceType: 'AGENT', mediaType: null, content: null }), 'ended'],
    ['DISCONNECT with isOfflineStatus goes offline', at('queuing'), msg({ controlType: 'DISCONNECT', isOfflineStatus: true, content: '{TIPS}' }), 'offline'],
    ['DISCONNECT with isOfflineStatus false ends', at('queuing'), msg({ controlType: 'DISCONNECT', isOfflineStatus: false, content: null }), 'ended'],
    ['the bot after an ended conversation starts again', at('ended'), msg({ sourceType: 'ROBOT', content: 'Welcome back' }), 'bot'],
    ['READ changes nothing', at('agent', { agentNickname: 'Tom' }), msg({ controlType: 'READ', sourceType: 'AGENT', content: 'a,b' }), 'agent', 'Tom'],
    ['a system text changes nothing', at('bot'), msg({ content: 'Please rate our service' }), 'bot'],
    ['the customer connecting after the end restarts with the bot', at('ended'), msg({ controlType: 'CONNECT', sourceType: 'CUSTOMER' }), 'bot'],
  ];
  for (const [name, before, message, phase, agent] of table) {
    it(name, () => {
      const after = nextState(before, message, 7);
      assert.equal(after.phase, phase);
      assert.equal(after.agentNickname, agent);
      assert.equal(after.canSend, phase !== 'ended');
      if (after !== before) assert.equal(after.seq, 7);
    });
  }

  it('returns the same object when nothing changes, so callers can tell a change', () => {
    const state = at('agent', { agentNickname: 'Tom' });
    assert.equal(nextState(state, msg({ sourceType: 'AGENT', senderNickname: 'Tom', content: 'more' }), 9), state);
  });

  it('a new agent nickname is a change of state', () => {
    const after = nextState(at('agent', { agentNickname: 'Tom' }), msg({ sourceType: 'AGENT', senderNickname: 'Ann' }), 9);
    assert.deepEqual(after, { phase: 'agent', agentNickname: 'Ann', canSend: true, seq: 9 });
  });

  it('reads nothing of a message that stateInputOf leaves out (the writer thread gets only that)', () => {
    const extra: [ConversationState, DownLinkMsg][] = [
      [at('bot'), msg({ controlType: 'STATUS', sourceType: 'CUSTOMER', status: 'failed', resultCode: '12', content: null })],
      [at('bot'), msg({ controlType: 'STATUS', sourceType: 'CUSTOMER', status: 'failed', resultCode: '1', content: null })],
      [at('queuing'), msg({ sourceType: 'AGENT', senderNickname: '  Lily ', content: 'Queuing is over' })],
      [at('ended'), msg({ sourceType: 'CUSTOMER', content: 'hello again' })],
      [at('offline'), msg({ controlType: 'CONNECT', sourceType: 'CUSTOMER', content: null })],
    ];
    for (const [before, message] of [...table.map(([, b, m]) => [b, m] as const), ...extra]) {
      assert.deepEqual(nextState(before, stateInputOf(message), 7), nextState(before, message, 7), JSON.stringify(message));
    }
  });
});
