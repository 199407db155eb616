// The media cache's caps hold on disk: what its files really take (whole blocks, the data file and its metadata
// file of each entry), and how many entries it keeps. A flood of 1-byte uploads took ~8 KiB of disk and two files
// each while the cap counted one byte.

import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MediaCache } from '../../src/delivery/mediaCache.js';
import { tempDir } from '../support/gateway.js';

const MIB = 1024 * 1024;

/** What the directory's files take on disk, as `du` counts it. */
function diskUse(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).blocks * 512, 0);
}

describe('media cache caps', () => {
  it('keeps what its files really take on disk under MEDIA_CACHE_BYTES, 1-byte files included', () => {
    const dir = tempDir();
    const cache = new MediaCache(dir, MIB);
    for (let i = 0; i < 400; i++) cache.put(`tiny-${i}`, Buffer.from('x'), 'text/plain');
    assert.ok(diskUse(dir) <= MIB, `${diskUse(dir)} bytes on disk for a cap of ${MIB}`);
    assert.equal(cache.diskBytes, diskUse(dir), 'the cache counts what is on disk');
    assert.ok(cache.get('tiny-399'), 'the newest entry stays');
    assert.equal(cache.get('tiny-0'), undefined, 'the oldest went');
  });

  it('holds at most MEDIA_CACHE_ENTRIES entries, the least recently used going first', () => {
    const dir = tempDir();
    const cache = new MediaCache(dir, 1024 * MIB, 50);
    for (let i = 0; i < 120; i++) {
      cache.put(`entry-${i}`, Buffer.alloc(100, i), 'application/octet-stream');
      if (i >= 1) cache.get('entry-0'); // in use: kept
    }
    const files = readdirSync(dir);
    assert.equal(files.filter((f) => f.endsWith('.bin')).length, 50);
    assert.equal(files.length, 100, 'two files per entry, nothing left behind');
    assert.ok(cache.get('entry-0'), 'the entry in use stays');
    assert.equal(cache.get('entry-1'), undefined);
  });

  it('counts an existing directory the same way on start', () => {
    const dir = tempDir();
    const first = new MediaCache(dir, MIB);
    for (let i = 0; i < 20; i++) first.put(`kept-${i}`, Buffer.from('y'), 'text/plain');
    const second = new MediaCache(dir, MIB);
    assert.equal(second.diskBytes, diskUse(dir));
    assert.equal(second.size, 20);
  });
});
