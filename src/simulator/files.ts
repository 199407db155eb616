// The files AICC holds: what customers upload (uploadFileStream), what agents send from their own computer
// (local files: downloaded as "local/" + the message's content, cec_07_2220) and the tenant's media library
// (downloaded with multiMedia). Also makes the agent's picture: a real, small PNG, so whoever downloads it can
// decode and show it.

import { randomUUID } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/** uploadFileStream's list (docs/aicc.md §5: the newer page's JPEG/BMP, and the older "bpm" typo for BMP). */
export const UPLOAD_FILE_TYPES = ['jpg', 'jpeg', 'png', 'bmp', 'bpm', 'mp3', 'aac', 'mp4', 'txt', 'csv'] as const;
/** downloadFileStream's list. */
export const DOWNLOAD_FILE_TYPES = [
  ...UPLOAD_FILE_TYPES, 'richtext', 'doc', 'docx', 'pdf', 'zip',
] as const;

export interface StoredFile {
  id: string;
  fileType: string;
  bytes: Buffer;
  /** upload: a customer's; local: an agent's local file; library: the tenant's media library. */
  origin: 'upload' | 'local' | 'library';
  storedAt: number;
}

export class FileStore {
  private readonly files = new Map<string, StoredFile>();

  /** Keeps the bytes and returns the objectKey a send's content refers to. */
  put(bytes: Buffer, fileType: string, origin: StoredFile['origin']): StoredFile {
    const type = fileType.toLowerCase();
    const id = origin === 'upload' ? `sim/upload/${randomUUID()}.${type}` : `sim/${origin}/${randomUUID()}`;
    const file: StoredFile = { id, fileType: type, bytes, origin, storedAt: Date.now() };
    this.files.set(id, file);
    return file;
  }

  /** A file by the content that named it (tests' view: no download rules). */
  get(fileId: string): StoredFile | undefined {
    return this.files.get(fileId) ?? this.files.get(fileId.replace(/^local\//, ''));
  }

  /** A customer's upload, by its objectKey (what a customer's send may name). */
  hasUpload(objectKey: string): boolean {
    return this.files.get(objectKey)?.origin === 'upload';
  }

  /**
   * The file downloadFileStream serves for a request, or why not (cec_07_2220): a local file only as
   * "local/" + its key and with its own type; a library file only with multiMedia; an upload either way.
   */
  forDownload(fileId: string, fileType: string, multiMedia: boolean): StoredFile | { refused: string } {
    if (fileId.startsWith('local/')) {
      const file = this.files.get(fileId.slice('local/'.length));
      if (file?.origin !== 'local') return { refused: 'no such local file' };
      if (file.fileType !== fileType.toLowerCase()) return { refused: `fileType must be the message's mediaFileType (${file.fileType})` };
      return file;
    }
    const file = this.files.get(fileId);
    // Without the prefix AICC looks in the media library: a local file is not there.
    if (!file || file.origin === 'local') return { refused: 'no such file in the media library' };
    if (file.origin === 'library' && !multiMedia) return { refused: 'multiMedia is required for a media-library file' };
    return file;
  }
}

/** A width×height PNG (8-bit RGB) with a diagonal gradient: small, valid, recognisably an image. */
export function makePng(width = 32, height = 32, seed = 0): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const at = row + 1 + x * 3;
      raw[at] = (x * 8 + seed * 40) & 0xff;
      raw[at + 1] = (y * 8) & 0xff;
      raw[at + 2] = ((x + y) * 4 + 96) & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, deflate, no filter method, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Strict base64 (standard alphabet, padding optional); undefined when the text is not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined;
  return Buffer.from(compact, 'base64');
}
