// The SDK's reconnect delays, as a table: a close on purpose (1001 going away, 1013 try again later) is followed
// as the gateway advised, the failures after it are retried at a steady interval for a bounded time, and only
// then, or after a crash, does the exponential backoff run, from a lower floor while the page is visible.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextDelay, type EndCause, type ReconnectPolicy, type RetryState } from '../../src/client/reconnect.js';

const policy: ReconnectPolicy = {
  minMs: 300,
  visibleMinMs: 100,
  maxMs: 20_000,
  steadyMs: 500,
  steadyForMs: 15_000,
  quickMaxMs: 2_000,
  quickForMs: 30_000,
};
const advised = (afterMs?: number): EndCause => ({ kind: 'advised', afterMs });
const failed: EndCause = { kind: 'failed' };
const fresh: RetryState = { step: 0, advisedAt: undefined };

describe('nextDelay', () => {
  it('gives the delay and the next state for every kind of end', () => {
    const cases: [name: string, state: RetryState, cause: EndCause, now: number, visible: boolean, random: number, delayMs: number, next: RetryState][] = [
      // A close on purpose: the advice, whatever the backoff had grown to; the window starts.
      ['advice followed', { step: 6, advisedAt: undefined }, advised(734), 1000, true, 0.9, 734, { step: 0, advisedAt: 1000 }],
      ['advice of 0: at once', fresh, advised(0), 1000, false, 0.9, 0, { step: 0, advisedAt: 1000 }],
      ['advice capped at maxMs', fresh, advised(3_600_000), 1000, true, 0.5, 20_000, { step: 0, advisedAt: 1000 }],
      ['advice rounded', fresh, advised(12.6), 1000, true, 0.5, 13, { step: 0, advisedAt: 1000 }],
      ['no advice (an older gateway): within one steady interval', fresh, advised(undefined), 1000, true, 0.5, 250, { step: 0, advisedAt: 1000 }],
      ['negative advice ignored', fresh, advised(-5), 1000, true, 1, 500, { step: 0, advisedAt: 1000 }],
      ['NaN advice ignored', fresh, advised(Number.NaN), 1000, true, 0, 0, { step: 0, advisedAt: 1000 }],
      // A second close on purpose before any hello (the other node drains too) does not extend the window.
      ['window kept', { step: 0, advisedAt: 1000 }, advised(200), 9000, true, 0.5, 200, { step: 0, advisedAt: 1000 }],
      // Failures inside the window: steady, 0.5–1.5 × steadyMs, no backoff step taken.
      ['steady, low', { step: 0, advisedAt: 1000 }, failed, 1600, true, 0, 250, { step: 0, advisedAt: 1000 }],
      ['steady, high', { step: 0, advisedAt: 1000 }, failed, 15_999, false, 1, 750, { step: 0, advisedAt: 1000 }],
      // Past the window: the backoff from its first step, and the window is over.
      ['window over', { step: 0, advisedAt: 1000 }, failed, 16_000, true, 1, 200, { step: 1, advisedAt: undefined, failingSince: 16_000 }],
      ['window over, hidden', { step: 0, advisedAt: 1000 }, failed, 16_000, false, 1, 600, { step: 1, advisedAt: undefined, failingSince: 16_000 }],
      // A crash (no advice): exponential with full jitter, from 100 ms while visible, 300 ms while hidden.
      ['crash, visible, first', fresh, failed, 1000, true, 0, 100, { step: 1, advisedAt: undefined, failingSince: 1000 }],
      ['crash, visible, first, high', fresh, failed, 1000, true, 1, 200, { step: 1, advisedAt: undefined, failingSince: 1000 }],
      ['crash, hidden, first', fresh, failed, 1000, false, 1, 600, { step: 1, advisedAt: undefined, failingSince: 1000 }],
      ['crash, visible, fourth', { step: 3, advisedAt: undefined, failingSince: 0 }, failed, 1000, true, 1, 1600, { step: 4, advisedAt: undefined, failingSince: 0 }],
      ['crash, hidden, fourth', { step: 3, advisedAt: undefined, failingSince: 0 }, failed, 1000, false, 0.5, 2550, { step: 4, advisedAt: undefined, failingSince: 0 }],
      // The first 30 s of failures on a visible page: the ceiling is 2 s, whatever the step.
      ['crash, visible, quick ceiling', { step: 7, advisedAt: undefined, failingSince: 1000 }, failed, 20_000, true, 1, 2000, { step: 8, advisedAt: undefined, failingSince: 1000 }],
      ['crash, visible, quick ceiling, last moment', { step: 7, advisedAt: undefined, failingSince: 1000 }, failed, 30_999, true, 1, 2000, { step: 8, advisedAt: undefined, failingSince: 1000 }],
      ['crash, visible, after 30 s', { step: 7, advisedAt: undefined, failingSince: 1000 }, failed, 31_000, true, 1, 20_000, { step: 8, advisedAt: undefined, failingSince: 1000 }],
      ['crash, hidden, no quick ceiling', { step: 7, advisedAt: undefined, failingSince: 1000 }, failed, 2000, false, 1, 20_000, { step: 8, advisedAt: undefined, failingSince: 1000 }],
      ['crash, capped', { step: 40, advisedAt: undefined, failingSince: -40_000 }, failed, 1000, true, 1, 20_000, { step: 41, advisedAt: undefined, failingSince: -40_000 }],
    ];
    for (const [name, state, cause, now, visible, random, delayMs, next] of cases) {
      const got = nextDelay(state, cause, now, visible, policy, () => random);
      assert.deepEqual(got, { delayMs, state: next }, name);
    }
  });

  it('retries a restarting node every ~500 ms for 15 s after a deploy, then backs off', () => {
    // The node closed with advice at t=0 and stays down: the tries come at a steady pace, then spread out.
    let state: RetryState = fresh;
    let now = 0;
    const delays: number[] = [];
    ({ state } = nextDelay(state, advised(300), now, true, policy, () => 0.5));
    now += 300;
    while (now < 40_000) {
      const next = nextDelay(state, failed, now, true, policy, () => 0.5);
      delays.push(next.delayMs);
      state = next.state;
      now += next.delayMs;
    }
    const steady = delays.filter((d) => d === 500).length;
    assert.equal(steady, 30, 'one try every 500 ms from 0.3 s to 15.3 s');
    assert.deepEqual(delays.slice(steady, steady + 6), [150, 250, 450, 850, 1050, 1050], 'then the backoff, from its floor, to 2 s at most at first');
  });

  it('after a crash, a visible page tries at least every 2 s for 30 s, then backs off towards 20 s', () => {
    // The node died at t=0 and stays down for a minute; the connection had been stable (step 0).
    let state: RetryState = fresh;
    let now = 0;
    const tries: { at: number; delayMs: number }[] = [];
    while (now < 60_000) {
      const next = nextDelay(state, failed, now, true, policy, () => 1);
      tries.push({ at: now, delayMs: next.delayMs });
      state = next.state;
      now += next.delayMs;
    }
    const early = tries.filter((t) => t.at < 30_000);
    assert.ok(early.every((t) => t.delayMs <= 2000), 'no wait over 2 s in the first 30 s');
    assert.deepEqual(early.slice(0, 6).map((t) => t.delayMs), [200, 400, 800, 1600, 2000, 2000]);
    const late = tries.filter((t) => t.at >= 30_000);
    assert.deepEqual(late.map((t) => t.delayMs).slice(0, 2), [20_000, 20_000], 'then the backoff as grown');
  });
});
