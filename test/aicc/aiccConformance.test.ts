// AICC as Huawei documents it (docs/aicc.md). Three parts:
//  1. Huawei's sample exchanges (test/fixtures/aicc/*.json, each with the page it is printed on) replayed against
//     the simulator: an AICC that answers as the documents do must take them, and answer in their shape.
//  2. The gateway driven through its customer API, checking what the simulator received, call by call: the
//     headers (x-app-key, Authorization, ccmessaging-token) and the types of the body's fields.
//  3. The gateway's reading of AICC's answers: the two token errors (401 and 403), per-API result codes, answers
//     without a result code, and polled messages without controlType or timestamp.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import pino from 'pino';
import { AiccClient, AiccError } from '../../src/aicc/aiccClient.js';
import { AICC_PATHS } from '../../src/aicc/api.js';
import { normalizeDownLinkMsg, type RawDownLinkMsg } from '../../src/aicc/downlink.js';
import { AiccSessions } from '../../src/aicc/sessions.js';
import { downloadRequestOf } from '../../src/delivery/mediaRoute.js';
import type { AiccSessionRecord } from '../../src/engine/types.js';
import { withPollDefaults } from '../../src/ingest/pollLoop.js';
import { createSimulator, type RecordedRequest, type Simulator } from '../../src/simulator/index.js';
import { customer, startRig, statusOf, type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

interface Fixture {
  page: string;
  path: string;
  request?: Record<string, unknown>;
  query?: Record<string, string>;
  answer: Record<string, unknown>;
}

const FIXTURES = new URL('../fixtures/aicc/', import.meta.url);
const fixture = (name: string): Fixture => JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8'));
/** The send samples' `to`: the simulator plays that channel, so the samples replay as printed. */
const SAMPLE_CHANNEL = '1011577355744904195';
const AICC = { appKey: 'conformance-app', appSecret: 'conformance-secret' };

describe('Huawei’s sample exchanges, replayed against the simulator', () => {
  let sim: Simulator;
  let accessToken: string;

  before(async () => {
    sim = await createSimulator({ ...AICC, channelId: SAMPLE_CHANNEL, stepMs: 20 });
    const res = await fetch(sim.url + AICC_PATHS.tokenByAkSk, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ app_key: AICC.appKey, app_secret: AICC.appSecret }),
    });
    accessToken = ((await res.json()) as { AccessToken: string }).AccessToken;
  });
  after(() => sim?.close());

  async function call(path: string, body: unknown, ccToken?: string, method = 'POST') {
    const headers: Record<string, string> = { 'X-APP-Key': AICC.appKey, Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' };
    if (ccToken) headers['ccmessaging-token'] = ccToken;
    const res = await fetch(sim.url + path, { method, headers, ...(method === 'POST' ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }
  async function applyFor(userId: string): Promise<string> {
    const sample = fixture('applyToken');
    const res = await call(sample.path, { ...sample.request, userId, channelId: SAMPLE_CHANNEL });
    return res.body.token as string;
  }

  it('every fixture names the Huawei page it is printed on', () => {
    const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
    assert.ok(names.length >= 11, names.join());
    for (const name of names) assert.match(fixture(name.replace(/\.json$/, '')).page, /^https:\/\/support\.huaweicloud\.com\//, name);
  });

  it('applyToken: the sample request, answered with the token alone', async () => {
    const sample = fixture('applyToken');
    const res = await call(sample.path, { ...sample.request, channelId: SAMPLE_CHANNEL });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), Object.keys(sample.answer));
    assert.equal(typeof res.body.token, 'string');
  });

  it('send: CONNECT, CHAT and TRANS2AGENT exactly as printed (a 39-character user, mediaType TEXT, empty content)', async () => {
    const connect = fixture('sendConnect');
    const token = await applyFor(String(connect.request!.from));
    for (const name of ['sendConnect', 'sendChat', 'sendTrans2Agent']) {
      const sample = fixture(name);
      const res = await call(sample.path, sample.request, token);
      assert.equal(res.status, 200, name);
      assert.equal(res.body.resultCode, sample.answer.resultCode, `${name}: ${JSON.stringify(res.body)}`);
      await waitFor(() => sim.downlinks(String(connect.request!.from)).length > 0, 'the robot answers');
    }
    assert.deepEqual(sim.sends.map((s) => s.request.controlType), ['CONNECT', 'CHAT', 'TRANS2AGENT']);
  });

  it('queryQueueInfo: the sample request; integers in the answer', async () => {
    const sample = fixture('queryQueueInfo');
    const userId = String(fixture('sendConnect').request!.from);
    const res = await call(sample.path, { ...sample.request, userId, channelConfigId: SAMPLE_CHANNEL });
    assert.equal(res.body.resultCode, '0', JSON.stringify(res.body));
    for (const key of Object.keys(sample.answer).filter((k) => k !== 'resultCode')) assert.equal(typeof res.body[key], 'number', key);
  });

  it('saveSatisfaction, queryHistoryChatMessage: string values as the tables type them', async () => {
    const userId = 'survey_sample_user';
    const token = await applyFor(userId);
    await call(AICC_PATHS.send, { ...fixture('sendConnect').request, from: userId }, token);
    const survey = fixture('saveSatisfaction');
    const s = survey.request!.satisfication as Record<string, unknown>;
    const saved = await call(survey.path, { satisfication: { ...s, userId, channelConfigId: SAMPLE_CHANNEL } }, token);
    assert.equal(saved.body.resultCode, '0', JSON.stringify(saved.body));
    assert.equal(sim.satisfactions.at(-1)!.satisfication.evaluation, '5');
    const history = fixture('queryHistoryChatMessage');
    const page = await call(history.path, { ...history.request, userId, channelId: SAMPLE_CHANNEL }, token);
    assert.equal(page.body.resultCode, '0', JSON.stringify(page.body));
    assert.ok(Array.isArray(page.body.messageList));
  });

  it('doLeaveMessage: the sample, answered as printed', async () => {
    const sample = fixture('doLeaveMessage');
    const token = await applyFor(String(sample.request!.callId));
    const res = await call(sample.path, sample.request, token);
    assert.deepEqual(res.body, sample.answer);
  });

  it('feedbacksatisfaction: the sample (feedback an integer, interIdx a string)', async () => {
    const sample = fixture('feedbackSatisfaction');
    const token = await applyFor(String(sample.request!.from));
    const res = await call(sample.path, sample.request, token);
    assert.equal(res.body.resultCode, '0', JSON.stringify(res.body));
  });

  it('downloadFileStream: the sample’s shape, answered with the file alone; refused without the ccmessaging-token', async () => {
    const sample = fixture('downloadFileStream');
    const token = await applyFor('download_sample_user');
    const upload = await call(AICC_PATHS.uploadFileStream, { fileType: 'jpg', fileStream: Buffer.from('a picture').toString('base64'), channel: 'WEB' }, token);
    const res = await call(sample.path, { ...sample.request, fileId: upload.body.objectKey, multiMedia: 'multiMedia' }, token);
    assert.deepEqual(Object.keys(res.body), Object.keys(sample.answer));
    assert.equal(Buffer.from(res.body.fileStream, 'base64').toString(), 'a picture');
    assert.equal((await call(sample.path, { ...sample.request, fileId: upload.body.objectKey })).status, 401);
  });

  it('poll: the sample answer (a numeric timestamp) is a DownLinkMsg the gateway stores', () => {
    const sample = fixture('poll');
    // The page cuts the sample short with "..." after the timestamp; sourceType (in the poll table) is among what was cut.
    const [polled] = (sample.answer.downlinkMessages as RawDownLinkMsg[]).map((m) =>
      withPollDefaults({ ...m, sourceType: m.sourceType ?? 'AGENT' }, sample.query!.receiverId!, 1),
    );
    const stored = normalizeDownLinkMsg(polled!, 0);
    assert.equal(stored.customerId, 'session_fixed_user_fixed');
    assert.equal(stored.timestamp, 1619590480756);
    assert.equal(stored.message.content, '欢迎欢迎,热列欢迎');
  });
});

describe('the gateway’s calls, as the simulator received them', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ push: 'pushMsg' });
  });
  after(() => rig?.close());

  const callsTo = (path: string): RecordedRequest[] => rig.sim.requests.filter((r) => r.path === path);
  /** send or sendAsync, whichever the gateway is set to use. */
  const sends = (): RecordedRequest[] => rig.sim.requests.filter((r) => r.path === AICC_PATHS.send || r.path === AICC_PATHS.sendAsync);
  const assertHeaders = (r: RecordedRequest, perCustomer: boolean) => {
    assert.equal(r.headers['x-app-key'], rig.sim.settings.appKey, r.path);
    assert.match(r.headers.authorization ?? '', /^Bearer \S+$/, r.path);
    if (perCustomer) assert.ok(r.headers['ccmessaging-token'], `${r.path} carries the ccmessaging-token`);
  };

  it('carries x-app-key, the Bearer AccessToken and, on every per-customer call, the ccmessaging-token; types as documented', async () => {
    const c = await customer(rig, 'conformance-1');
    const text = await c.client.send({ kind: 'text', text: 'Hello' });
    await waitFor(() => statusOf(c.heard, text.seq).includes('sent'), 'the text is sent');
    await c.client.send({ kind: 'location', latitude: 48.8584, longitude: 2.2945, description: 'Eiffel Tower' });
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const upload = await c.client.upload(new Uint8Array(png), 'image/png', 'dot.png');
    const file = await c.client.send({ kind: 'file', ...upload });
    await waitFor(() => statusOf(c.heard, file.seq).includes('sent'), 'the file is sent');
    await c.client.transfer();
    await waitFor(() => c.heard.phases.includes('ended'), 'the agent hangs up', 30_000);

    // The agent's local picture: kept with its contentType and mediaFileType, fetched as "local/" + content.
    const image = c.heard.messages.find((m) => m.message.sourceType === 'AGENT' && m.message.mediaType === 'IMAGE')!;
    assert.deepEqual([image.message.contentType, image.message.mediaFileType], ['1', 'png']);
    const media = await c.http('GET', `/v1/media/${encodeURIComponent(String(image.message.content))}`);
    assert.equal(media.status, 200);
    const download = callsTo(AICC_PATHS.downloadFileStream).at(-1)!;
    assert.deepEqual(download.body, { fileId: `local/${image.message.content}`, channel: 'WEB', fileType: 'png' });

    assert.equal((await c.http('GET', '/v1/survey')).status, 200);
    assert.equal((await c.http('POST', '/v1/survey', { evaluation: 4, comment: 'ok', npsScore: 7, resolved: false })).status, 200);
    assert.equal((await c.http('POST', '/v1/leave-message', { message: 'Call me back', phone: '13866667777' })).status, 200);

    const apply = callsTo(AICC_PATHS.applyToken);
    assert.equal(apply.length, 1, 'one session for the whole conversation');
    assertHeaders(apply[0]!, false);
    for (const key of ['userId', 'userName', 'channelId', 'locale']) assert.equal(typeof (apply[0]!.body as any)[key], 'string', key);

    assert.ok(sends().length > 0);
    for (const r of sends()) assertHeaders(r, true);
    for (const path of [AICC_PATHS.uploadFileStream, AICC_PATHS.downloadFileStream, AICC_PATHS.getSatisfactionSurveyMode, AICC_PATHS.saveSatisfaction, AICC_PATHS.doLeaveMessage]) {
      const calls = callsTo(path);
      assert.ok(calls.length > 0, `${path} was called`);
      for (const r of calls) assertHeaders(r, true);
    }
    const documented = ['TEXT', 'IMAGE', 'AUDIO', 'VIDEO', 'FILE', 'FILE_IMAGE', 'FILE_VIDEO', 'WEBCARD'];
    for (const r of sends()) {
      const body = r.body as Record<string, unknown>;
      assert.ok(documented.includes(String(body.mediaType)), `${body.controlType}: mediaType ${body.mediaType}`);
      assert.equal(typeof body.content, 'string', `${body.controlType}: content`);
      assert.equal(typeof body.timestamp, 'string');
      if (body.controlType !== 'CHAT' && body.controlType !== 'READ') assert.deepEqual([body.mediaType, body.content], ['TEXT', ''], String(body.controlType));
    }
    const location = sends().map((r) => r.body as Record<string, string>).find((b) => b.content.startsWith('📍'))!;
    assert.equal(location.mediaType, 'TEXT');
    assert.match(location.content, /^📍 Eiffel Tower \(48\.8584, 2\.2945\) https:\/\/www\.openstreetmap\.org\//);
    const saved = (callsTo(AICC_PATHS.saveSatisfaction).at(-1)!.body as any).satisfication;
    assert.deepEqual([saved.evaluation, saved.npsScore, saved.fcrValue], ['4', '7', '2']);
    c.client.close();
  });

  it('a 401 means the ccmessaging-token is gone: the gateway applies again and the send goes once', async () => {
    const c = await customer(rig, 'conformance-expiry');
    const first = await c.client.send({ kind: 'text', text: 'before expiry' });
    await waitFor(() => statusOf(c.heard, first.seq).includes('sent'), 'sent');
    const applied = callsTo(AICC_PATHS.applyToken).filter((r) => (r.body as any).userId === 'conformance-expiry').length;
    rig.sim.expireCustomerTokens();
    const second = await c.client.send({ kind: 'text', text: 'after expiry' });
    await waitFor(() => statusOf(c.heard, second.seq).includes('sent'), 'sent after applying again');
    assert.equal(callsTo(AICC_PATHS.applyToken).filter((r) => (r.body as any).userId === 'conformance-expiry').length, applied + 1);
    assert.equal(rig.sim.sends.filter((s) => s.request.content === 'after expiry').length, 1);
    // The same AICC conversation goes on: no second CONNECT.
    assert.equal(rig.sim.sends.filter((s) => s.request.from === 'conformance-expiry' && s.request.controlType === 'CONNECT').length, 1);
    c.client.close();
  });
});

describe('the gateway reads AICC’s answers per API', () => {
  const log = pino({ level: 'silent' });
  let scripted: Awaited<ReturnType<typeof startScriptedAicc>>;
  before(async () => {
    scripted = await startScriptedAicc();
  });
  after(() => scripted?.close());

  const client = () => new AiccClient({
    baseUrl: scripted.url, appKey: 'k', appSecret: 's', channelId: 'ch', locale: 'en', timeoutMs: 2000, sendAsync: false, attempts: 1, log,
  });
  const memoryStore = () => {
    const records = new Map<string, AiccSessionRecord>();
    return {
      aiccSession: async (id: string) => records.get(id),
      setAiccSession: async (id: string, record: AiccSessionRecord | undefined) => void (record ? records.set(id, record) : records.delete(id)),
    };
  };

  it('takes applyToken’s and downloadFileStream’s payload-only answers as success; no code and no payload is not', async () => {
    const aicc = client();
    const session = await aicc.applyToken('u1');
    assert.equal(session.token, 'scripted-token-1');
    assert.equal((await aicc.downloadFile(session, 'local/x', 'png', false)).toString(), 'bytes');
    scripted.next.set(AICC_PATHS.downloadFileStream, { status: 200, body: {} });
    await assert.rejects(aicc.downloadFile(session, 'x', 'png', true), (err: AiccError) => err.code === 'UNEXPECTED');
    await aicc.close();
  });

  it('doLeaveMessage’s "3" is a bad parameter: refused once, never sent twice, the session kept', async () => {
    const aicc = client();
    const sessions = new AiccSessions(aicc, memoryStore());
    scripted.next.set(AICC_PATHS.doLeaveMessage, { status: 200, body: { resultCode: '3', resultDesc: 'the leaveMessageParams is error' } });
    const before = scripted.count(AICC_PATHS.doLeaveMessage);
    const applied = scripted.count(AICC_PATHS.applyToken);
    await assert.rejects(
      sessions.call('u2', (s) => aicc.leaveMessage(s, '138', 'hi'), { connect: false }),
      (err: AiccError) => err.code === 'PARAMETER' && err.resultCode === '3',
    );
    assert.equal(scripted.count(AICC_PATHS.doLeaveMessage), before + 1);
    assert.equal(scripted.count(AICC_PATHS.applyToken), applied + 1, 'no second applyToken');
    await aicc.close();
  });

  it('HTTP 401 on a per-customer call: applies again and repeats once; 403: renews the AccessToken and repeats once', async () => {
    const aicc = client();
    const sessions = new AiccSessions(aicc, memoryStore());
    await sessions.call('u3', async () => undefined, { connect: false });
    scripted.next.set(AICC_PATHS.saveSatisfaction, { status: 401, body: {} });
    const applied = scripted.count(AICC_PATHS.applyToken);
    await sessions.call('u3', (s) => aicc.saveSatisfaction(s, { evaluation: 5, comment: '' }), { connect: false });
    assert.equal(scripted.count(AICC_PATHS.applyToken), applied + 1);
    assert.equal(scripted.count(AICC_PATHS.saveSatisfaction), 2, 'refused once, then saved');
    assert.equal(scripted.lastToken(AICC_PATHS.saveSatisfaction), `scripted-token-${scripted.count(AICC_PATHS.applyToken)}`, 'with the new token');

    const renewed = scripted.count(AICC_PATHS.tokenByAkSk);
    scripted.next.set(AICC_PATHS.doLeaveMessage, {
      status: 403, body: { errorCode: '0', exceptionInfo: 'auth fail! illegal or expired token info. please apply or refresh the access token from the server!' },
    });
    await sessions.call('u3', (s) => aicc.leaveMessage(s, '138', 'hi'), { connect: false });
    assert.equal(scripted.count(AICC_PATHS.tokenByAkSk), renewed + 1, 'a new AccessToken');
    assert.equal(scripted.count(AICC_PATHS.applyToken), applied + 1, 'the ccmessaging-token kept');
    await aicc.close();
  });

  it('queryQueueInfo: "3" is its token error; 5, 6, 160004, 160021, 160022 say why the customer is not queuing', async () => {
    const aicc = client();
    const session = await aicc.applyToken('u4');
    const reasons: Record<string, string> = { '5': 'ENDED', '6': 'SESSION_INVALID', '160004': 'NO_SESSION', '160021': 'WITH_AGENT', '160022': 'MOVED_TO_IVR' };
    for (const [code, reason] of Object.entries(reasons)) {
      scripted.next.set(AICC_PATHS.queryQueueInfo, { status: 200, body: { resultCode: code } });
      assert.deepEqual(await aicc.queueInfo(session), { queuing: false, reason, resultCode: code });
    }
    scripted.next.set(AICC_PATHS.queryQueueInfo, { status: 200, body: { resultCode: '3', resultDesc: 'token error' } });
    await assert.rejects(aicc.queueInfo(session), (err: AiccError) => err.code === 'TOKEN');
    scripted.next.set(AICC_PATHS.uploadFileStream, { status: 200, body: { returnCode: 3, resultDesc: 'bad fileType' } });
    await assert.rejects(aicc.uploadFile(session, 'exe', Buffer.from('x')), (err: AiccError) => err.code === 'PARAMETER');
    await aicc.close();
  });

  it('asks for a local file as "local/" + content with its mediaFileType, and a library file with multiMedia', () => {
    const local = downloadRequestOf('20240101/agent.png', { mediaId: 'x', origin: 'aicc', mediaType: 'IMAGE', contentType: '1', fileType: 'PNG' });
    assert.deepEqual(local, { fileId: 'local/20240101/agent.png', fileType: 'png', mediaLibrary: false });
    const library = downloadRequestOf('1198344', { mediaId: 'x', origin: 'aicc', mediaType: 'IMAGE' });
    assert.deepEqual(library, { fileId: '1198344', fileType: 'jpg', mediaLibrary: true });
  });

  it('stores a polled message without controlType or timestamp as a chat message received now', () => {
    const polled = { from: 'ch', channel: 'WEB', to: 'u5', mediaType: 'TEXT', content: 'hi', sourceType: 'AGENT', interIdx: '7' } as unknown as RawDownLinkMsg;
    const stored = normalizeDownLinkMsg(withPollDefaults(polled, 'u5', 1_700_000_000_000), 0);
    assert.equal(stored.message.controlType, 'CHAT');
    assert.equal(stored.timestamp, 1_700_000_000_000);
    assert.equal(stored.message.interIdx, '7', 'kept');
  });
});

/** A tiny AICC that answers what a test scripts for its next call to a path, and counts the calls. */
async function startScriptedAicc() {
  const app = Fastify({ logger: false });
  const counts = new Map<string, number>();
  const tokens = new Map<string, string | undefined>();
  const next = new Map<string, { status: number; body: unknown }>();
  let applied = 0;
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0]!;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    tokens.set(path, request.headers['ccmessaging-token'] as string | undefined);
  });
  app.post(AICC_PATHS.tokenByAkSk, async () => ({ AccessToken: `at-${Date.now()}`, ApplyType: 'Bearer', CreateTime: '0', Expires: '3600', Scope: 's', AppKey: 'k', UserID: 'Anonymous' }));
  app.post(AICC_PATHS.applyToken, async () => ({ token: `scripted-token-${++applied}` }));
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0]!;
    const planned = next.get(path);
    if (planned) {
      next.delete(path);
      return reply.code(planned.status).send(planned.body);
    }
    if (path === AICC_PATHS.downloadFileStream) return { fileStream: Buffer.from('bytes').toString('base64') };
    return { resultCode: '0', resultDesc: 'ok' };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    next,
    count: (path: string) => counts.get(path) ?? 0,
    lastToken: (path: string) => tokens.get(path),
    close: () => app.close(),
  };
}
