// The in-process fan-out (src/engine/hub.ts): a customer's one listener is kept without a set, and a second one
// turns it into one; whatever the order of subscribes and unsubscribes, each listener hears each event once
// while subscribed and never after.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hub } from '../../src/engine/hub.js';
import type { EngineEvent } from '../../src/engine/types.js';

const resync: EngineEvent = { type: 'resync' };

function recorder(name: string, heard: string[]) {
  return () => void heard.push(name);
}

describe('the hub', () => {
  it('tells one listener, then two, then the one left, then none', () => {
    const hub = new Hub();
    const heard: string[] = [];
    const offA = hub.subscribe('c1', recorder('a', heard));
    hub.publish('c1', resync);
    const offB = hub.subscribe('c1', recorder('b', heard));
    hub.publish('c1', resync);
    offA();
    hub.publish('c1', resync);
    offB();
    hub.publish('c1', resync);
    assert.deepEqual(heard, ['a', 'a', 'b', 'b']);
  });

  it('keeps the others when the first of three leaves, and hears a customer again after all left', () => {
    const hub = new Hub();
    const heard: string[] = [];
    const offs = ['a', 'b', 'c'].map((name) => hub.subscribe('c1', recorder(name, heard)));
    offs[0]!();
    hub.publish('c1', resync);
    offs[1]!();
    offs[2]!();
    hub.publish('c1', resync);
    const offD = hub.subscribe('c1', recorder('d', heard));
    // An old unsubscribe called again does not remove the new listener.
    offs[2]!();
    hub.publish('c1', resync);
    offD();
    assert.deepEqual(heard, ['b', 'c', 'd']);
  });

  it('hears the same function subscribed twice once, and other customers not at all', () => {
    const hub = new Hub();
    const heard: string[] = [];
    const listener = recorder('a', heard);
    const off1 = hub.subscribe('c1', listener);
    hub.subscribe('c1', listener);
    hub.subscribe('c2', recorder('other', heard));
    hub.publish('c1', resync);
    off1();
    hub.publish('c1', resync);
    assert.deepEqual(heard, ['a']);
  });

  it('goes on to the next listener when one throws', () => {
    const hub = new Hub();
    const heard: string[] = [];
    hub.subscribe('c1', () => {
      throw new Error('broken connection');
    });
    hub.subscribe('c1', recorder('b', heard));
    hub.publish('c1', resync);
    assert.deepEqual(heard, ['b']);
  });
});
