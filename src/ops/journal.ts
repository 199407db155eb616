// What the operator page shows of the recent past: the last pushes (and, kept apart so that a flood of good ones
// cannot push them out, the last refused ones), the posts whose credentials did not check out (kept apart too, so
// that anyone's noise cannot push AICC's own out), and the last customer messages AICC did not take. In memory,
// each list bounded: a node shows what it saw itself since it started.

import type { PushRecord } from '../ingest/pushRoutes.js';
import type { UplinkFailure } from '../uplink/uplink.js';

/** A fixed-size list that forgets its oldest item when full. */
export class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(readonly capacity: number) {}

  add(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Newest first. */
  newestFirst(): T[] {
    const full = this.items.length === this.capacity;
    const ordered = full ? [...this.items.slice(this.next), ...this.items.slice(0, this.next)] : [...this.items];
    return ordered.reverse();
  }

  get size(): number {
    return this.items.length;
  }
}

export const JOURNAL_SIZES = { pushes: 300, refused: 100, anonymous: 100, uplinkFailures: 100 } as const;

export class OpsJournal {
  readonly pushes = new Ring<PushRecord>(JOURNAL_SIZES.pushes);
  readonly refused = new Ring<PushRecord>(JOURNAL_SIZES.refused);
  /** Posts to the push doors refused before their credentials checked out: anyone's. */
  readonly anonymous = new Ring<PushRecord>(JOURNAL_SIZES.anonymous);
  readonly uplinkFailures = new Ring<UplinkFailure>(JOURNAL_SIZES.uplinkFailures);
  /** The store's last failed write, for the health panel. */
  lastStoreFailure: { at: number; message: string } | undefined;
  storeFailures = 0;

  recordPush(record: PushRecord): void {
    if (!record.authenticated) return this.anonymous.add(record);
    this.pushes.add(record);
    if (record.status !== 200) this.refused.add(record);
  }

  recordUplinkFailure(failure: UplinkFailure): void {
    this.uplinkFailures.add(failure);
  }

  recordStoreFailure(err: Error): void {
    this.storeFailures++;
    this.lastStoreFailure = { at: Date.now(), message: err.message };
  }
}
