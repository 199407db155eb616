// Which of the robot's messages the widget offers for rating (src/widget/model.ts answersCustomer): its answers,
// not the greeting it says when each conversation is CONNECTed. Logs as the gateway stores them, in seq order.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DownLinkMsg, MessageEntry } from '../../src/protocol/index.js';
import { answersCustomer } from '../../src/widget/model.js';

const CUSTOMER: Partial<DownLinkMsg> = { sourceType: 'CUSTOMER', content: 'Where is my order?' };
const GREETING: Partial<DownLinkMsg> = { sourceType: 'ROBOT', content: 'Hello, I am the virtual assistant.', interIdx: '1' };
const ANSWER: Partial<DownLinkMsg> = { sourceType: 'ROBOT', content: 'It left our warehouse.', interIdx: '2' };
const AGENT_END: Partial<DownLinkMsg> = { controlType: 'DISCONNECT', sourceType: 'AGENT', mediaType: null, content: null };

/** A log of these messages, seq 1, 2, 3…, and the robot messages in it that answers the customer (by seq). */
function answers(...messages: Partial<DownLinkMsg>[]): number[] {
  const log: MessageEntry[] = messages.map((fields, i) => ({
    seq: i + 1,
    storedAt: i,
    message: { channel: 'WEB', from: 'ch', to: 'c1', controlType: 'CHAT', sourceType: 'SYSTEM', mediaType: 'TEXT', content: '', timestamp: i, ...fields },
  }));
  return log.filter((e) => e.message.sourceType === 'ROBOT' && answersCustomer(e.seq, log)).map((e) => e.seq);
}

describe('answersCustomer: the robot’s greeting is not rated, its answers are', () => {
  it('the greeting stored after the customer’s first message (it reached AICC after the CONNECT) is still the greeting', () => {
    assert.deepEqual(answers(CUSTOMER, GREETING, ANSWER), [3]);
  });

  it('a greeting before the customer wrote, then two answers', () => {
    assert.deepEqual(answers(GREETING, CUSTOMER, ANSWER, CUSTOMER, ANSWER), [3, 5]);
  });

  it('each conversation has its own greeting: after an end (agent, customer, timeout) the next robot message greets', () => {
    assert.deepEqual(answers(CUSTOMER, GREETING, ANSWER, AGENT_END, CUSTOMER, GREETING, ANSWER), [3, 7]);
    const customerEnd = { controlType: 'DISCONNECT', sourceType: 'CUSTOMER', mediaType: null, content: null } as const;
    assert.deepEqual(answers(CUSTOMER, GREETING, ANSWER, customerEnd, CUSTOMER, GREETING), [3]);
    const offline = { controlType: 'DISCONNECT', sourceType: 'SYSTEM', isOfflineStatus: true, content: '{TIPS}' } as const;
    assert.deepEqual(answers(CUSTOMER, GREETING, offline, CUSTOMER, GREETING, ANSWER), [6]);
  });

  it('a refusal as outside working hours ends it too (the next message CONNECTs again); another refusal does not', () => {
    const outsideHours = { controlType: 'STATUS', sourceType: 'SYSTEM', status: 'failed', refSeq: 1, resultCode: '12', content: null } as Partial<DownLinkMsg>;
    assert.deepEqual(answers(CUSTOMER, GREETING, outsideHours, CUSTOMER, GREETING, ANSWER), [6]);
    const failed = { controlType: 'STATUS', sourceType: 'SYSTEM', status: 'failed', refSeq: 1, resultCode: '13', content: null } as Partial<DownLinkMsg>;
    assert.deepEqual(answers(CUSTOMER, GREETING, failed, CUSTOMER, ANSWER), [5]);
  });

  it('what does not show as a robot bubble (an empty message, a notice, typing) does not count as the greeting', () => {
    const empty = { sourceType: 'ROBOT', content: '' } as const;
    const system = { sourceType: 'SYSTEM', content: 'Queuing...' } as const;
    assert.deepEqual(answers(empty, system, CUSTOMER, GREETING, ANSWER), [5]);
  });

  it('the start of the conversation not loaded yet: the first robot message known is taken as the greeting', () => {
    // The widget has loaded entries 3 onwards: it cannot tell, and rather offers no rating than rate a greeting.
    const log = [CUSTOMER, GREETING, ANSWER, CUSTOMER, ANSWER].map((fields, i) => ({
      seq: i + 1, storedAt: i, message: { channel: 'WEB', from: 'ch', to: 'c1', controlType: 'CHAT', mediaType: 'TEXT', timestamp: i, ...fields } as DownLinkMsg,
    }));
    const loaded = log.slice(2);
    assert.equal(answersCustomer(3, loaded), false);
    assert.equal(answersCustomer(5, loaded), true);
    assert.equal(answersCustomer(3, log), true, 'once the start is loaded');
  });
});
