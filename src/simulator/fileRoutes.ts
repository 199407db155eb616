// uploadFileStream and downloadFileStream (docs/aicc.md §5): base64 in JSON both ways, each under the customer's
// mandatory ccmessaging-token. Upload answers with `returnCode` (the API table; the developer guide says
// `resultCode`); download with the file alone (cec_05_2042), or beside resultCode "0" when resultCodeWithPayload.

import type { FastifyInstance } from 'fastify';
import { AICC_PATHS, RESULT } from '../aicc/api.js';
import type { SimContext } from './context.js';
import { asRecord, customerOf, isText } from './http.js';
import { DOWNLOAD_FILE_TYPES, UPLOAD_FILE_TYPES, decodeBase64 } from './files.js';

export function fileRoutes(app: FastifyInstance, ctx: SimContext): void {
  const { settings } = ctx;

  app.post(AICC_PATHS.uploadFileStream, async (request, reply) => {
    if (customerOf(ctx, request, reply) === undefined) return reply;
    const body = asRecord(request.body);
    if (!isText(body.fileType) || typeof body.fileStream !== 'string' || !isText(body.channel)) {
      return { returnCode: '2', resultDesc: 'fileType, fileStream and channel are required' };
    }
    // The newer page lists upper case (JPG, PNG, ...), the older lower case: either is taken.
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

  app.post(AICC_PATHS.downloadFileStream, async (request, reply) => {
    if (customerOf(ctx, request, reply) === undefined) return reply;
    const body = asRecord(request.body);
    if (!isText(body.fileId)) return { resultCode: '401', resultDesc: 'objectKey is null!' };
    if (body.channel !== 'WEB' || !isText(body.fileType)) return { resultCode: RESULT.PARAMETER, resultDesc: 'channel "WEB" and fileType are required' };
    if (!(DOWNLOAD_FILE_TYPES as readonly string[]).includes(body.fileType.toLowerCase())) {
      return { resultCode: RESULT.PARAMETER, resultDesc: `fileType must be one of ${DOWNLOAD_FILE_TYPES.join(', ')}` };
    }
    if (body.multiMedia !== undefined && body.multiMedia !== 'multiMedia') {
      return { resultCode: RESULT.PARAMETER, resultDesc: 'multiMedia, when given, must be "multiMedia"' };
    }
    const file = ctx.files.forDownload(body.fileId, body.fileType, body.multiMedia === 'multiMedia');
    if ('refused' in file) return { resultCode: RESULT.FAILED, resultDesc: `download file failed: ${file.refused}` };
    if (file.bytes.length > settings.maxDownloadBytes) {
      return { resultCode: RESULT.FAILED, resultDesc: `download file failed: over the ${settings.maxDownloadBytes}-byte limit` };
    }
    const fileStream = file.bytes.toString('base64');
    return settings.resultCodeWithPayload ? { resultCode: RESULT.OK, fileStream } : { fileStream };
  });
}
