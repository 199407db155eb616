// uploadFileStream and downloadFileStream (docs/aicc.md §5): base64 in JSON both ways. Upload answers with
// `returnCode` (AICC's own inconsistency); download with `resultCode`, "401" when no fileId is given.

import type { FastifyInstance } from 'fastify';
import { AICC_PATHS, RESULT } from '../aicc/api.js';
import type { SimContext } from './context.js';
import { asRecord, isText } from './http.js';
import { DOWNLOAD_FILE_TYPES, UPLOAD_FILE_TYPES, decodeBase64 } from './files.js';

export function fileRoutes(app: FastifyInstance, ctx: SimContext): void {
  const { settings } = ctx;

  app.post(AICC_PATHS.uploadFileStream, async (request) => {
    const body = asRecord(request.body);
    if (!isText(body.fileType) || typeof body.fileStream !== 'string' || !isText(body.channel)) {
      return { returnCode: '2', resultDesc: 'fileType, fileStream and channel are required' };
    }
    const fileType = body.fileType.toLowerCase();
    if (!(UPLOAD_FILE_TYPES as readonly string[]).includes(fileType)) {
      return { returnCode: '3', resultDesc: `fileType must be one of ${UPLOAD_FILE_TYPES.join(', ')}` };
    }
    if (body.channel !== 'WEB') return { returnCode: '3', resultDesc: 'channel must be "WEB"' };
    const bytes = decodeBase64(body.fileStream);
    if (!bytes || bytes.length === 0) return { returnCode: '3', resultDesc: 'fileStream must be non-empty base64' };
    if (bytes.length > settings.maxUploadBytes) {
      return { returnCode: '3', resultDesc: `the file is over the ${settings.maxUploadBytes}-byte limit` };
    }
    const file = ctx.files.put(bytes, fileType, 'upload');
    ctx.records.uploads.push({ objectKey: file.id, fileType, size: bytes.length, at: file.storedAt });
    return { returnCode: RESULT.OK, resultDesc: 'upload file success', objectKey: file.id };
  });

  app.post(AICC_PATHS.downloadFileStream, async (request) => {
    const body = asRecord(request.body);
    if (!isText(body.fileId)) return { resultCode: '401', resultDesc: 'objectKey is null!' };
    if (body.channel !== 'WEB' || !isText(body.fileType)) return { resultCode: RESULT.PARAMETER, resultDesc: 'channel "WEB" and fileType are required' };
    if (!(DOWNLOAD_FILE_TYPES as readonly string[]).includes(body.fileType.toLowerCase())) {
      return { resultCode: RESULT.PARAMETER, resultDesc: `fileType must be one of ${DOWNLOAD_FILE_TYPES.join(', ')}` };
    }
    if (body.multiMedia !== undefined && body.multiMedia !== 'multiMedia') {
      return { resultCode: RESULT.PARAMETER, resultDesc: 'multiMedia, when given, must be "multiMedia"' };
    }
    // AICC wants multiMedia for files of its media library (the agent's pictures); a push does not say which
    // files those are, so the simulator serves every file with or without it.
    const file = ctx.files.get(body.fileId);
    if (!file) return { resultCode: RESULT.FAILED, resultDesc: 'download file failed: no such file' };
    if (file.bytes.length > settings.maxDownloadBytes) {
      return { resultCode: RESULT.FAILED, resultDesc: `download file failed: over the ${settings.maxDownloadBytes}-byte limit` };
    }
    return { resultCode: RESULT.OK, resultDesc: 'download file success', fileStream: file.bytes.toString('base64') };
  });
}
