// The pure normalisation of DownLinkMsg: our readings of the spec, table by table.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeDownLinkMsg, parseLocation, parseReadIds, type RawDownLinkMsg } from '../../src/aicc/downlink.js';
import { GatewayError } from '../../src/errors.js';
import { downLinkMsg, specSamples } from '../support/fixtures.js';

const normalize = (msg: Record<string, unknown>, index = 0) => normalizeDownLinkMsg(msg as RawDownLinkMsg, index);

describe('normalizeDownLinkMsg', () => {
  it('stores enum values in upper case, matched case-insensitively', () => {
    const cases: [string, string, string | null][] = [
      ['Trans2Agent', 'system', null],
      ['chat', 'Agent', 'image'],
      ['DisConnect', 'ROBOT', 'Text'],
    ];
    for (const [controlType, sourceType, mediaType] of cases) {
      const { message } = normalize(downLinkMsg({ controlType, sourceType, mediaType, content: 'x' }));
      assert.equal(message.controlType, controlType.toUpperCase());
      assert.equal(message.sourceType, sourceType.toUpperCase());
      assert.equal(message.mediaType, mediaType?.toUpperCase() ?? null);
    }
  });

  it('keeps keys the table does not list', () => {
    const { message } = normalize(downLinkMsg({ callId: 'c-1', interIdx: 3 }));
    assert.equal(message.callId, 'c-1');
    assert.equal(message.interIdx, 3);
  });

  it('accepts every sample of the spec', () => {
    for (const [name, sample] of Object.entries(specSamples())) {
      assert.doesNotThrow(() => normalize(sample), name);
    }
  });

  it('marks typing (INPUT) as ephemeral and unknown enum values as not known', () => {
    assert.equal(normalize(downLinkMsg({ controlType: 'input', content: null, mediaType: null })).ephemeral, true);
    assert.equal(normalize(downLinkMsg()).known, true);
    assert.equal(normalize(downLinkMsg({ controlType: 'WITHDRAW' })).known, false);
    assert.equal(normalize(downLinkMsg({ mediaType: 'WEBCARD' })).known, false);
  });

  it('refuses what breaks a rule, naming the message index and the field', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ content: null }, /^messages\[4\]\.content: is required when controlType is CHAT/],
      [{ mediaType: null }, /^messages\[4\]\.mediaType: is required/],
      [{ mediaType: 'IMAGE', content: '  ' }, /^messages\[4\]\.content: must name the IMAGE resource/],
      [{ mediaType: 'LOCATE', content: '91/10/north pole' }, /^messages\[4\]\.content: latitude 91 is outside/],
      [{ mediaType: 'LOCATE', content: '10/-180.5/x' }, /^messages\[4\]\.content: longitude -180.5 is outside/],
      [{ mediaType: 'LOCATE', content: 'somewhere' }, /^messages\[4\]\.content: must be "latitude\/longitude/],
      [{ mediaType: 'LOCATE', content: 'a/b/c' }, /^messages\[4\]\.content: must be "latitude\/longitude/],
      [{ to: '   ' }, /^messages\[4\]\.to: must not be blank/],
      [{ from: ' ' }, /^messages\[4\]\.from: must not be blank/],
    ];
    for (const [overrides, expected] of cases) {
      assert.throws(
        () => normalize(downLinkMsg(overrides), 4),
        (err: unknown) => err instanceof GatewayError && err.code === 'INVALID_PARAMETER' && expected.test(err.message),
        JSON.stringify(overrides),
      );
    }
  });

  it('identifies a retry by messageCode, else by from/to/timestamp/controlType/content', () => {
    const a = downLinkMsg({ messageCode: 'm-1' });
    assert.equal(normalize(a).dedupeKey, normalize({ ...a, content: 'changed' }).dedupeKey);
    const b = downLinkMsg({ messageCode: null });
    assert.equal(normalize(b).dedupeKey, normalize({ ...b, senderNickname: 'other', controlType: 'chat' }).dedupeKey);
    assert.notEqual(normalize(b).dedupeKey, normalize({ ...b, content: 'other' }).dedupeKey);
    assert.notEqual(normalize(b).dedupeKey, normalize({ ...b, timestamp: (b.timestamp as number) + 1 }).dedupeKey);
  });

  it('reads isOfflineStatus given as a boolean or as text', () => {
    assert.equal(normalize(specSamples().timeoutAsyncOn).message.isOfflineStatus, true);
    assert.equal(normalize({ ...specSamples().timeoutAsyncOn, isOfflineStatus: 'false' }).message.isOfflineStatus, false);
  });
});

describe('parseLocation', () => {
  const refuse = (why: string): never => {
    throw new Error(why);
  };
  it('splits latitude/longitude/description, the description keeping its slashes', () => {
    assert.deepEqual(parseLocation('22.54/114.05/Shenzhen Bay / Tower 2', refuse), {
      latitude: 22.54,
      longitude: 114.05,
      description: 'Shenzhen Bay / Tower 2',
    });
    assert.deepEqual(parseLocation('-90/180', refuse), { latitude: -90, longitude: 180, description: '' });
  });
});

describe('parseReadIds', () => {
  const cases: [string | null, string[]][] = [
    ['messageId1,messageId2', ['messageId1', 'messageId2']],
    [' a , b ,, ', ['a', 'b']],
    ['["x","y"]', ['x', 'y']],
    ['[not json', ['[not json']],
    [null, []],
  ];
  for (const [content, ids] of cases) {
    it(`reads ${JSON.stringify(content)}`, () => assert.deepEqual(parseReadIds(content), ids));
  }
});
