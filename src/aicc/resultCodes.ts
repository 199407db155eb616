// What AICC's result codes mean, API by API. The same number means different things in different APIs
// (docs/aicc.md §5): "3" is a refused token only in queryQueueInfo, and a bad parameter in doLeaveMessage and
// uploadFileStream; "401" is downloadFileStream's "objectKey is null!", not an HTTP status. Reading one global
// table would drop a session over a bad parameter and send a leave message twice.

import type { StatusErrorCode } from '../protocol/index.js';
import { AICC_PATHS } from './api.js';

/** What went wrong with a call to AICC, by name: the same names a failed message's STATUS entry carries
 *  (protocol/errors.ts, where each is explained). TOKEN is HTTP 401, or queryQueueInfo's resultCode 3. */
export type AiccErrorCode = StatusErrorCode;

export class AiccError extends Error {
  constructor(
    readonly code: AiccErrorCode,
    message: string,
    readonly resultCode?: string,
  ) {
    super(message);
    this.name = 'AiccError';
  }

  /** True when AICC certainly did not act on the request, so sending it again cannot double it. */
  get safeToRepeat(): boolean {
    return this.code === 'FAILED' || this.code === 'UNREACHABLE';
  }
}

type Meanings = Readonly<Record<string, AiccErrorCode>>;

/** Codes that mean the same in every API that documents them. */
const COMMON: Meanings = { '12': 'OUTSIDE_WORKING_HOURS', '13': 'FAILED' };

/** Each API's own codes, from its Huawei page (docs/aicc.md §5). */
const PER_API: Readonly<Record<string, Meanings>> = {
  // cec_07_0103: "1" failure. Applying is idempotent, so a failure may be tried again.
  [AICC_PATHS.applyToken]: { '1': 'FAILED' },
  // cec_05_2030: 0, 12, 13 only.
  [AICC_PATHS.send]: {},
  [AICC_PATHS.sendAsync]: {},
  // cec_07_0111: returnCode 2 and 3 are bad parameters.
  [AICC_PATHS.uploadFileStream]: { '2': 'PARAMETER', '3': 'PARAMETER' },
  // cec_07_2220: 401 "objectKey is null!", 2 a bad parameter.
  [AICC_PATHS.downloadFileStream]: { '2': 'PARAMETER', '401': 'PARAMETER' },
  // cec_07_2221: 1 parameter, 2 CCUCS error, 3 token, 4 unknown (5, 6, 160004, 160021, 160022: see QUEUE_ENDINGS).
  [AICC_PATHS.queryQueueInfo]: { '1': 'PARAMETER', '2': 'FAILED', '3': 'TOKEN' },
  // cec_07_0107: 2 an empty parameter, 3 "the leaveMessageParams is error".
  [AICC_PATHS.doLeaveMessage]: { '2': 'PARAMETER', '3': 'PARAMETER' },
  // cec_07_0104: 1 failure (of the query: repeatable, as it reads).
  [AICC_PATHS.queryHistoryChatMessage]: { '1': 'FAILED' },
};

/** The error for a non-zero result code of the API at `path`; a code the API does not document is UNEXPECTED. */
export function resultError(path: string, code: string, desc: string | undefined): AiccError {
  const meaning = PER_API[path]?.[code] ?? COMMON[code] ?? 'UNEXPECTED';
  if (meaning === 'OUTSIDE_WORKING_HOURS') return new AiccError(meaning, desc || 'outside the agents\' working hours', code);
  const text = desc ? `${desc} (AICC resultCode ${code})` : `AICC resultCode ${code}`;
  return new AiccError(meaning, text, code);
}

/** Why a customer is no longer in the queue: queryQueueInfo's codes that are answers, not failures (cec_07_2221). */
export type QueueEnding = 'ENDED' | 'SESSION_INVALID' | 'NO_SESSION' | 'WITH_AGENT' | 'MOVED_TO_IVR';
export const QUEUE_ENDINGS: Readonly<Record<string, QueueEnding>> = {
  '5': 'ENDED',
  '6': 'SESSION_INVALID',
  '160004': 'NO_SESSION',
  '160021': 'WITH_AGENT',
  '160022': 'MOVED_TO_IVR',
};
