// The Engine contract (src/engine/types.ts) as one suite that any engine runs: test/engine/engineContract.test.ts
// runs it against the local engine and a single Redis, test/system/engineContractTopologies.test.ts against a Redis
// Cluster and Sentinel (they need the whole machine).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normalizeDownLinkMsg, type RawDownLinkMsg, type NormalizedMessage } from '../../src/aicc/downlink.js';
import { INITIAL_STATE } from '../../src/conversation/state.js';
import type { Engine, EngineEvent, LogEntry } from '../../src/engine/types.js';
import { createLogger } from '../../src/logger.js';
import { downLinkMsg, type Msg } from './fixtures.js';
import { waitFor } from './streams.js';

export const log = createLogger('silent');
export const DAY_MS = 86_400_000;
let counter = 0;
export const newCustomer = (name = 'c') => `${name}-${process.pid}-${++counter}`;

export function msg(overrides: Msg = {}): NormalizedMessage {
  return normalizeDownLinkMsg(downLinkMsg(overrides) as RawDownLinkMsg, 0);
}

/** Listens like a stream does: live entries, and on `resync` a catch-up from the log. */
export function collect(engine: Engine, customerId: string) {
  const seen = new Map<number, LogEntry>();
  const live: number[] = [];
  const typing: EngineEvent[] = [];
  const stop = engine.subscribe(customerId, (event) => {
    if (event.type === 'entry') {
      live.push(event.entry.seq);
      seen.set(event.entry.seq, event.entry);
    } else if (event.type === 'ephemeral') {
      typing.push(event);
    } else {
      engine.readSince(customerId, 0, 10_000).then(
        (entries) => entries.forEach((e) => seen.set(e.seq, e)),
        () => undefined, // The store is away: the next resync (on reconnect) catches up.
      );
    }
  });
  return { seen, live, typing, stop };
}

export interface Subject {
  engine: Engine;
  /** An engine on an empty store of its own (retention counts are global to a store). */
  fresh(): Promise<Engine>;
}

export function contract(name: string, setup: () => Promise<Subject & { teardown(): Promise<void> }>) {
  describe(`engine contract: ${name}`, () => {
    let subject: Subject & { teardown(): Promise<void> };
    let engine: Engine;
    before(async () => {
      subject = await setup();
      engine = subject.engine;
    });
    after(() => subject.teardown());

    it('numbers each customer 1, 2, 3 ... with no gap, keeping a push together and in order', async () => {
      const [a, b] = [newCustomer(), newCustomer()];
      const pushes = Array.from({ length: 20 }, (_, p) =>
        Array.from({ length: 5 }, (_, k) => msg({ to: p % 2 ? b : a, content: `p${p}-${k}` })),
      );
      const results = await Promise.all(pushes.map((push) => engine.append(push)));
      for (const outcomes of results) {
        const seqs = outcomes.map((o) => o.seq);
        assert.deepEqual(seqs, seqs.map((_, k) => seqs[0]! + k), 'a push gets consecutive seqs');
        assert.ok(outcomes.every((o) => !o.duplicate));
      }
      for (const customer of [a, b]) {
        const entries = await engine.readSince(customer, 0, 1000);
        assert.deepEqual(entries.map((e) => e.seq), Array.from({ length: 50 }, (_, i) => i + 1));
        assert.ok(entries.every((e) => e.customerId === customer && e.message.to === customer));
      }
    });

    it('stores a retried message once and answers it with the entry as first stored', async () => {
      const to = newCustomer();
      const first = msg({ to, messageCode: 'm-1', content: 'original' });
      const [stored] = await engine.append([first]);
      const [retried] = await engine.append([{ ...first, message: { ...first.message, content: 'changed' } }]);
      assert.equal(retried!.duplicate, true);
      assert.equal(retried!.seq, stored!.seq);
      assert.equal(retried!.message.content, 'original');
      // The same key twice in one push, beside a new message: one stored, one duplicate of it.
      const again = msg({ to, messageCode: 'm-2' });
      const outcomes = await engine.append([again, again, msg({ to, messageCode: 'm-3' })]);
      assert.deepEqual(outcomes.map((o) => [o.seq, o.duplicate]), [[2, false], [2, true], [3, false]]);
      assert.equal((await engine.conversation(to)).lastSeq, 3);
    });

    it('tells whether every message of a list is already stored, by dedupe key, across customers', async () => {
      const [a, b] = [newCustomer(), newCustomer()];
      const withCode = msg({ to: a, messageCode: 'stored-1' });
      const withoutCode = msg({ to: a, messageCode: null, content: 'no code' });
      const other = msg({ to: b, messageCode: 'stored-1' });
      assert.equal(await engine.allStored([withCode]), false, 'nothing stored yet');
      await engine.append([withCode, withoutCode, other]);
      assert.equal(await engine.allStored([withCode, withoutCode, other]), true);
      assert.equal(await engine.allStored([withCode, withCode]), true, 'a message named twice');
      // A retry is the same message whatever its content says now, as append judges it.
      assert.equal(await engine.allStored([{ ...withCode, message: { ...withCode.message, content: 'changed' } }]), true);
      assert.equal(await engine.allStored([withCode, msg({ to: a, messageCode: 'new' })]), false, 'one new message');
      assert.equal(await engine.allStored([msg({ to: newCustomer(), messageCode: 'stored-1' })]), false, "another customer's key");
      const typing = msg({ to: a, controlType: 'INPUT', mediaType: null, content: null });
      assert.equal(typing.ephemeral, true);
      assert.equal(await engine.allStored([withCode, typing]), false, 'typing is never stored');
      assert.equal(await engine.allStored([]), true, 'an empty list');
    });

    it('derives the conversation state, keeps it with the entry that set it, and summarises it', async () => {
      const to = newCustomer();
      assert.deepEqual(await engine.conversation(to), { customerId: to, state: INITIAL_STATE, lastSeq: 0, firstSeq: 0 });
      await engine.append([
        msg({ to, sourceType: 'ROBOT', content: 'Hi' }),
        msg({ to, controlType: 'TRANS2AGENT', sourceType: 'SYSTEM', mediaType: null, content: null }),
      ]);
      await engine.append([msg({ to, sourceType: 'AGENT', senderNickname: 'Lily', content: 'Lily here' })]);
      const entries = await engine.readSince(to, 0, 10);
      assert.deepEqual(entries.map((e) => e.state?.phase), [undefined, 'queuing', 'agent']);
      assert.deepEqual(await engine.conversation(to), {
        customerId: to, lastSeq: 3, firstSeq: 1, state: { phase: 'agent', agentNickname: 'Lily', canSend: true, seq: 3 },
      });
    });

    it('reads pages forwards (readSince) and backwards (readBefore)', async () => {
      const to = newCustomer();
      await engine.append(Array.from({ length: 12 }, (_, i) => msg({ to, content: `m${i + 1}` })));
      assert.deepEqual((await engine.readSince(to, 4, 3)).map((e) => e.seq), [5, 6, 7]);
      assert.deepEqual((await engine.readSince(to, 12, 3)).map((e) => e.seq), []);
      assert.deepEqual((await engine.readBefore(to, 13, 3)).map((e) => e.seq), [10, 11, 12]);
      assert.deepEqual((await engine.readBefore(to, 3, 10)).map((e) => e.seq), [1, 2]);
      assert.deepEqual((await engine.readBefore(to, 1, 10)).map((e) => e.seq), []);
      const [entry] = await engine.readSince(to, 0, 1);
      assert.equal(entry!.message.content, 'm1');
      assert.ok(entry!.storedAt > Date.now() - 60_000);
    });

    it('tells a listener of its own customer every new entry, in order, and typing', async () => {
      const [to, other] = [newCustomer(), newCustomer()];
      const listener = collect(engine, to);
      const bystander = collect(engine, other);
      for (let i = 0; i < 10; i++) await engine.append([msg({ to }), msg({ to })]);
      await engine.publishEphemeral([msg({ to, controlType: 'INPUT', mediaType: null, content: null })]);
      await waitFor(() => listener.seen.size === 20 && listener.typing.length === 1, '20 entries and typing');
      assert.deepEqual([...listener.seen.keys()].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.deepEqual(listener.live, [...listener.live].sort((x, y) => x - y), 'live entries arrive in seq order');
      assert.equal(bystander.seen.size + bystander.typing.length, 0);
      listener.stop();
      bystander.stop();
      await engine.append([msg({ to })]);
      assert.equal(listener.seen.size, 20, 'nothing after unsubscribing');
    });

    it("keeps a customer's AICC session, replaces it and forgets it", async () => {
      const to = newCustomer();
      assert.equal(await engine.aiccSession(to), undefined);
      const session = { userId: to, token: 'ccmessaging-token-1', appliedAt: Date.now(), connected: false, readSeq: 0 };
      await engine.setAiccSession(to, session);
      assert.deepEqual(await engine.aiccSession(to), session);
      await engine.setAiccSession(to, { ...session, connected: true, readSeq: 7 });
      assert.deepEqual(await engine.aiccSession(to), { ...session, connected: true, readSeq: 7 });
      assert.equal(await engine.aiccSession(newCustomer()), undefined, 'another customer has none');
      await engine.setAiccSession(to, undefined);
      assert.equal(await engine.aiccSession(to), undefined);
    });

    it('purges old entries in bounded steps and never reuses a seq', async () => {
      const store = await subject.fresh();
      try {
        const [a, b] = [newCustomer(), newCustomer()];
        await store.append(Array.from({ length: 4 }, () => msg({ to: a })));
        await store.append(Array.from({ length: 3 }, () => msg({ to: b })));
        const cutoff = Date.now() + 1;
        await waitFor(() => Date.now() > cutoff, 'the clock to pass the cutoff');
        await store.append([msg({ to: b })]);
        // Read before the purge: what an engine remembers of them must follow it.
        assert.deepEqual([(await store.conversation(a)).firstSeq, (await store.conversation(b)).firstSeq], [1, 1]);
        assert.equal(await store.purgeOlderThan(cutoff, 5), 5);
        assert.equal(await store.purgeOlderThan(cutoff, 5), 2);
        assert.equal(await store.purgeOlderThan(cutoff, 5), 0);
        const purged = await store.conversation(a);
        assert.deepEqual([purged.lastSeq, purged.firstSeq, purged.state.phase], [4, 0, 'agent'], 'lastSeq and state outlive the log');
        assert.deepEqual((await store.readSince(b, 0, 10)).map((e) => e.seq), [4]);
        const [next] = await store.append([msg({ to: a })]);
        assert.equal(next!.seq, 5, 'numbering carries on after a purge');
        assert.equal((await store.conversation(a)).firstSeq, 5);
      } finally {
        await store.close();
      }
    });

    it('grants the media AICC sends a customer, and uploads, to that customer only; never what a customer wrote', async () => {
      const [alice, bob] = [newCustomer('alice'), newCustomer('bob')];
      const picture = `img-${counter}`;
      const pushed = msg({ to: bob, mediaType: 'IMAGE', content: picture, mediaFileType: 'png' });
      await engine.append([pushed]);
      assert.deepEqual(await engine.mediaGrant(bob, picture), { mediaId: picture, origin: 'aicc', mediaType: 'IMAGE', fileType: 'png' });
      assert.equal(await engine.mediaGrant(alice, picture), undefined, 'another customer has no grant');
      // Alice writes Bob's id into her own log (a customer's file message): that grants her nothing.
      const written = msg({ to: alice, sourceType: 'CUSTOMER', mediaType: 'IMAGE', content: picture });
      await engine.append([written]);
      assert.equal(await engine.mediaGrant(alice, picture), undefined);
      // A retried push is a duplicate and keeps the grant; text carries none.
      assert.equal((await engine.append([pushed]))[0]!.duplicate, true);
      assert.equal((await engine.mediaGrant(bob, picture))?.origin, 'aicc');
      await engine.append([msg({ to: alice, content: 'not-a-media-id' })]);
      assert.equal(await engine.mediaGrant(alice, 'not-a-media-id'), undefined);
      // Uploads: granted by grantMedia, idempotently; the first grant of an id stands.
      const upload = { mediaId: `obj/${counter}.jpg`, origin: 'upload' as const, mediaType: 'IMAGE', fileType: 'jpg', fileName: 'me.jpg' };
      await engine.grantMedia(alice, [upload]);
      await engine.grantMedia(alice, [upload]);
      await engine.append([msg({ to: alice, mediaType: 'IMAGE', content: upload.mediaId })]);
      assert.deepEqual(await engine.mediaGrant(alice, upload.mediaId), upload);
      assert.equal(await engine.mediaGrant(bob, upload.mediaId), undefined);
    });
  });
}
