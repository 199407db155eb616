// The streams' shared expiry timer (src/delivery/expiryClock.ts): each callback runs once, never before its time,
// and not at all once cancelled.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpiryClock } from '../../src/delivery/expiryClock.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the expiry clock', () => {
  it('runs each callback once, not before its time; a cancelled one never; a past one at the next tick', async () => {
    const clock = new ExpiryClock();
    const ran: [string, number][] = [];
    const start = Date.now();
    const soon = start + 1200;
    const later = start + 2100;
    const item = (name: string) => ({ expire: () => void ran.push([name, Date.now()]) });
    clock.at(soon, item('soon'));
    clock.at(later, item('later'));
    clock.at(start - 60_000, item('past'));
    const cancelled = item('cancelled');
    clock.cancel(clock.at(soon, cancelled), cancelled);
    // Twice: a callback that ran is not run again by a later tick.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      while (ran.length < 3 && Date.now() - start < 10_000) await sleep(50);
      await sleep(1100);
    } finally {
      clearInterval(keepAlive);
    }
    assert.deepEqual(ran.map(([name]) => name), ['past', 'soon', 'later']);
    assert.ok(ran[1]![1] >= soon, 'not before its time');
    assert.ok(ran[2]![1] >= later, 'not before its time');
  });
});
