// The robot's rating and suggestions end to end: the customer endpoints and the SDK on a real gateway, against
// the AICC simulator on loopback, checking what the simulator received (types, the ccmessaging-token); the
// simulator's own checks of feedbacksatisfaction; and the defensive reading of queryPhraseByKeyword's answer.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AICC_PATHS } from '../../src/aicc/api.js';
import { phrasesOf } from '../../src/aicc/robot.js';
import { customer, startRig, type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

let rig: Rig;

before(async () => {
  rig = await startRig({ stepMs: 20 });
});

after(async () => {
  await rig?.close();
});

/** A customer who asked the robot about their order, with the robot's answers in their log (each with an interIdx). */
async function talkingToTheRobot(id: string) {
  const c = await customer(rig, id);
  const sent = await c.http('POST', '/v1/messages', { clientMessageId: `${id}-1`, kind: 'text', text: 'Where is my order?' });
  assert.equal(sent.status, 202);
  await waitFor(() => robotAnswers(c).length >= 2, 'the greeting and the answer');
  return c;
}

const robotAnswers = (c: Awaited<ReturnType<typeof customer>>) =>
  c.heard.messages.filter((m) => m.message.sourceType === 'ROBOT' && m.message.controlType === 'CHAT');

describe('rating the robot’s answers', () => {
  it('sends feedback 1 or 0 as an integer, the interIdx as a string, with the customer’s ccmessaging-token', async () => {
    const c = await talkingToTheRobot('rater-1');
    const [greeting, answer] = robotAnswers(c);
    assert.equal(greeting!.message.interIdx, '1');
    assert.equal(answer!.message.interIdx, '2');

    // Through the SDK: thumbs up on the answer.
    await c.client.rateRobotAnswer('2', { satisfied: true });
    const up = rig.sim.robotFeedbacks.at(-1)!;
    assert.deepEqual(up.request, { feedback: 1, from: 'rater-1', interIdx: '2' });
    assert.equal(typeof up.request.feedback, 'number');
    assert.equal(up.userId, 'rater-1', 'the ccmessaging-token was the customer’s');
    const call = rig.sim.requests.filter((r) => r.path === AICC_PATHS.robotFeedback).at(-1)!;
    assert.ok(call.headers['ccmessaging-token'], 'ccmessaging-token sent');
    assert.equal(call.headers['x-app-key'], rig.sim.settings.appKey);
    assert.match(call.headers.authorization!, /^Bearer \S+$/);

    // Over HTTP: thumbs down on the greeting, with the reason AICC requires.
    const down = await c.http('POST', '/v1/robot-feedback', { interIdx: '1', satisfied: false, comment: 'Not what I asked' });
    assert.equal(down.status, 200);
    assert.deepEqual(down.body, { resultCode: '0', resultDesc: 'thank you' });
    assert.deepEqual(rig.sim.robotFeedbacks.at(-1)!.request, { feedback: 0, feedbackContent: 'Not what I asked', from: 'rater-1', interIdx: '1' });
    c.client.close();
  });

  it('works in poll mode too: the polled robot answer keeps its interIdx, and rating it reaches AICC', async () => {
    const polled = await startRig({ push: 'poll', stepMs: 20 }, { AICC_DOWNLINK: 'poll' });
    try {
      const c = await customer(polled, 'rater-poll');
      await c.http('POST', '/v1/messages', { clientMessageId: 'rater-poll-1', kind: 'text', text: 'Where is my order?' });
      await waitFor(() => robotAnswers(c).length >= 2, 'the polled greeting and answer');
      assert.equal(robotAnswers(c)[1]!.message.interIdx, '2');
      await c.client.rateRobotAnswer('2', { satisfied: true });
      assert.deepEqual(polled.sim.robotFeedbacks.at(-1)!.request, { feedback: 1, from: 'rater-poll', interIdx: '2' });
      c.client.close();
    } finally {
      await polled.close();
    }
  });

  it('refuses a thumbs down without a reason, or with one over 64 characters, naming the field', async () => {
    const c = await talkingToTheRobot('rater-2');
    const before = rig.sim.robotFeedbacks.length;
    for (const body of [
      { interIdx: '2', satisfied: false },
      { interIdx: '2', satisfied: false, comment: '   ' },
      { interIdx: '2', satisfied: false, comment: 'x'.repeat(65) },
    ]) {
      const res = await c.http('POST', '/v1/robot-feedback', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.resultCode, '2');
      assert.match(res.body.resultDesc, /^comment: /);
    }
    const typed = await c.http('POST', '/v1/robot-feedback', { interIdx: 2, satisfied: 'yes' });
    assert.equal(typed.status, 400);
    assert.match(typed.body.resultDesc, /^(interIdx|satisfied): /);
    assert.equal(rig.sim.robotFeedbacks.length, before, 'nothing reached AICC');
    c.client.close();
  });

  it('refuses an interIdx that no robot message of this customer carried', async () => {
    const c = await talkingToTheRobot('rater-3');
    const stranger = await customer(rig, 'rater-4'); // has no robot answer at all
    const before = rig.sim.robotFeedbacks.length;
    const unknown = await c.http('POST', '/v1/robot-feedback', { interIdx: '99', satisfied: true });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.resultDesc, /^interIdx: /);
    const notTheirs = await stranger.http('POST', '/v1/robot-feedback', { interIdx: '1', satisfied: true });
    assert.equal(notTheirs.status, 400);
    assert.match(notTheirs.body.resultDesc, /^interIdx: /);
    await assert.rejects(stranger.client.rateRobotAnswer('2', { satisfied: true }), { code: 'HTTP', status: 400 });
    assert.equal(rig.sim.robotFeedbacks.length, before);
    c.client.close();
    stranger.client.close();
  });

  it('answers in the gateway’s shape when AICC cannot be reached', async () => {
    const c = await talkingToTheRobot('rater-5');
    rig.sim.setDown(true);
    try {
      const res = await c.http('POST', '/v1/robot-feedback', { interIdx: '2', satisfied: true });
      assert.equal(res.status, 502);
      assert.equal(res.body.resultCode, '16');
      assert.equal(typeof res.body.resultDesc, 'string');
    } finally {
      rig.sim.setDown(false);
    }
    c.client.close();
  });
});

describe('suggestions while typing', () => {
  it('asks queryPhraseByKeyword with strContent, locale and channel, and answers at most 5 phrases', async () => {
    const c = await customer(rig, 'typist-1');
    const res = await c.http('GET', '/v1/suggestions?q=order&locale=zh-CN');
    assert.equal(res.status, 200);
    assert.ok(res.body.suggestions.length > 0 && res.body.suggestions.length <= 5, JSON.stringify(res.body));
    assert.ok(res.body.suggestions.includes('Where is my order?'));
    const asked = rig.sim.phraseQueries.at(-1)!;
    assert.deepEqual(asked.request, { strContent: 'order', locale: 'zh_CN', channel: 'WEB' });
    assert.equal(asked.userId, 'typist-1', 'the customer’s ccmessaging-token came with it');
    const call = rig.sim.requests.filter((r) => r.path === AICC_PATHS.queryPhraseByKeyword).at(-1)!;
    assert.equal(call.headers['x-app-key'], rig.sim.settings.appKey);
    assert.match(call.headers.authorization!, /^Bearer \S+$/);

    // The SDK; without a locale the gateway's AICC_LOCALE ("en") goes.
    assert.deepEqual(await c.client.suggestions('human'), ['Talk to a human']);
    assert.equal(rig.sim.phraseQueries.at(-1)!.request.locale, 'en');
    assert.deepEqual(await c.client.suggestions('zzz'), []);
    c.client.close();
  });

  it('refuses a missing or over-long q, naming it, and asks nothing of AICC', async () => {
    const c = await customer(rig, 'typist-2');
    const before = rig.sim.phraseQueries.length;
    for (const query of ['', '?q=', `?q=${'a'.repeat(101)}`, '?q=hi&locale=not a locale']) {
      const res = await c.http('GET', `/v1/suggestions${query}`);
      assert.equal(res.status, 400, query);
      assert.match(res.body.resultDesc, /^(q|locale)/, res.body.resultDesc);
    }
    assert.equal(rig.sim.phraseQueries.length, before);
    c.client.close();
  });

  it('suggests nothing once an agent answers (only the robot suggests)', async () => {
    const c = await customer(rig, 'typist-3');
    await c.http('POST', '/v1/transfer', { clientMessageId: 'typist-3-human' });
    await waitFor(() => c.heard.phases.includes('agent'), 'an agent answers');
    const before = rig.sim.phraseQueries.length;
    assert.deepEqual((await c.http('GET', '/v1/suggestions?q=order')).body, { suggestions: [] });
    assert.equal(rig.sim.phraseQueries.length, before);
    c.client.close();
  });
});

describe('the OpenAPI document', () => {
  it('describes both endpoints from their schemas', async () => {
    const doc = (await rig.gw.request('GET', '/docs/json')).body;
    const feedback = doc.paths['/v1/robot-feedback'].post;
    assert.deepEqual(Object.keys(feedback.requestBody.content['application/json'].schema.properties).sort(), ['comment', 'interIdx', 'satisfied']);
    const suggestions = doc.paths['/v1/suggestions'].get;
    assert.ok(suggestions.parameters.some((p: { name: string; in: string }) => p.name === 'q' && p.in === 'query'));
  });
});

describe('simulator: feedbacksatisfaction as its table types it', () => {
  /** The simulator called directly, as AICC's clients call it. */
  async function call(path: string, body: unknown, ccToken?: string) {
    const tokenRes = await fetch(rig.sim.url + AICC_PATHS.tokenByAkSk, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_key: rig.sim.settings.appKey, app_secret: rig.sim.settings.appSecret }),
    });
    const { AccessToken } = (await tokenRes.json()) as { AccessToken: string };
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-app-key': rig.sim.settings.appKey, authorization: `Bearer ${AccessToken}` };
    if (ccToken) headers['ccmessaging-token'] = ccToken;
    const res = await fetch(rig.sim.url + path, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('takes Huawei’s sample; refuses a string feedback, a missing reason for 0, a numeric interIdx, another user', async () => {
    const applied = await call(AICC_PATHS.applyToken, { userId: '1111111', userName: 'Ann', channelId: rig.sim.settings.channelId, locale: 'en' });
    const token = String(applied.body.token);
    const sample = { feedback: 0, feedbackContent: 'dissatisfied', from: '1111111', interIdx: '2' };
    assert.equal((await call(AICC_PATHS.robotFeedback, sample, token)).body.resultCode, '0');
    assert.deepEqual(rig.sim.robotFeedbacks.at(-1)!.request, sample);
    for (const wrong of [
      { ...sample, feedback: '0' },
      { ...sample, feedback: true },
      { ...sample, feedback: 2 },
      { feedback: 0, from: '1111111', interIdx: '2' },
      { ...sample, feedbackContent: 'x'.repeat(65) },
      { ...sample, interIdx: 2 },
      { ...sample, from: 'someone-else' },
    ]) {
      const res = await call(AICC_PATHS.robotFeedback, wrong, token);
      assert.equal(res.body.resultCode, '10010000001', JSON.stringify(wrong));
    }
    const noToken = await call(AICC_PATHS.robotFeedback, sample);
    assert.equal(noToken.status, 401, 'the ccmessaging-token is mandatory');
  });
});

describe('reading queryPhraseByKeyword’s answer', () => {
  it('takes strings or objects with a text field, under any of the plausible keys, at most 5', () => {
    assert.deepEqual(phrasesOf({ resultCode: '0', data: ['a', 'b'] }), ['a', 'b']);
    assert.deepEqual(phrasesOf({ phrases: [{ text: 'a' }, { phrase: 'b' }, { content: 'c' }, { question: 'd' }] }), ['a', 'b', 'c', 'd']);
    assert.deepEqual(phrasesOf({ result: { phrases: ['x'] } }), ['x']);
    assert.deepEqual(phrasesOf(['1', '2', '3', '4', '5', '6']), ['1', '2', '3', '4', '5']);
    assert.deepEqual(phrasesOf({ data: [' a ', 'a', '', 7, null, { id: 1 }, 'b'] }), ['a', 'b']);
    assert.deepEqual(phrasesOf({ resultCode: '0', resultDesc: 'ok' }), []);
    assert.deepEqual(phrasesOf(null), []);
  });
});
