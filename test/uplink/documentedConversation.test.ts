// One customer's whole conversation against the simulator as Huawei documents AICC (no invented events), in push
// mode and in poll mode, through the SDK: text to the robot, rating its answer, suggestions while typing, an
// upload, a location, the transfer, the queue, the agent, the agent's local picture fetched and compared byte for
// byte, the end and the survey; then, outside working hours, the refused transfer and a message left.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AICC_PATHS } from '../../src/aicc/api.js';
import { customer, startRig, statusOf } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

for (const mode of ['pushMsg', 'poll'] as const) {
  const rigFor = (scenario: 'normal' | 'after-hours') =>
    startRig({ push: mode, scenario, stepMs: 40 }, mode === 'poll' ? { AICC_DOWNLINK: 'poll' } : {});

  describe(`the documented conversation (${mode})`, () => {
    it('robot, rating, suggestions, upload, location, queue, agent, local picture, end, survey', async () => {
      const rig = await rigFor('normal');
      let closeClient = () => {};
      try {
        const id = `documented-${mode}`;
        const { client, heard, http, token } = await customer(rig, id);
        // Closed however the test ends: an open SDK client would keep the file running until the runner's timeout.
        closeClient = () => client.close();
        const robot = () => heard.messages.filter((m) => m.message.sourceType === 'ROBOT' && m.message.controlType === 'CHAT');

        const hello = await client.send({ kind: 'text', text: 'Where is my order?' });
        await waitFor(() => statusOf(heard, hello.seq).includes('sent'), 'the first message is sent');
        await waitFor(() => robot().length >= 2, 'the robot greets and answers');
        const answer = robot()[1]!;
        await client.rateRobotAnswer(String(answer.message.interIdx), { satisfied: false, comment: 'Not my order' });
        assert.deepEqual(rig.sim.robotFeedbacks.at(-1)!.request, { feedback: 0, feedbackContent: 'Not my order', from: id, interIdx: String(answer.message.interIdx) });
        const suggested = await client.suggestions('Where');
        assert.ok(suggested.length >= 1 && suggested.length <= 5, `suggestions: ${suggested}`);

        const upload = await client.upload(new Uint8Array(PNG), 'image/png', 'dot.png');
        const file = await client.send({ kind: 'file', ...upload });
        await client.send({ kind: 'location', latitude: 22.5431, longitude: 114.0579, description: 'Campus' });
        await waitFor(() => statusOf(heard, file.seq).includes('sent'), 'the picture is sent');

        const transfer = await client.transfer();
        await waitFor(() => statusOf(heard, transfer.seq).includes('sent'), 'the transfer is sent');
        await waitFor(() => heard.phases.includes('ended'), 'the agent hangs up', 30_000);
        assert.ok(heard.phases.includes('queuing') && heard.phases.includes('agent'), `phases: ${heard.phases}`);
        assert.ok(heard.queue.length >= 1, 'queue positions were streamed');

        // The agent's picture is a local file: fetched as "local/" + content with its mediaFileType, bytes intact.
        const picture = heard.messages.find((m) => m.message.sourceType === 'AGENT' && m.message.mediaType === 'IMAGE')!;
        const res = await fetch(`${rig.gw.url}/v1/media/${encodeURIComponent(String(picture.message.content))}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(res.status, 200);
        assert.ok(Buffer.from(await res.arrayBuffer()).equals(rig.sim.fileBytes(String(picture.message.content))!));
        const download = rig.sim.requests.filter((r) => r.path === AICC_PATHS.downloadFileStream).at(-1)!;
        assert.equal((download.body as { fileId: string }).fileId, `local/${picture.message.content}`);

        // The survey through the SDK, in its typed form (AICC's string keys and Array of questions).
        const survey = await client.survey();
        assert.deepEqual(survey.levels.map((l) => l.key), [1, 2, 3, 4, 5]);
        assert.deepEqual(survey.questions, ['CSAT', 'FCR', 'NPS']);
        await client.saveSurvey({ evaluation: 5, comment: 'Thanks', resolved: true });
        assert.equal((await http('POST', '/v1/survey', { evaluation: '5' })).status, 400, 'the customer API takes a number');
        assert.deepEqual(
          [rig.sim.satisfactions.at(-1)!.satisfication.evaluation, rig.sim.satisfactions.at(-1)!.satisfication.fcrValue],
          ['5', '1'],
        );

        // What AICC received, as documented: every send with a documented mediaType, the location as text.
        const sent = rig.sim.sends.filter((s) => s.request.from === id);
        assert.ok(sent.every((s) => ['TEXT', 'IMAGE', 'AUDIO', 'VIDEO', 'FILE'].includes(String(s.request.mediaType))));
        assert.ok(sent.some((s) => s.request.mediaType === 'IMAGE' && s.request.content === upload.objectKey));
        assert.ok(sent.some((s) => s.request.content.startsWith('📍 Campus (22.5431, 114.0579) ')));
      } finally {
        closeClient();
        await rig.close();
      }
    });

    it('outside working hours: the transfer is refused (12), the customer leaves a message, sent once', async () => {
      const rig = await rigFor('after-hours');
      let closeClient = () => {};
      try {
        const { client, heard } = await customer(rig, `after-hours-${mode}`);
        closeClient = () => client.close();
        const robot = () => heard.messages.filter((m) => m.message.sourceType === 'ROBOT' && m.message.controlType === 'CHAT');
        await client.send({ kind: 'text', text: 'Hello?' });
        // The robot's greeting and answer first: one arriving after the refusal would (rightly) turn the
        // conversation back to the bot, and in poll mode a loaded machine can bring it that late.
        await waitFor(() => robot().length >= 2, 'the robot greets and answers');
        const transfer = await client.transfer();
        await waitFor(() => statusOf(heard, transfer.seq).includes('failed'), 'the transfer is refused');
        await waitFor(() => heard.phases.at(-1) === 'offline', 'offline', undefined, () => `phases: ${heard.phases}`);
        await client.leaveMessage('Please call me back', '13866667777');
        assert.deepEqual(
          rig.sim.leftMessages.map((m) => [m.callId, m.caller, m.leaveMessage]),
          [[`after-hours-${mode}`, '13866667777', 'Please call me back']],
        );
      } finally {
        closeClient();
        await rig.close();
      }
    });
  });
}
