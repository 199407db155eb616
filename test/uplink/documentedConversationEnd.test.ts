// The end of a conversation against the simulator as Huawei documents AICC (no invented events), in push mode and
// in poll mode, through the SDK: a long Chinese message within AICC's 1 KB (and one beyond it refused before
// anything is stored or sent), the stream lost and resumed without losing what AICC said meanwhile (and the
// message sent again once it is back, as the widget sends what waited, stored and sent once), the customer
// ending the conversation (send DISCONNECT, once, as the call order of docs/aicc.md §5 ends), and the survey,
// answered once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { createClient, GatewayClientError, TEXT_MAX_BYTES, textBytes, type MessageEntry } from '../../src/client/index.js';
import { customerToken } from '../support/gateway.js';
import { startRig, statusOf } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

for (const mode of ['pushMsg', 'poll'] as const) {
  describe(`the documented conversation's end (${mode})`, () => {
    it('a long Chinese message, the stream lost and resumed, the customer ends it, the survey once', async () => {
      // A heartbeat a second: a silent stream is taken as lost after one interval and its margin.
      const rig = await startRig({ push: mode, stepMs: 40 }, { HEARTBEAT_MS: '1000', ...(mode === 'poll' ? { AICC_DOWNLINK: 'poll' } : {}) });
      let opened: ReturnType<typeof createClient> | undefined;
      try {
        const id = `documented-end-${mode}`;
        const token = await customerToken(id);
        const sockets: WebSocket[] = [];
        class TrackedWebSocket extends WebSocket {
          constructor(url: string) {
            super(url);
            sockets.push(this);
          }
        }
        const client = createClient({ url: rig.gw.url, token, WebSocket: TrackedWebSocket as never });
        opened = client;
        const heard = { messages: [] as MessageEntry[], phases: [] as string[], disconnects: [] as string[] };
        client.on('message', (m) => heard.messages.push(m));
        client.on('state', ({ state }) => heard.phases.push(state.phase));
        client.on('disconnected', ({ reason }) => heard.disconnects.push(reason));
        await waitFor(() => client.connectionState === 'connected', 'connected');
        const fromAicc = (id: string) => rig.sim.sends.filter((s) => s.request.from === id);

        // 400 Chinese characters are 1,200 bytes: refused before anything is stored or sent, naming the limit.
        const tooLong = '您'.repeat(400);
        assert.equal(textBytes(tooLong), 1200);
        const refused = await client.send({ kind: 'text', text: tooLong }).catch((error: unknown) => error);
        assert.ok(refused instanceof GatewayClientError && refused.status === 400, String(refused));
        assert.match(refused.message, new RegExp(`${TEXT_MAX_BYTES} bytes`));
        assert.equal(fromAicc(id).length, 0, 'AICC heard nothing');

        // 341 of them (1,023 bytes) go whole, to the robot, and the stream goes silent meanwhile: the SDK notices
        // after one heartbeat interval, resumes, and hears the robot's answers all the same.
        sockets[0]!.pause();
        const long = await client.send({ kind: 'text', text: '您'.repeat(341) });
        await waitFor(() => heard.disconnects.includes('no heartbeat in time'), 'the silent stream is given up');
        await waitFor(() => statusOf(heard, long.seq).includes('sent'), 'the long message is sent, heard after the reconnect');
        await waitFor(() => heard.messages.some((m) => m.message.sourceType === 'ROBOT'), 'the robot answers');
        sockets[0]!.terminate();
        assert.ok(fromAicc(id).some((s) => s.request.controlType === 'CHAT' && s.request.content === '您'.repeat(341)), 'AICC has it whole');
        // Sent again once the stream is back, as the widget sends what waited for the connection: the same
        // clientMessageId is the same message, stored and sent to AICC once.
        const resent = await client.send({ kind: 'text', text: '您'.repeat(341), clientMessageId: long.clientMessageId });
        assert.deepEqual([resent.duplicate, resent.seq], [true, long.seq]);
        assert.equal(fromAicc(id).filter((s) => s.request.controlType === 'CHAT' && s.request.content === '您'.repeat(341)).length, 1, 'AICC heard it once');
        const seqs = heard.messages.map((m) => m.seq);
        assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
        assert.equal(new Set(seqs).size, seqs.length, 'each once');

        // The customer ends it: DISCONNECT to AICC, once; the state is `ended` for every tab's stream.
        const end = await client.end();
        assert.equal(end.duplicate, false);
        await waitFor(() => heard.phases.at(-1) === 'ended', 'the conversation ended');
        await waitFor(() => statusOf(heard, end.seq).includes('sent'), 'the DISCONNECT was sent');
        const disconnects = () => fromAicc(id).filter((s) => s.request.controlType === 'DISCONNECT');
        assert.equal(disconnects().length, 1);
        assert.deepEqual([disconnects()[0]!.request.mediaType, disconnects()[0]!.request.content], ['TEXT', ''], "as Huawei's samples send it");
        const again = await client.end();
        assert.equal(again.duplicate, true, 'ending an ended conversation changes nothing');
        assert.equal(disconnects().length, 1);
        assert.equal(rig.sim.session(id)?.phase, 'ended', 'AICC ended the session');

        // The survey, once: AICC hears the first answer; a second one is refused; every stream hears it answered.
        const survey = await client.survey({ language: 'zh_CN' });
        assert.equal(survey.enabled, true);
        const saved = rig.sim.satisfactions.length;
        await client.saveSurvey({ evaluation: 4, npsScore: 8, resolved: true });
        const twice = await client.saveSurvey({ evaluation: 1 }).catch((error: unknown) => error);
        assert.ok(twice instanceof GatewayClientError && twice.status === 409, String(twice));
        assert.equal(rig.sim.satisfactions.length, saved + 1, 'AICC heard the survey once');
        const endedSeq = heard.messages.find((m) => m.seq === end.seq)!.seq;
        await waitFor(() => heard.messages.some((m) => m.message.controlType === 'SURVEY' && m.message.refSeq === endedSeq), 'the answer is in the log');
      } finally {
        opened?.close();
        await rig.close();
      }
    });
  });
}
