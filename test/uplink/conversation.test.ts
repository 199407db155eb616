// The whole conversation end to end: the SDK, the gateway and the AICC simulator over real HTTP and
// WebSockets on loopback, in push mode and in poll mode; media, uploads, and the uplink when AICC fails.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { AgentHours } from '../../src/uplink/agentHours.js';
import { customerToken } from '../support/gateway.js';
import { customer, scriptedConversation, startRig, statusOf, type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

describe('the scripted conversation', () => {
  it('runs through push (pushMsg): every event once, in order, with states and queue positions', async () => {
    const rig = await startRig({ push: 'pushMsg', inventedAgentEvents: true });
    try {
      await scriptedConversation(rig, 'e2e-push');
    } finally {
      await rig.close();
    }
  });

  it('runs through poll mode the same way', async () => {
    const rig = await startRig({ push: 'poll' }, { AICC_DOWNLINK: 'poll' });
    try {
      await scriptedConversation(rig, 'e2e-poll');
    } finally {
      await rig.close();
    }
  });
});

describe('media', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ push: 'pushMsg' });
  });
  after(() => rig.close());

  it('serves the agent\'s image: identical bytes, ranges, and only to its customer', async () => {
    const heard = await scriptedConversation(rig, 'media-owner');
    const image = heard.messages.find((m) => m.message.mediaType === 'IMAGE')!;
    const id = image.message.content!;
    const expected = rig.sim.fileBytes(id)!;
    assert.ok(expected.length > 0);
    const token = await customerToken('media-owner');
    const path = `/v1/media/${encodeURIComponent(id)}`;
    const whole = await fetch(`${rig.gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'image/png');
    assert.equal(Number(whole.headers.get('content-length')), expected.length);
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), expected);
    const slice = await fetch(`${rig.gw.url}${path}`, { headers: { authorization: `Bearer ${token}`, range: 'bytes=4-11' } });
    assert.equal(slice.status, 206);
    assert.equal(slice.headers.get('content-range'), `bytes 4-11/${expected.length}`);
    assert.deepEqual(Buffer.from(await slice.arrayBuffer()), expected.subarray(4, 12));
    const tail = await fetch(`${rig.gw.url}${path}`, { headers: { authorization: `Bearer ${token}`, range: 'bytes=-5' } });
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), expected.subarray(expected.length - 5));
    const beyond = await fetch(`${rig.gw.url}${path}`, { headers: { authorization: `Bearer ${token}`, range: `bytes=${expected.length}-` } });
    assert.equal(beyond.status, 416);
    const stranger = await fetch(`${rig.gw.url}${path}`, { headers: { authorization: `Bearer ${await customerToken('someone-else')}` } });
    assert.equal(stranger.status, 404);
    const traversal = await fetch(`${rig.gw.url}/v1/media/${encodeURIComponent('../../token-secret')}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(traversal.status, 404);
  });

  it('uploads a customer\'s picture to AICC and shows it back from the cache', async () => {
    const { http, token, heard, client } = await customer(rig, 'uploader');
    const png = rig.sim.fileBytes(rig.sim.uploads.length ? rig.sim.uploads[0]!.objectKey : '') ?? tinyPng();
    const res = await fetch(`${rig.gw.url}/v1/uploads?name=me.png`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, body: new Uint8Array(png),
    });
    assert.equal(res.status, 201);
    const upload = (await res.json()) as { objectKey: string; mediaType: string; fileType: string; size: number; fileName: string };
    assert.equal(upload.mediaType, 'IMAGE');
    const sent = await http('POST', '/v1/messages', { clientMessageId: 'pic-1', kind: 'file', ...upload });
    await waitFor(() => statusOf(heard, sent.body.seq).includes('sent'), 'the picture is sent');
    assert.ok(rig.sim.sends.some((s) => s.request.mediaType === 'IMAGE' && s.request.content === upload.objectKey));
    const back = await fetch(`${rig.gw.url}/v1/media/${encodeURIComponent(upload.objectKey)}`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(Buffer.from(await back.arrayBuffer()), Buffer.from(png));
    const refused = await fetch(`${rig.gw.url}/v1/uploads`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-msdownload' }, body: 'MZ',
    });
    assert.equal(refused.status, 415);
    client.close();
  });
});

describe('uplink when AICC fails', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ push: 'pushMsg' });
  });
  after(() => rig.close());

  it('delivers a message once when AICC fails the first attempt', async () => {
    const { http, heard, client } = await customer(rig, 'flaky-1');
    await http('POST', '/v1/messages', { clientMessageId: 'warm-up', kind: 'text', text: 'hi' });
    await waitFor(() => rig.sim.sends.some((s) => s.request.content === 'hi'), 'connected');
    rig.sim.failNextSends(1);
    const sent = await http('POST', '/v1/messages', { clientMessageId: 'once-1', kind: 'text', text: 'exactly once please' });
    await waitFor(() => statusOf(heard, sent.body.seq).includes('sent'), 'sent after a retry');
    assert.equal(rig.sim.sends.filter((s) => s.request.content === 'exactly once please').length, 1);
    assert.equal(heard.messages.filter((m) => m.message.messageCode === 'once-1').length, 1);
    client.close();
  });

  it('marks the message failed with the reason while AICC is down, and a retry sends it once', async () => {
    const { http, heard, client } = await customer(rig, 'flaky-2');
    rig.sim.setDown(true);
    const sent = await http('POST', '/v1/messages', { clientMessageId: 'down-1', kind: 'text', text: 'are you there?' });
    await waitFor(() => statusOf(heard, sent.body.seq).includes('failed'), 'marked failed');
    const failed = heard.messages.find((m) => m.message.controlType === 'STATUS' && m.message.refSeq === sent.body.seq)!;
    assert.match(String(failed.message.reason), /contact center/);
    rig.sim.setDown(false);
    const retry = await http('POST', '/v1/messages', { clientMessageId: 'down-1', kind: 'text', text: 'are you there?' });
    assert.equal(retry.body.seq, sent.body.seq);
    assert.equal(retry.body.duplicate, true);
    await waitFor(() => statusOf(heard, sent.body.seq).includes('sent'), 'sent on retry');
    assert.equal(rig.sim.sends.filter((s) => s.request.content === 'are you there?').length, 1);
    assert.equal(heard.messages.filter((m) => m.message.messageCode === 'down-1').length, 1, 'shown once');
    const again = await http('POST', '/v1/messages', { clientMessageId: 'down-1', kind: 'text', text: 'are you there?' });
    assert.equal(again.body.status, 'sent', 'a retry after success is not sent again');
    client.close();
  });

  it('sends through the SDK: text, location, a file, the request for a human, typing and the read position', async () => {
    const { client, heard } = await customer(rig, 'sdk-sender');
    const text = await client.send({ kind: 'text', text: 'sent by the SDK' });
    assert.match(text.clientMessageId, /^m-/);
    await waitFor(() => statusOf(heard, text.seq).includes('sent'), 'the SDK text is sent');
    const again = await client.send({ clientMessageId: text.clientMessageId, kind: 'text', text: 'sent by the SDK' });
    assert.deepEqual([again.seq, again.duplicate, again.status], [text.seq, true, 'sent']);
    await client.send({ kind: 'location', latitude: 31.23, longitude: 121.47, description: 'Shanghai' });
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const upload = await client.upload(new Uint8Array(png), 'image/png', 'dot.png');
    const file = await client.send({ kind: 'file', ...upload });
    await waitFor(() => statusOf(heard, file.seq).includes('sent'), 'the SDK file is sent');
    await client.typing();
    const transfer = await client.transfer();
    await waitFor(() => statusOf(heard, transfer.seq).includes('sent'), 'the transfer is sent');
    await client.markRead(transfer.seq);
    const sent = rig.sim.sends.filter((s) => s.request.from === 'sdk-sender').map((s) => `${s.request.controlType}/${s.request.mediaType ?? ''}`);
    // Every send carries a documented mediaType: control messages TEXT (Huawei's samples), the location TEXT.
    for (const kind of ['CHAT/TEXT', 'CHAT/IMAGE', 'TRANS2AGENT/TEXT', 'INPUT/TEXT']) assert.ok(sent.includes(kind), `${kind} in ${sent}`);
    assert.ok(rig.sim.sends.some((s) => s.request.from === 'sdk-sender' && s.request.content?.startsWith('📍 Shanghai (31.23, 121.47) ')), 'the location as text');
    assert.equal(rig.sim.sends.filter((s) => s.request.content === 'sent by the SDK').length, 1);
    client.close();
  });

  it('sends over the WebSocket too, acknowledging with the seq', async () => {
    const token = await customerToken('ws-sender');
    const socket = new WebSocket(`${rig.gw.url.replace('http', 'ws')}/v1/stream?token=${token}`);
    const frames: Record<string, unknown>[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'send', clientMessageId: 'ws-1', kind: 'location', latitude: 22.5, longitude: 114.1, description: 'Home' }));
    await waitFor(() => frames.some((f) => f.type === 'ack' && f.clientMessageId === 'ws-1'), 'ack');
    socket.send(JSON.stringify({ type: 'send', clientMessageId: 'ws-2', kind: 'text' }));
    await waitFor(() => frames.some((f) => f.type === 'error' && f.clientMessageId === 'ws-2'), 'refusal');
    // send has no location type: it goes up as TEXT an agent can read and open (docs/aicc.md §8).
    const sentUp = (s: { request: { mediaType?: string; content?: string } }) =>
      s.request.mediaType === 'TEXT' && s.request.content === '📍 Home (22.5, 114.1) https://www.openstreetmap.org/?mlat=22.5&mlon=114.1#map=17/22.5/114.1';
    await waitFor(() => rig.sim.sends.some(sentUp), 'location sent up as text');
    socket.close();
  });
});

describe('agent hours', () => {
  it('stands for what AICC answered last, for a while only', () => {
    let now = 1_000;
    const hours = new AgentHours(60_000, () => now);
    assert.deepEqual(hours.current(), { available: null, heardAt: null });
    hours.heard(false);
    now += 60_000;
    assert.deepEqual(hours.current(), { available: false, heardAt: 1_000 });
    now += 1;
    assert.deepEqual(hours.current(), { available: null, heardAt: null }, 'too old to stand');
    hours.heard(true);
    assert.equal(hours.current().available, true);
  });

  it('hears a transfer AICC accepted as agents at work', async () => {
    const rig = await startRig({ push: 'pushMsg', inventedAgentEvents: true });
    try {
      const { http, heard, client } = await customer(rig, 'in-hours');
      const transfer = await http('POST', '/v1/transfer', { clientMessageId: 'ih-1' });
      await waitFor(() => statusOf(heard, transfer.body.seq).includes('sent'), 'transfer taken');
      assert.equal((await http('GET', '/v1/agents')).body.available, true);
      client.close();
    } finally {
      await rig.close();
    }
  });
});

describe('no agent available', () => {
  it('outside working hours the transfer fails, the conversation goes offline, and a message can be left', async () => {
    const rig = await startRig({ push: 'pushMsg', scenario: 'after-hours' });
    try {
      const { http, heard, client } = await customer(rig, 'after-hours');
      assert.deepEqual((await http('GET', '/v1/agents')).body, { available: null, heardAt: null }, 'nothing heard yet');
      await http('POST', '/v1/messages', { clientMessageId: 'ah-1', kind: 'text', text: 'hello?' });
      // The robot's greeting and answer first: one arriving after the refusal turns the conversation back to the bot.
      const robot = () => heard.messages.filter((m) => m.message.sourceType === 'ROBOT' && m.message.controlType === 'CHAT');
      await waitFor(() => robot().length >= 2, 'the robot greets and answers');
      const transfer = await http('POST', '/v1/transfer', { clientMessageId: 'ah-2' });
      await waitFor(() => statusOf(heard, transfer.body.seq).includes('failed'), 'transfer refused');
      await waitFor(() => heard.phases.at(-1) === 'offline', 'offline');
      // The next customer hears it before writing anything: AICC answered 12 (outside working hours).
      const next = await customer(rig, 'after-hours-next');
      const agents = await next.http('GET', '/v1/agents');
      assert.equal(agents.status, 200);
      assert.equal(agents.body.available, false);
      assert.ok(agents.body.heardAt <= Date.now());
      next.client.close();
      const left = await http('POST', '/v1/leave-message', { message: 'Please call me back', phone: '+8613800000000' });
      assert.equal(left.status, 200);
      assert.equal(rig.sim.leftMessages.at(-1)!.leaveMessage, 'Please call me back');
      client.close();
    } finally {
      await rig.close();
    }
  });
});

function tinyPng(): Buffer {
  return Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  );
}
