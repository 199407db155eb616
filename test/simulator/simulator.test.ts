// The AICC simulator over real HTTP on loopback, called the way the gateway's AiccClient calls AICC; and the
// scripted conversation pushed to a real gateway, by pushMsg and by the signed webhook.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { AICC_PATHS } from '../../src/aicc/api.js';
import { createSimulator, type SimDownLinkMsg, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { PUSH_KEY } from '../support/fixtures.js';
import { APPS, PUSH_ACCESS_KEY, startGateway, type InProcessGateway } from '../support/gateway.js';

const CHANNEL = '202105284494222653';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** Calls AICC as the gateway does: AccessToken + x-app-key on every call, ccmessaging-token per customer. */
class AiccCaller {
  private accessToken?: string;
  constructor(readonly sim: Simulator) {}

  async raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(this.sim.url + path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  async token(ttl?: number): Promise<Answer> {
    return this.raw('POST', AICC_PATHS.tokenByAkSk, { app_key: 'aicc-app', app_secret: 'aicc-secret' }, ttl ? { 'X-Token-Expire': String(ttl) } : {});
  }

  async call(method: string, path: string, body?: unknown, ccToken?: string): Promise<Answer> {
    this.accessToken ??= (await this.token()).body.AccessToken as string;
    const headers: Record<string, string> = { 'x-app-key': 'aicc-app', authorization: `Bearer ${this.accessToken}` };
    if (ccToken !== undefined) headers['ccmessaging-token'] = ccToken;
    return this.raw(method, path, body, headers);
  }

  async customer(userId: string): Promise<Customer> {
    const res = await this.call('POST', AICC_PATHS.applyToken, { userId, userName: 'Ann', channelId: CHANNEL, locale: 'en' });
    // As the developer guide's sample: the token alone (cec_05_2012).
    assert.equal(typeof res.body.token, 'string', JSON.stringify(res.body));
    return new Customer(this, userId, res.body.token);
  }
}

class Customer {
  constructor(readonly aicc: AiccCaller, readonly userId: string, public token: string) {}

  /** send (or sendAsync); keeps the newer ccmessaging-token AICC hands back. */
  async send(fields: Record<string, unknown>, path: 'send' | 'sendAsync' = 'send'): Promise<Answer> {
    // Huawei's samples: every send carries mediaType (TEXT, with empty content, for control messages).
    const body = { channel: 'WEB', sourceType: 'CUSTOMER', from: this.userId, to: CHANNEL, mediaType: 'TEXT', content: '', timestamp: String(Date.now()), ...fields };
    const res = await this.aicc.call('POST', AICC_PATHS[path], body, this.token);
    const newer = res.headers.get('ccmessaging-token');
    if (newer) this.token = newer;
    return res;
  }

  chat(content: string, extra: Record<string, unknown> = {}): Promise<Answer> {
    return this.send({ controlType: 'CHAT', mediaType: 'TEXT', content, ...extra });
  }

  call(path: string, body: unknown): Promise<Answer> {
    return this.aicc.call('POST', path, body, this.token);
  }

  poll(isNeedRead = true): Promise<Answer> {
    const query = `?receiverId=${encodeURIComponent(this.userId)}&channel=WEB${isNeedRead ? '&isNeedRead=true' : ''}`;
    return this.aicc.call('GET', AICC_PATHS.poll + query, undefined, this.token);
  }

  queueInfo(): Promise<Answer> {
    return this.call(AICC_PATHS.queryQueueInfo, { userId: this.userId, channelConfigId: CHANNEL, channel: 'WEB' });
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const BASE: SimulatorOptions = { appKey: 'aicc-app', appSecret: 'aicc-secret', channelId: CHANNEL, stepMs: 20 };
const started: Simulator[] = [];
async function simulator(options: SimulatorOptions = {}): Promise<{ sim: Simulator; aicc: AiccCaller }> {
  const sim = await createSimulator({ ...BASE, ...options });
  started.push(sim);
  return { sim, aicc: new AiccCaller(sim) };
}
after(async () => {
  await Promise.all(started.map((sim) => sim.close()));
});

const shape = (m: { sourceType: string; controlType: string; mediaType?: string | null }) =>
  `${m.sourceType} ${m.controlType}${m.mediaType ? ` ${m.mediaType}` : ''}`;

describe('simulator: API Fabric tokens', () => {
  it('issues AccessTokens for its credentials, honouring X-Token-Expire up to 3600', async () => {
    const { aicc } = await simulator();
    const issued = await aicc.token();
    assert.equal(issued.status, 200);
    assert.equal(issued.body.ApplyType, 'Bearer');
    assert.equal(issued.body.Expires, '600');
    assert.equal(issued.body.AppKey, 'aicc-app');
    assert.equal(issued.body.UserID, 'Anonymous');
    assert.match(issued.body.CreateTime, /^\d{10}$/);
    assert.equal((await aicc.token(60)).body.Expires, '60');
    assert.equal((await aicc.token(7200)).body.Expires, '3600');
    const wrong = await aicc.raw('POST', AICC_PATHS.tokenByAkSk, { app_key: 'aicc-app', app_secret: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.AccessToken, undefined);
  });

  it('answers 403 with API Fabric’s body when the token is missing, unknown, for another app or expired', async () => {
    let clock = Date.now();
    const { aicc } = await simulator({ now: () => clock });
    const token = (await aicc.token(60)).body.AccessToken as string;
    const body = { userId: 'u-403', userName: 'Ann', channelId: CHANNEL, locale: 'en' };
    const cases: Record<string, string>[] = [
      {},
      { 'x-app-key': 'aicc-app' },
      { 'x-app-key': 'aicc-app', authorization: 'Bearer not-a-token' },
      { 'x-app-key': 'other-app', authorization: `Bearer ${token}` },
    ];
    for (const headers of cases) {
      const res = await aicc.raw('POST', AICC_PATHS.applyToken, body, headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal(
        res.body.exceptionInfo,
        'auth fail! illegal or expired token info. please apply or refresh the access token from the server!',
      );
      assert.equal(typeof res.body.errorCode, 'string');
    }
    const good = { 'x-app-key': 'aicc-app', authorization: `Bearer ${token}` };
    assert.equal((await aicc.raw('POST', AICC_PATHS.applyToken, body, good)).status, 200);
    clock += 61_000;
    assert.equal((await aicc.raw('POST', AICC_PATHS.applyToken, body, good)).status, 403);
  });
});

describe('simulator: session calls', () => {
  it('applyToken checks userId, channelId and locale', async () => {
    const { aicc } = await simulator();
    const apply = (fields: Record<string, unknown>) =>
      aicc.call('POST', AICC_PATHS.applyToken, { userId: 'u-apply', userName: 'Ann', channelId: CHANNEL, locale: 'en', ...fields });
    const ok = await apply({});
    assert.deepEqual(Object.keys(ok.body), ['token'], 'the token alone, as cec_05_2012 shows');
    // Huawei's own send samples use this 39-character user, beyond the table's 32.
    assert.equal(typeof (await apply({ userId: 'session_1619573111751_user_1619573111751' })).body.token, 'string');
    assert.equal((await apply({ userId: 'x'.repeat(65) })).body.resultCode, '2');
    assert.equal((await apply({ userId: '' })).body.resultCode, '2');
    assert.equal((await apply({ channelId: 'other-channel' })).body.resultCode, '2');
    assert.equal((await apply({ locale: undefined })).body.resultCode, '2');
    const listed = await simulator({ resultCodeWithPayload: true });
    const withCode = await listed.aicc.call('POST', AICC_PATHS.applyToken, { userId: 'u-apply', userName: 'Ann', channelId: CHANNEL, locale: 'en' });
    assert.equal(withCode.body.resultCode, '0', 'as the API table lists it, when asked');
  });

  it('validates send and sendAsync, records what it accepts, and fails sends on demand', async () => {
    const { sim, aicc } = await simulator({ rotateTokenEvery: 0 });
    const ann = await aicc.customer('u-send');
    assert.equal((await ann.chat('too early')).body.resultCode, '13', 'CHAT before CONNECT');
    const connect = await ann.send({ controlType: 'CONNECT' });
    assert.deepEqual(connect.body, { resultCode: '0', resultDesc: 'send message success.' });
    const asyncChat = await ann.send({ controlType: 'CHAT', mediaType: 'TEXT', content: 'hi' }, 'sendAsync');
    assert.deepEqual(asyncChat.body, { resultCode: '0', resultDesc: 'send sendMessageForOpenApiAsync success.' });

    const refused: [string, Record<string, unknown>][] = [
      ['from another user', { controlType: 'CHAT', mediaType: 'TEXT', content: 'x', from: 'someone-else' }],
      ['to another channel', { controlType: 'CHAT', mediaType: 'TEXT', content: 'x', to: 'other' }],
      ['sourceType AGENT', { controlType: 'CHAT', mediaType: 'TEXT', content: 'x', sourceType: 'AGENT' }],
      ['unknown controlType', { controlType: 'HELLO' }],
      ['a numeric timestamp', { controlType: 'CHAT', mediaType: 'TEXT', content: 'x', timestamp: Date.now() }],
      ['text over 1 KB', { controlType: 'CHAT', mediaType: 'TEXT', content: 'é'.repeat(513) }],
      ['CHAT without mediaType', { controlType: 'CHAT', content: 'x', mediaType: undefined }],
      ['CONNECT without mediaType', { controlType: 'CONNECT', mediaType: undefined }],
      ['LOCATE, a downlink type only', { controlType: 'CHAT', mediaType: 'LOCATE', content: '22.5/114.1/Home' }],
      ['an IMAGE that was never uploaded', { controlType: 'CHAT', mediaType: 'IMAGE', content: 'sim/upload/nope.png' }],
      ['channel APP', { controlType: 'CHAT', mediaType: 'TEXT', content: 'x', channel: 'APP' }],
    ];
    for (const [why, fields] of refused) {
      const res = await ann.send(fields);
      assert.equal(res.status, 200, why);
      assert.equal(res.body.resultCode, '2', `${why}: ${JSON.stringify(res.body)}`);
    }
    assert.equal((await ann.chat('x'.repeat(1024))).body.resultCode, '0', 'exactly 1 KB is fine');

    // A missing or unknown ccmessaging-token: HTTP 401, "apply again" (cec_07_0103).
    const noToken = await aicc.call('POST', AICC_PATHS.send, { controlType: 'CONNECT' });
    assert.equal(noToken.status, 401);
    const badToken = await aicc.call('POST', AICC_PATHS.send, { controlType: 'CONNECT' }, 'forged');
    assert.equal(badToken.status, 401);
    // Optional timestamp (cec_05_2031).
    assert.equal((await ann.send({ controlType: 'CHAT', mediaType: 'TEXT', content: 'no time', timestamp: undefined })).body.resultCode, '0');

    sim.failNextSends(2);
    for (const path of ['send', 'sendAsync'] as const) {
      const failed = await ann.send({ controlType: 'INPUT' }, path);
      assert.deepEqual([failed.status, failed.body], [500, { resultCode: '13', resultDesc: 'sendUserMessage failed' }]);
    }
    assert.equal((await ann.send({ controlType: 'INPUT' })).body.resultCode, '0');

    assert.deepEqual(
      sim.sends.map((s) => [s.path, s.request.controlType, s.resultCode]),
      [['send', 'CHAT', '13'], ['send', 'CONNECT', '0'], ['sendAsync', 'CHAT', '0'], ['send', 'CHAT', '0'], ['send', 'CHAT', '0'], ['send', 'INPUT', '0']],
    );
    assert.equal(sim.sends[2]!.request.content, 'hi');
  });

  it('replaces the ccmessaging-token every 5th send; the previous one lasts only its grace', async () => {
    let clock = Date.now();
    const { aicc } = await simulator({ now: () => clock, tokenGraceMs: 5000 });
    const ann = await aicc.customer('u-rotate');
    const first = ann.token;
    for (let i = 1; i <= 4; i++) {
      const res = await ann.send({ controlType: i === 1 ? 'CONNECT' : 'INPUT' });
      assert.equal(res.headers.get('ccmessaging-token'), null, `send ${i}`);
    }
    const fifth = await ann.send({ controlType: 'INPUT' });
    const second = fifth.headers.get('ccmessaging-token');
    assert.ok(second && second !== first);
    assert.equal(ann.token, second);

    const withToken = (token: string) => aicc.call('POST', AICC_PATHS.send, {
      channel: 'WEB', sourceType: 'CUSTOMER', from: 'u-rotate', to: CHANNEL, timestamp: String(Date.now()), controlType: 'INPUT', mediaType: 'TEXT', content: '',
    }, token);
    assert.equal((await withToken(second)).body.resultCode, '0');
    assert.equal((await withToken(first)).body.resultCode, '0', 'the previous token, within its grace');
    clock += 6000;
    assert.equal((await withToken(first)).status, 401, 'the previous token, after its grace');
    assert.equal((await withToken(second)).body.resultCode, '0');
    // Sends 6 to 8 above; of three more, the 10th rotates again.
    for (let i = 0; i < 3; i++) await ann.send({ controlType: 'INPUT' });
    assert.notEqual(ann.token, second);
    assert.equal((await ann.poll()).body.resultCode, '0', 'every per-customer call takes the newest token');
  });

  it('uploads and downloads files byte for byte, and refuses what AICC refuses', async () => {
    const { sim, aicc } = await simulator({ maxUploadBytes: 4096 });
    const ann = await aicc.customer('u-files');
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
    const uploadBody = { fileType: 'PNG', fileStream: bytes.toString('base64'), channel: 'WEB' };
    // The ccmessaging-token is mandatory on both file calls (cec_07_0111, cec_07_0109).
    assert.equal((await aicc.call('POST', AICC_PATHS.uploadFileStream, uploadBody)).status, 401);
    const upload = await ann.call(AICC_PATHS.uploadFileStream, uploadBody);
    assert.equal(upload.body.returnCode, '0');
    const objectKey = upload.body.objectKey as string;
    assert.equal((await aicc.call('POST', AICC_PATHS.downloadFileStream, { fileId: objectKey, channel: 'WEB', fileType: 'png' })).status, 401);
    const download = await ann.call(AICC_PATHS.downloadFileStream, { fileId: objectKey, channel: 'WEB', fileType: 'png' });
    assert.deepEqual(Object.keys(download.body), ['fileStream'], 'the file alone, as cec_05_2042 shows');
    assert.ok(Buffer.from(download.body.fileStream, 'base64').equals(bytes));
    assert.ok(sim.fileBytes(objectKey)!.equals(bytes));
    assert.deepEqual(sim.uploads.map((u) => [u.objectKey, u.fileType, u.size]), [[objectKey, 'png', 3000]]);

    await ann.send({ controlType: 'CONNECT' });
    assert.equal((await ann.send({ controlType: 'CHAT', mediaType: 'IMAGE', content: objectKey })).body.resultCode, '0');

    const upload2 = (fields: Record<string, unknown>) =>
      ann.call(AICC_PATHS.uploadFileStream, { fileType: 'jpg', fileStream: 'aGVsbG8=', channel: 'WEB', ...fields });
    assert.equal((await upload2({ fileType: 'exe' })).body.returnCode, '3');
    assert.equal((await upload2({ fileStream: Buffer.alloc(5000).toString('base64') })).body.returnCode, '3');
    assert.equal((await upload2({ fileStream: 'not base64!' })).body.returnCode, '3');
    assert.equal((await upload2({ fileType: undefined })).body.returnCode, '2');
    const download2 = (fields: Record<string, unknown>) =>
      ann.call(AICC_PATHS.downloadFileStream, { fileId: objectKey, channel: 'WEB', fileType: 'png', ...fields });
    assert.equal((await download2({ fileId: 'sim/upload/unknown.png' })).body.resultCode, '13');
    assert.equal((await download2({ fileId: '' })).body.resultCode, '401');
  });

  it('long-polls: answers at once with what is queued, and READ only when isNeedRead=true', async () => {
    const { sim, aicc } = await simulator({ push: 'poll', pollTimeoutMs: 60_000, agentHangsUp: false, inventedAgentEvents: true });
    const ann = await aicc.customer('u-poll');
    await ann.send({ controlType: 'CONNECT' });
    await waitFor('the greeting', () => sim.downlinks('u-poll').length === 1);
    const first = await ann.poll();
    assert.equal(first.body.resultDesc, 'query user messages success');
    assert.deepEqual(first.body.downlinkMessages.map(shape), ['ROBOT CHAT TEXT']);
    assert.equal(first.body.downlinkMessages[0].simQuestions, '["Where is my order?","Talk to a human"]');

    // A poll already waiting is answered by the next event.
    const waiting = ann.poll();
    await ann.chat('Where is my order?', { messageCode: 'c-1' });
    assert.match((await waiting).body.downlinkMessages[0].content, /order/);

    await ann.send({ controlType: 'TRANS2AGENT' });
    await waitFor('the agent’s READ', () => sim.downlinks('u-poll').some((m) => m.controlType === 'READ'));
    const withoutRead = await ann.poll(false);
    assert.ok(withoutRead.body.downlinkMessages.length > 0);
    assert.ok(!withoutRead.body.downlinkMessages.some((m: SimDownLinkMsg) => m.controlType === 'READ'));

    await ann.chat('thanks');
    await waitFor('the reply’s READ', () => sim.downlinks('u-poll').filter((m) => m.controlType === 'READ').length === 2);
    const withRead = await ann.poll(true);
    assert.deepEqual(withRead.body.downlinkMessages.map(shape), ['AGENT INPUT', 'AGENT CHAT TEXT', 'AGENT READ']);
  });

  it('long-polls: answers an empty list once pollTimeoutMs has passed', async () => {
    const { aicc } = await simulator({ push: 'poll', pollTimeoutMs: 50 });
    const ann = await aicc.customer('u-empty');
    const res = await ann.poll();
    assert.deepEqual(res.body, { resultCode: '0', resultDesc: 'query user messages success', downlinkMessages: [] });
    const other = await aicc.call('GET', `${AICC_PATHS.poll}?receiverId=someone-else&channel=WEB`, undefined, ann.token);
    assert.equal(other.body.resultCode, '2');
  });

  it('reports a falling queue position, then 160021 with an agent and 5 once ended', async () => {
    const { aicc } = await simulator({ push: 'poll', stepMs: 60, queueLength: 3 });
    const ann = await aicc.customer('u-queue');
    assert.equal((await ann.queueInfo()).body.resultCode, '160004', 'no session');
    await ann.send({ controlType: 'CONNECT' });
    await ann.send({ controlType: 'TRANS2AGENT' });
    assert.equal((await ann.send({ controlType: 'TRANS2AGENT' })).body.resultCode, '13', 'already transferring');
    const positions: number[] = [];
    const last = await waitFor('an agent', async () => {
      const info = (await ann.queueInfo()).body;
      if (info.resultCode === '0') {
        positions.push(info.position);
        assert.equal(info.estimateWaitTime, info.position * 30);
        for (const key of ['totalWaitTime', 'currentDeviceWaitTime', 'configMaxcWaitTime', 'longestWaitTime']) {
          assert.equal(typeof info[key], 'number', key);
        }
      }
      return info.resultCode !== '0' && info;
    });
    assert.equal(last.resultCode, '160021');
    assert.equal(positions[0], 3);
    assert.deepEqual(positions, [...positions].sort((a, b) => b - a), 'never rises');
    assert.ok(new Set(positions).size >= 2, `falls: ${positions}`);
    await ann.send({ controlType: 'DISCONNECT' });
    assert.equal((await ann.queueInfo()).body.resultCode, '5');
  });

  it('holds the line still while holdQueue(true), and lets it move once released', async () => {
    const { sim, aicc } = await simulator({ push: 'poll', stepMs: 20, queueLength: 3 });
    const ann = await aicc.customer('u-held');
    sim.holdQueue(true);
    await ann.send({ controlType: 'CONNECT' });
    await ann.send({ controlType: 'TRANS2AGENT' });
    await waitFor('the queuing notice', () => sim.downlinks('u-held').some((m) => m.content === 'Queuing...'));
    // Ten steps later, still third: the line did not move (a slow machine only makes the wait longer).
    await new Promise((resolve) => setTimeout(resolve, 10 * 20));
    const held = (await ann.queueInfo()).body;
    assert.deepEqual([held.resultCode, held.position, held.estimateWaitTime], ['0', 3, 90]);
    sim.holdQueue(false);
    await waitFor('an agent', async () => (await ann.queueInfo()).body.resultCode === '160021');
    assert.equal(sim.session('u-held')?.phase, 'agent');
  });

  it('after hours: transfers answer 12, the bot explains, and leave-message works', async () => {
    const { sim, aicc } = await simulator({ push: 'poll', scenario: 'after-hours' });
    const ann = await aicc.customer('u-late');
    assert.equal((await ann.send({ controlType: 'CONNECT' })).body.resultCode, '0');
    const transfer = await ann.send({ controlType: 'TRANS2AGENT' });
    assert.deepEqual(transfer.body, { resultCode: '12', resultDesc: 'The current time is not within the working time of the service agents' });
    await ann.chat('I want a human');
    await waitFor('the bot’s answer', () => sim.downlinks('u-late').length === 2);
    assert.match(sim.downlinks('u-late')[1]!.content!, /not within the working time/);
    const left = await ann.call(AICC_PATHS.doLeaveMessage, { callId: 'u-late', caller: '+8613800000000', leaveMessage: 'Call me', channel: 'WEB' });
    assert.equal(left.body.resultCode, '0');
    assert.deepEqual(sim.leftMessages.map((m) => [m.callId, m.caller, m.leaveMessage]), [['u-late', '+8613800000000', 'Call me']]);
    assert.equal((await ann.call(AICC_PATHS.doLeaveMessage, { callId: 'u-late', channel: 'WEB' })).body.resultCode, '2', 'empty parameters');
    const another = await ann.call(AICC_PATHS.doLeaveMessage, { callId: 'someone-else', caller: '+8613800000000', leaveMessage: 'Call me', channel: 'WEB' });
    assert.deepEqual(another.body, { resultCode: '3', resultDesc: 'the leaveMessageParams is error' });
    assert.equal(sim.leftMessages.length, 1);

    const direct = await simulator({ scenario: 'after-hours', robot: false });
    const bob = await direct.aicc.customer('u-late-2');
    assert.equal((await bob.send({ controlType: 'CONNECT' })).body.resultCode, '12', 'CONNECT straight to an agent');
  });

  it('ends a timed-out queue with DISCONNECT, isOfflineStatus false or true with a tip', async () => {
    for (const [scenario, expected] of [
      ['timeout-async-off', { isOfflineStatus: false, mediaType: null, content: null }],
      ['timeout-async-on', { isOfflineStatus: true, mediaType: 'TEXT' }],
    ] as const) {
      const { sim, aicc } = await simulator({ push: 'poll', scenario });
      const ann = await aicc.customer('u-timeout');
      await ann.send({ controlType: 'CONNECT' });
      await ann.send({ controlType: 'TRANS2AGENT' });
      const end = await waitFor('the disconnect', () => sim.downlinks('u-timeout').find((m) => m.controlType === 'DISCONNECT'));
      assert.equal(end.sourceType, 'SYSTEM');
      assert.equal(end.messageCode, null);
      for (const [key, value] of Object.entries(expected)) assert.equal(end[key as keyof SimDownLinkMsg], value, `${scenario} ${key}`);
      if (scenario === 'timeout-async-on') assert.match(end.content!, /Leave us a message/);
      assert.equal(sim.session('u-timeout')!.phase, 'ended');
      assert.equal((await ann.chat('hello?')).body.resultCode, '13');
    }
  });

  it('offers the survey, records a valid evaluation and refuses invalid ones', async () => {
    const { sim, aicc } = await simulator();
    const ann = await aicc.customer('u-survey');
    assert.equal((await aicc.call('POST', AICC_PATHS.getSatisfactionSurveyMode, {})).status, 401, 'ccmessaging-token mandatory');
    const mode = await ann.call(AICC_PATHS.getSatisfactionSurveyMode, { language: 'en_US' });
    assert.equal(mode.body.resultCode, '0');
    assert.equal(mode.body.satisfactionSurvey.surveyType, 'WEB');
    // cec_07_2224: string keys, an Array of questions.
    assert.deepEqual(mode.body.satisfactionSurvey.satisfactionLevel.map((l: any) => l.satisfactionLevelKey), ['1', '2', '3', '4', '5']);
    assert.equal(mode.body.satisfactionSurvey.satisfactionLevel[4].satisfactionLevelDesc, 'Very satisfied');
    assert.deepEqual(mode.body.satisfactionSurvey.satisfactionQuestion, ['CSAT', 'FCR', 'NPS']);

    const save = (fields: Record<string, unknown>) => ann.call(AICC_PATHS.saveSatisfaction, {
      satisfication: { channel: 'WEB', userId: 'u-survey', evaluation: '5', comment: 'Great', channelConfigId: CHANNEL, ...fields },
    });
    assert.equal((await save({})).body.resultCode, '13', 'no conversation yet');
    await ann.send({ controlType: 'CONNECT' });
    assert.equal((await save({ evaluation: 6 })).body.resultCode, '2');
    assert.equal((await save({ evaluation: 0 })).body.resultCode, '2');
    assert.equal((await save({ comment: 'x'.repeat(512) })).body.resultCode, '2');
    assert.equal((await save({ evaluation: 'five' })).body.resultCode, '2');
    assert.equal((await save({ npsScore: '10' })).body.resultCode, '2');
    assert.equal((await save({ fcrValue: '3' })).body.resultCode, '2');
    assert.equal((await save({ comment: 'x'.repeat(511), evaluation: 4 })).body.resultCode, '0', 'a number is taken too');
    assert.equal((await save({ evaluation: '5', npsScore: '9', fcrValue: '1' })).body.resultCode, '0', 'as cec_07_2226 types them');
    assert.deepEqual(sim.satisfactions.map((s) => [s.satisfication.userId, s.satisfication.evaluation]), [['u-survey', 4], ['u-survey', '5']]);
  });

  it('pages the user’s downlink history', async () => {
    const { sim, aicc } = await simulator({ push: 'poll' });
    const ann = await aicc.customer('u-history');
    await ann.send({ controlType: 'CONNECT' });
    await ann.chat('Where is my order?');
    await waitFor('two bot messages', () => sim.downlinks('u-history').length === 2);
    const page = (limit: number | string, offset: number | string, more: Record<string, unknown> = {}) =>
      ann.call(AICC_PATHS.queryHistoryChatMessage, { channelId: CHANNEL, userId: 'u-history', limit, offset, channel: 'WEB', ...more });
    // Strings, as cec_07_0104 types them; numbers are taken too.
    const all = (await page('10', '0')).body;
    assert.equal(all.resultCode, '0');
    assert.equal(all.messageList.length, 2);
    assert.deepEqual((await page(1, 1)).body.messageList, [all.messageList[1]]);
    const second = String(all.messageList[1].timestamp);
    assert.deepEqual((await page('10', '0', { startTime: second, endTime: second })).body.messageList, [all.messageList[1]]);
    assert.equal((await page(0, 0)).body.resultCode, '1');
    assert.equal((await page('ten', '0')).body.resultCode, '1');
  });

  it('goes down and comes back on demand', async () => {
    const { sim, aicc } = await simulator();
    sim.setDown(true);
    assert.equal((await aicc.token()).status, 503);
    sim.setDown(true, 'reset');
    await assert.rejects(aicc.token());
    sim.setDown(false);
    assert.equal((await aicc.token()).status, 200);
  });
});

describe('simulator: pushing to a gateway', () => {
  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway();
  });
  after(() => gw.close());

  const stored = async (customerId: string) => (await gw.gateway.engine.readSince(customerId, 0, 100)).map((e) => e.message);

  /** The whole normal conversation, as the gateway's uplink would drive it; returns what the gateway stored. */
  async function converse(sim: Simulator, aicc: AiccCaller, userId: string) {
    const ann = await aicc.customer(userId);
    await ann.send({ controlType: 'CONNECT' });
    await waitFor('the greeting', async () => (await stored(userId)).length === 1);
    await ann.chat('Where is my order?', { messageCode: 'up-1' });
    await waitFor('the answer', async () => (await stored(userId)).length === 2);
    await ann.chat('I want a human');
    return waitFor('the agent’s hang-up', async () => {
      const messages = await stored(userId);
      return messages.at(-1)?.controlType === 'DISCONNECT' && messages;
    });
  }

  function assertNormalConversation(sim: Simulator, userId: string, messages: Awaited<ReturnType<typeof stored>>) {
    assert.deepEqual(messages.map(shape), [
      'ROBOT CHAT TEXT', 'ROBOT CHAT TEXT', 'SYSTEM CHAT TEXT', 'SYSTEM CHAT TEXT',
      'AGENT CHAT TEXT', 'AGENT CHAT IMAGE', 'AGENT CHAT LOCATE', 'AGENT READ', 'AGENT DISCONNECT',
    ]);
    // SYSTEM's nicknames: "system" as the poll table gives it, "SYSTEM" as the push sample does.
    assert.deepEqual([messages[2]!.senderNickname, messages[3]!.senderNickname], ['system', 'SYSTEM']);
    assert.equal(messages[2]!.content, 'Queuing...');
    assert.equal(messages[3]!.content, 'The call is connected to an agent.');
    assert.equal(messages[3]!.messageCode, null);
    assert.ok('callId' in messages[3]!);
    assert.equal(messages[4]!.senderNickname, 'Lily');
    assert.equal(messages[6]!.content, '22.5431/114.0579/Huawei Shenzhen Campus');
    const human = sim.sends.find((s) => s.request.from === userId && s.request.content === 'I want a human')!;
    assert.equal(messages[7]!.content, `up-1,${human.request.timestamp}`);
    assert.deepEqual([messages[8]!.mediaType, messages[8]!.content], [null, null]);
    const codes = messages.filter((m) => m.controlType === 'CHAT' && m.sourceType !== 'SYSTEM').map((m) => m.messageCode);
    assert.equal(new Set(codes).size, 5);
    assert.ok(codes.every((code) => typeof code === 'string'));
    assert.deepEqual(messages.map((m) => m.from), Array(9).fill(CHANNEL));
    // The agent's picture is a real PNG from the agent's computer: a local file (contentType "1", mediaFileType).
    assert.deepEqual([messages[5]!.contentType, messages[5]!.mediaFileType], ['1', 'png']);
    assert.ok(sim.fileBytes(messages[5]!.content!)!.subarray(0, 8).equals(PNG_SIGNATURE));
  }

  it('pushes the scripted conversation by pushMsg, in order, and the gateway ends in "ended"', async () => {
    const { sim, aicc } = await simulator({ push: 'pushMsg', gatewayUrl: gw.url, gatewayAppKey: 'app1', gatewayAppSecret: APPS.app1 });
    const messages = await converse(sim, aicc, 'e2e-pushmsg');
    assertNormalConversation(sim, 'e2e-pushmsg', messages);
    assert.equal((await gw.gateway.engine.conversation('e2e-pushmsg')).state.phase, 'ended');
    const ann = await aicc.customer('e2e-pushmsg-files');
    const download = (fields: Record<string, unknown>) => ann.call(AICC_PATHS.downloadFileStream, { channel: 'WEB', fileType: 'png', ...fields });
    const image = await download({ fileId: `local/${messages[5]!.content}` });
    assert.ok(Buffer.from(image.body.fileStream, 'base64').equals(sim.fileBytes(messages[5]!.content!)!));
    // Without the prefix AICC looks in the media library, where a local file is not (cec_07_2220).
    assert.equal((await download({ fileId: messages[5]!.content, multiMedia: 'multiMedia' })).body.resultCode, '13');
    assert.equal((await download({ fileId: `local/${messages[5]!.content}`, fileType: 'jpg' })).body.resultCode, '13', 'its mediaFileType');
    assert.ok(sim.pushes.every((p) => p.ok && p.status === 200));
  });

  it('pushes the scripted conversation by the signed webhook, in order', async () => {
    const { sim, aicc } = await simulator({ push: 'webhook', gatewayUrl: gw.url, pushAccessKey: PUSH_ACCESS_KEY, pushKey: PUSH_KEY });
    const messages = await converse(sim, aicc, 'e2e-webhook');
    assertNormalConversation(sim, 'e2e-webhook', messages);
    assert.ok(sim.pushes.every((p) => p.ok));
  });

  it('pushes a fixed-rate load', async () => {
    const { sim } = await simulator({ push: 'pushMsg', gatewayUrl: gw.url, gatewayAppKey: 'app1', gatewayAppSecret: APPS.app1 });
    const result = await sim.pushLoad({ customers: 4, ratePerSecond: 200, durationSeconds: 0.2, customerPrefix: 'load-t-' });
    assert.deepEqual([result.sent, result.acknowledged, result.failed], [40, 40, 0]);
    let total = 0;
    for (let i = 0; i < 4; i++) total += (await stored(`load-t-${i}`)).length;
    assert.equal(total, 40);
  });
});

describe('simulator: push retries', () => {
  /** A stand-in gateway that refuses the first `failures` pushes (alternating 500 and resultCode "13"). */
  async function flakyGateway(failures: number): Promise<{ url: string; received: SimDownLinkMsg[]; server: Server }> {
    const received: SimDownLinkMsg[] = [];
    let refused = 0;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === AICC_PATHS.tokenByAkSk) return res.end(JSON.stringify({ AccessToken: 't', Expires: '600' }));
        if (refused < failures) {
          refused += 1;
          res.statusCode = refused % 2 ? 500 : 200;
          return res.end(JSON.stringify({ resultCode: '13', resultDesc: 'store unavailable' }));
        }
        received.push(...(JSON.parse(body) as { messages: SimDownLinkMsg[] }).messages);
        res.end(JSON.stringify({ resultCode: '0', resultDesc: 'success' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
  }

  it('retries a failed push with backoff without reordering the customer’s events', async () => {
    const flaky = await flakyGateway(3);
    try {
      const { sim, aicc } = await simulator({
        push: 'pushMsg', gatewayUrl: flaky.url, gatewayAppKey: 'k', gatewayAppSecret: 's', pushRetryBaseMs: 10, stepMs: 5,
      });
      const ann = await aicc.customer('u-retry');
      await ann.send({ controlType: 'CONNECT' });
      await ann.send({ controlType: 'TRANS2AGENT' });
      await waitFor('the hang-up', () => flaky.received.some((m) => m.controlType === 'DISCONNECT'));
      assert.deepEqual(
        flaky.received.filter((m) => m.controlType !== 'INPUT').map((m) => m.timestamp),
        sim.downlinks('u-retry').map((m) => m.timestamp),
        'every event once, in the order emitted (typing is pushed but not kept in the history)',
      );
      assert.deepEqual(sim.pushes.slice(0, 4).map((p) => [p.attempt, p.ok]), [[1, false], [2, false], [3, false], [4, true]]);
      assert.equal(sim.pushFailures.length, 0);
    } finally {
      flaky.server.close();
    }
  });
});

describe('simulator: CLI', () => {
  it('prints one JSON line with its URL and no secrets, serves, and stops on SIGTERM', async () => {
    const main = new URL('../../src/simulator/main.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0', '--step-ms', '20', '--scenario', 'after-hours'], {
      env: { ...process.env, SIM_APP_KEY: 'cli-app', SIM_APP_SECRET: 'cli-secret-value' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        void exited.then((code) => reject(new Error(`the simulator exited (${code}) before listening`)));
      });
      const printed = JSON.parse(line);
      assert.equal(printed.scenario, 'after-hours');
      assert.equal(printed.stepMs, 20);
      assert.equal(printed.push, 'poll');
      assert.ok(!line.includes('cli-secret-value'));
      const res = await fetch(printed.url + AICC_PATHS.tokenByAkSk, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ app_key: 'cli-app', app_secret: 'cli-secret-value' }),
      });
      assert.equal(res.status, 200);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
