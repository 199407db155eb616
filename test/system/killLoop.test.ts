// Faults: a gateway process killed with SIGKILL again and again under load, restarted each time on the same
// DATA_DIR. AICC retries what was not acknowledged (as it would), so at the end every acknowledged message must
// be in the store exactly once, with gapless seqs, and every push all or nothing. Prints
// `# kill-9 loop: R rounds, N pushes sent, A acknowledged, 0 lost`.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { downLinkMsg, pushBody, type Msg } from '../support/fixtures.js';
import { baseEnv, spawnGateway, startGateway, tempDir, type ChildGateway } from '../support/gateway.js';

const ROUNDS = Number(process.env.KILL_LOOP_ROUNDS ?? 5);
const LANES = 8;
/** Acknowledgements per round before the kill; the kill lands while the lanes still have pushes in flight. */
const ACKS_PER_ROUND = 200;
/** Bounds a round even if the gateway stopped acknowledging: it then fails on the count, never hangs. */
const MAX_PUSHES_PER_ROUND = 3000;
const CUSTOMERS = ['kl-a', 'kl-b', 'kl-c', 'kl-d'];
const REQUEST_TIMEOUT_MS = 30_000;

interface Push {
  id: string;
  messages: Msg[];
}

const dataDir = tempDir('aicc-kill-loop-');
const env = baseEnv(dataDir, { LOG_LEVEL: 'warn', PUSH_RATE_LIMIT: '10000000' });
let running: ChildGateway | undefined;

after(async () => {
  // Only if a round failed half-way: the child we started, by its own handle.
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
});

/** One push of one to three messages, each with its own messageCode, to one or two customers. */
function newPush(round: number, lane: number, i: number): Push {
  const id = `r${round}-l${lane}-${i}`;
  const count = 1 + ((lane + i) % 3);
  const messages = Array.from({ length: count }, (_, j) =>
    downLinkMsg({ to: CUSTOMERS[(lane + i + j) % CUSTOMERS.length]!, messageCode: `${id}-${j}` }),
  );
  return { id, messages };
}

describe('kill -9 loop', () => {
  it(`loses no acknowledged message across ${ROUNDS} SIGKILLs under load`, async () => {
    const acknowledged = new Map<string, Push>();
    /** Sent but never acknowledged (the process died under them): AICC pushes these again. */
    let unanswered: Push[] = [];
    const everySent = new Map<string, Push>();
    let sent = 0;

    for (let round = 1; round <= ROUNDS; round++) {
      const child = await spawnGateway(env);
      running = child;
      const token = await child.token('app1');
      const headers = { 'x-app-key': 'app1', authorization: `Bearer ${token}` };
      const retries = unanswered;
      unanswered = [];
      let ackedThisRound = 0;
      let sentThisRound = 0;
      let killed = false;

      const deliver = async (push: Push): Promise<boolean> => {
        sent++;
        sentThisRound++;
        everySent.set(push.id, push);
        try {
          const res = await fetch(`${child.url}/apiaccess/ccmessaging/pushMsg`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify(pushBody(push.messages)),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          const body = (await res.json()) as { resultCode?: string };
          if (res.status === 200 && body.resultCode === '0') {
            acknowledged.set(push.id, push);
            ackedThisRound++;
            return true;
          }
          assert.ok(killed || res.status === 503, `an answer other than "0" before the kill: ${res.status} ${JSON.stringify(body)}`);
        } catch (err) {
          // The connection died with the process: not acknowledged. Anything else is a failure of the test.
          if (!killed) throw err;
        }
        unanswered.push(push);
        return false;
      };

      const lane = async (n: number) => {
        for (let i = 0; !killed && sentThisRound < MAX_PUSHES_PER_ROUND; i++) {
          const retry = retries.pop();
          await deliver(retry ?? newPush(round, n, i));
          if (!killed && ackedThisRound >= ACKS_PER_ROUND) {
            killed = true;
            child.child.kill('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: LANES }, (_, n) => lane(n)));
      unanswered.push(...retries);
      assert.ok(killed, `round ${round}: the gateway was killed during the load`);
      await child.exited;
      assert.equal(child.child.signalCode, 'SIGKILL');
      running = undefined;
    }

    // Open the store the way the next start would, and count.
    const store = await startGateway({}, dataDir);
    try {
      const stored = new Map<string, { to: string; seq: number }>();
      let rows = 0;
      for (const to of CUSTOMERS) {
        const entries = await store.gateway.engine.readSince(to, 0, 1_000_000);
        rows += entries.length;
        assert.deepEqual(entries.map((e) => e.seq), entries.map((_, i) => i + 1), `gapless seqs for ${to}`);
        for (const entry of entries) {
          const code = String(entry.message.messageCode);
          assert.ok(!stored.has(code), `${code} is stored once`);
          assert.equal(entry.message.to, to);
          stored.set(code, { to, seq: entry.seq });
        }
      }
      const ackedMessages = [...acknowledged.values()].flatMap((p) => p.messages);
      const lost = ackedMessages.filter((m) => !stored.has(m.messageCode as string));
      console.log(
        `kill-9 loop: ${ROUNDS} rounds, ${sent} pushes sent, ${acknowledged.size} acknowledged, ${lost.length} lost ` +
          `(${ackedMessages.length} acknowledged messages, ${rows} stored)`,
      );
      assert.deepEqual(lost.map((m) => m.messageCode), [], 'every acknowledged message is present');
      assert.equal(stored.size, rows);
      // Nothing appears that was never sent, and a push is all or nothing, even when the kill cut it off.
      for (const code of stored.keys()) assert.ok(everySent.has(code.replace(/-\d+$/, '')), `${code} was sent`);
      for (const push of everySent.values()) {
        const present = push.messages.filter((m) => stored.has(m.messageCode as string)).length;
        assert.ok(present === 0 || present === push.messages.length, `${push.id}: ${present} of ${push.messages.length} stored`);
        // Messages of one push to one customer keep their order.
        const seqsOf = push.messages.map((m) => stored.get(m.messageCode as string)).filter((s) => s !== undefined);
        for (const to of CUSTOMERS) {
          const mine = seqsOf.filter((s) => s.to === to).map((s) => s.seq);
          assert.deepEqual(mine, [...mine].sort((a, b) => a - b));
        }
      }
      // The store carries on where the last killed process stopped.
      const last = (await store.gateway.engine.conversation('kl-a')).lastSeq;
      assert.equal((await store.push(pushBody([downLinkMsg({ to: 'kl-a', messageCode: 'after-the-loop' })]))).status, 200);
      assert.equal((await store.gateway.engine.conversation('kl-a')).lastSeq, last + 1);
    } finally {
      await store.close();
    }
  });
});
