// AICC's media (pictures, recordings, documents) kept on disk after the first download, so each resource is
// fetched from AICC once. File names are hashes of the resource id: an id never becomes a path. The cache
// stays under its caps by removing the least recently used entries: the disk it really takes (both files of an
// entry, in whole blocks: a 1-byte upload takes two blocks, about 8 KiB) and the number of entries.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, renameSync, type Stats } from 'node:fs';
import { join } from 'node:path';

export interface CachedMedia {
  path: string;
  size: number;
  contentType: string;
}

interface Entry {
  size: number;
  /** What the entry's two files take on disk (bytes, in whole blocks). */
  disk: number;
  contentType: string;
  usedAt: number;
}

/** Bytes a file takes on disk: its allocated blocks (512-byte units), or its size in 4 KiB blocks where unknown. */
function onDisk(stat: Stats): number {
  return stat.blocks > 0 || stat.size === 0 ? stat.blocks * 512 : Math.ceil(stat.size / 4096) * 4096;
}

export class MediaCache {
  private readonly entries = new Map<string, Entry>();
  private total = 0;
  private readonly fetching = new Map<string, Promise<CachedMedia>>();

  constructor(
    private readonly dir: string,
    /** Disk the entries may take (MEDIA_CACHE_BYTES). */
    private readonly capBytes: number,
    /** Entries it may hold (MEDIA_CACHE_ENTRIES). */
    private readonly capEntries = Number.MAX_SAFE_INTEGER,
  ) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.json')) continue;
      const key = name.slice(0, -5);
      try {
        const meta = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { contentType: string };
        const stat = statSync(join(dir, `${key}.bin`));
        const disk = onDisk(stat) + onDisk(statSync(join(dir, name)));
        this.entries.set(key, { size: stat.size, disk, contentType: meta.contentType, usedAt: stat.atimeMs });
        this.total += disk;
      } catch {
        // A half-written entry from a crash: not in the index, and overwritten by the next download.
      }
    }
  }

  get(id: string): CachedMedia | undefined {
    const key = keyOf(id);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    entry.usedAt = Date.now();
    return { path: join(this.dir, `${key}.bin`), size: entry.size, contentType: entry.contentType };
  }

  put(id: string, bytes: Buffer, contentType: string): CachedMedia {
    const key = keyOf(id);
    const path = join(this.dir, `${key}.bin`);
    // Written under a temporary name and renamed, so a reader never sees half a file.
    writeFileSync(`${path}.tmp`, bytes);
    renameSync(`${path}.tmp`, path);
    const metaPath = join(this.dir, `${key}.json`);
    writeFileSync(metaPath, JSON.stringify({ contentType }));
    const disk = onDisk(statSync(path)) + onDisk(statSync(metaPath));
    const previous = this.entries.get(key);
    this.total += disk - (previous?.disk ?? 0);
    this.entries.delete(key);
    this.entries.set(key, { size: bytes.length, disk, contentType, usedAt: Date.now() });
    this.evict(key);
    return { path, size: bytes.length, contentType };
  }

  /** The cached file, or the one `download` fetches; concurrent requests for one id share one download. */
  async getOrFetch(id: string, download: () => Promise<{ bytes: Buffer; contentType: string }>): Promise<CachedMedia> {
    const cached = this.get(id);
    if (cached) return cached;
    let pending = this.fetching.get(id);
    if (!pending) {
      pending = download()
        .then(({ bytes, contentType }) => this.put(id, bytes, contentType))
        .finally(() => this.fetching.delete(id));
      this.fetching.set(id, pending);
    }
    return pending;
  }

  /** Bytes the entries take on disk, as counted against MEDIA_CACHE_BYTES. */
  get diskBytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(keep: string): void {
    const over = () => this.total > this.capBytes || this.entries.size > this.capEntries;
    if (!over()) return;
    const oldestFirst = [...this.entries.entries()].filter(([key]) => key !== keep).sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [key, entry] of oldestFirst) {
      if (!over()) break;
      for (const suffix of ['.bin', '.json']) {
        try {
          unlinkSync(join(this.dir, `${key}${suffix}`));
        } catch {
          // Already gone.
        }
      }
      this.entries.delete(key);
      this.total -= entry.disk;
    }
  }
}

function keyOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

const SIGNATURES: [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'image/png'],
  [[0xff, 0xd8, 0xff], 'image/jpeg'],
  [[0x47, 0x49, 0x46, 0x38], 'image/gif'],
  [[0x42, 0x4d], 'image/bmp'],
  [[0x25, 0x50, 0x44, 0x46], 'application/pdf'],
  [[0x49, 0x44, 0x33], 'audio/mpeg'],
  [[0xff, 0xfb], 'audio/mpeg'],
  [[0x50, 0x4b, 0x03, 0x04], 'application/zip'],
];

const BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', bmp: 'image/bmp', gif: 'image/gif',
  mp3: 'audio/mpeg', aac: 'audio/aac', mp4: 'video/mp4', txt: 'text/plain; charset=utf-8', csv: 'text/csv; charset=utf-8',
  pdf: 'application/pdf', doc: 'application/msword', zip: 'application/zip',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

/** The content type from the bytes themselves where they say it, else from AICC's fileType. */
export function contentTypeOf(bytes: Buffer, fileType: string): string {
  for (const [magic, type] of SIGNATURES) {
    if (magic.every((b, i) => bytes[i] === b)) return type;
  }
  if (bytes.length >= 12 && bytes.subarray(4, 8).toString('latin1') === 'ftyp') return 'video/mp4';
  return BY_EXTENSION[fileType.toLowerCase()] ?? 'application/octet-stream';
}
