// What a customer answers reaches AICC once: one rating per robot answer (the same vote again is not sent; a
// changed vote is sent and replaces it, a loop of changes is limited), one survey per conversation, and a few left
// messages an hour. End to end against the AICC simulator, counting what it received.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LEFT_MESSAGES_PER_CUSTOMER, RATINGS_PER_ANSWER } from '../../src/limits.js';
import { customer, scriptedConversation, startRig, type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

describe('customers\' answers reach AICC once', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ stepMs: 20 });
  });
  after(() => rig.close());

  it('one rating per answer: a repeat is not sent, a change is, a loop of changes is refused', async () => {
    assert.equal(RATINGS_PER_ANSWER.limit, 5);
    const c = await customer(rig, 'answers-rater');
    await c.http('POST', '/v1/messages', { clientMessageId: 'answers-rater-1', kind: 'text', text: 'Where is my order?' });
    await waitFor(() => c.heard.messages.filter((m) => m.message.sourceType === 'ROBOT' && m.message.interIdx === '2').length > 0, 'the answer');
    const sentFor = () => rig.sim.robotFeedbacks.filter((f) => f.userId === 'answers-rater' && f.request.interIdx === '2').map((f) => f.request.feedback);
    const rate = (satisfied: boolean) =>
      c.http('POST', '/v1/robot-feedback', { interIdx: '2', satisfied, ...(satisfied ? {} : { comment: 'No' }) });

    const answers = [];
    for (const vote of [true, true, false, false, true]) answers.push(await rate(vote));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200]);
    assert.deepEqual(answers.map((a) => a.body.resultDesc), ['thank you', 'already rated so', 'thank you', 'already rated so', 'thank you']);
    assert.deepEqual(sentFor(), [1, 0, 1], 'each change sent once, in order; the last vote stands');
    const looped = await rate(false);
    assert.equal(looped.status, 429);
    assert.ok(looped.headers.get('retry-after'));
    assert.deepEqual(sentFor(), [1, 0, 1]);
    c.client.close();
  });

  it('one survey per conversation: a second answer is refused with 409 and not sent', async () => {
    await scriptedConversation(rig, 'answers-surveyed');
    const saved = rig.sim.satisfactions.length;
    const c = await customer(rig, 'answers-surveyed');
    const again = await c.http('POST', '/v1/survey', { evaluation: 1, comment: 'changed my mind' });
    assert.equal(again.status, 409);
    assert.equal(again.body.resultCode, '17');
    assert.equal(again.body.code, 'SURVEY_ALREADY_SAVED');
    assert.match(again.body.resultDesc, /already saved/);
    assert.equal(rig.sim.satisfactions.length, saved);
    c.client.close();
  });

  it('left messages are limited per customer', async () => {
    const c = await customer(rig, 'answers-leaver');
    const before = rig.sim.leftMessages.length;
    for (let i = 0; i < LEFT_MESSAGES_PER_CUSTOMER.limit; i++) {
      assert.equal((await c.http('POST', '/v1/leave-message', { message: `Call me back (${i})`, phone: '13866667777' })).status, 200);
    }
    const over = await c.http('POST', '/v1/leave-message', { message: 'Call me back!!', phone: '13866667777' });
    assert.equal(over.status, 429);
    assert.equal(rig.sim.leftMessages.length - before, LEFT_MESSAGES_PER_CUSTOMER.limit);
    // Another customer is not held back by this one.
    const other = await customer(rig, 'answers-leaver-2');
    assert.equal((await other.http('POST', '/v1/leave-message', { message: 'Hello', phone: '13866667778' })).status, 200);
    c.client.close();
    other.client.close();
  });
});
