// The streams' shared heartbeat timer (src/delivery/heartbeatClock.ts): every stream added is asked at each tick
// with the time, one removed is not asked again, and one that throws does not keep the others from their turn.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeartbeatClock } from '../../src/delivery/heartbeatClock.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the heartbeat clock', () => {
  it('asks every stream it holds at each tick, and a removed one no more', async () => {
    const clock = new HeartbeatClock(10);
    const asked: string[] = [];
    const stream = (name: string) => ({ heartbeat: (now: number) => void asked.push(`${name}@${typeof now}`) });
    const a = stream('a');
    const broken = {
      heartbeat: () => {
        throw new Error('socket gone');
      },
    };
    const b = stream('b');
    clock.add(a);
    clock.add(broken);
    clock.add(b);
    // The clock's timer does not hold the process: this one does while the test waits.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      while (!asked.includes('b@number')) await sleep(5);
      clock.delete(a);
      const after = asked.length;
      while (asked.slice(after).filter((e) => e === 'b@number').length < 2) await sleep(5);
      assert.ok(!asked.slice(after).includes('a@number'), 'a removed stream is not asked again');
      clock.delete(broken);
      clock.delete(b);
    } finally {
      clearInterval(keepAlive);
    }
  });
});
