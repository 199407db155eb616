// AICC's customer-side HTTP API (docs/aicc.md §4–§6): the paths, the request
// and answer shapes, and the result codes. Shared by our AiccClient (the gateway calling AICC) and our AICC
// simulator (playing AICC's part), so both speak one contract. Field names are AICC's, spelling included
// (`satisfication`, `configMaxcWaitTime`).

import type { ResultAnswer } from '../errors.js';
import type { RawDownLinkMsg } from './downlink.js';

export const AICC_PATHS = {
  tokenByAkSk: '/apigovernance/api/oauth/tokenByAkSk',
  applyToken: '/apiaccess/ccmessaging/applyToken',
  send: '/apiaccess/ccmessaging/send',
  sendAsync: '/apiaccess/ccmessaging/sendAsync',
  poll: '/apiaccess/ccmessaging/poll',
  uploadFileStream: '/apiaccess/ccmessaging/uploadFileStream',
  downloadFileStream: '/apiaccess/ccmessaging/downloadFileStream',
  queryQueueInfo: '/apiaccess/ccmessaging/queryQueueInfo',
  getSatisfactionSurveyMode: '/apiaccess/ccmessaging/getsatisfactionsurveymode',
  saveSatisfaction: '/apiaccess/ccmessaging/saveSatisfaction',
  doLeaveMessage: '/apiaccess/ccmessaging/doLeaveMessage',
  queryHistoryChatMessage: '/apiaccess/ccmessaging/queryHistoryChatMessage',
  robotFeedback: '/apiaccess/ccmessaging/v1/robot/feedbacksatisfaction',
  queryPhraseByKeyword: '/apiaccess/ccmessaging/queryPhraseByKeyword',
} as const;

/** The other direction: where AICC pushes downlink messages to the gateway. pushMsg is the path AICC calls with
 *  x-app-key and the AccessToken from tokenByAkSk; the webhook is ours, signed with auth-v2 (docs/aicc.md §2). */
export const PUSH_PATHS = {
  pushMsg: '/apiaccess/ccmessaging/pushMsg',
  webhook: '/webhooks/v1/messages',
} as const;

/** Which of the two a push came through (a label of the push metrics). */
export type Door = keyof typeof PUSH_PATHS;

/** Headers: every call but tokenByAkSk carries `x-app-key` and `Authorization: Bearer <AccessToken>`; the
 *  per-customer calls also `ccmessaging-token`, which AICC may replace by returning a newer one in the answer's
 *  `ccmessaging-token` header. */
export const CCMESSAGING_TOKEN_HEADER = 'ccmessaging-token';

/** Result codes that mean the same in every API that has them (resultCode is a string; returnCode may be a
 *  number). What the other codes mean differs per API: resultCodes.ts. */
export const RESULT = {
  OK: '0',
  PARAMETER: '2',
  OUTSIDE_WORKING_HOURS: '12',
  FAILED: '13',
} as const;

export interface TokenByAkSkRequest {
  app_key: string;
  app_secret: string;
}
export interface TokenByAkSkAnswer {
  AccessToken: string;
  ApplyType: string;
  CreateTime: string;
  Expires: string;
  Scope?: string;
  AppKey?: string;
  UserID?: string;
}

/** The answer as an issuer gives it: every field present (ours in accessTokens.ts, the simulator's). */
export type IssuedTokenAnswer = Required<TokenByAkSkAnswer> & { ApplyType: 'Bearer' };

/** AICC's answer shape, which every answer of the gateway has too (success and failure alike): errors.ts. */
export type { ResultAnswer } from '../errors.js';

export interface ApplyTokenRequest {
  /** 1–32 characters, the enterprise's own customer id (our customerId). */
  userId: string;
  userName: string;
  /** The web channel's Configuration ID (AICC_CHANNEL_ID). */
  channelId: string;
  locale: string;
}
/** The API table lists resultCode and resultDesc ("not returned at present"); the developer guide's sample
 *  answers `{ "token": "…" }` alone (cec_05_2012). Both are success. */
export interface ApplyTokenAnswer extends Partial<ResultAnswer> {
  token?: string;
}

export type SendControlType = 'CONNECT' | 'CHAT' | 'TRANS2AGENT' | 'INPUT' | 'DISCONNECT' | 'READ';
export type SendMediaType = 'TEXT' | 'IMAGE' | 'AUDIO' | 'VIDEO' | 'FILE' | 'FILE_IMAGE' | 'FILE_VIDEO' | 'WEBCARD';

export interface SendMsgRequest {
  channel: 'WEB';
  /** TEXT: the text (≤ 1 KB); IMAGE/AUDIO/VIDEO: the objectKey from uploadFileStream;
   *  FILE: "fileName,fileSize,fileId,fileType"; READ: the ids read, comma-separated; "" for CONNECT etc. */
  content: string;
  controlType: SendControlType;
  /** The customer (userId). */
  from: string;
  /** Mandatory in the developer guide; control messages go as TEXT with empty content, as every sample does. */
  mediaType: SendMediaType;
  senderNickname?: string;
  sourceType: 'CUSTOMER';
  /** Milliseconds, as a string (send's own type; optional in the table, always sent by us). */
  timestamp?: string;
  /** The channel's Configuration ID. */
  to: string;
  userAgent?: string;
  senderAvatar?: string;
  /** Ours, not in AICC's table: the id the gateway gave the message (READ reports may echo it). */
  messageCode?: string;
}

export interface PollAnswer extends ResultAnswer {
  downlinkMessages?: RawDownLinkMsg[];
}

export interface UploadFileStreamRequest {
  fileType: string;
  /** Base64. */
  fileStream: string;
  channel: 'WEB';
}
/** The API table answers `returnCode` (0/2/3/13, perhaps a number), the developer guide `resultCode`: either. */
export interface UploadFileStreamAnswer {
  returnCode?: string | number;
  resultCode?: string;
  resultDesc?: string;
  objectKey?: string;
}

export interface DownloadFileStreamRequest {
  /** The resource id from the downlink's content; `"local/" + content` when its contentType is "1" (a local file). */
  fileId: string;
  channel: 'WEB';
  /** For a local file: the downlink's mediaFileType. */
  fileType: string;
  /** "multiMedia" for files of AICC's media library (every file that is not local). */
  multiMedia?: 'multiMedia';
}
/** The developer guide's sample answers `{ "fileStream": "…" }` alone (cec_05_2042): success too. */
export interface DownloadFileStreamAnswer extends Partial<ResultAnswer> {
  /** Base64. */
  fileStream?: string;
}

export interface QueryQueueInfoRequest {
  userId: string;
  channelConfigId: string;
  channel: 'WEB';
}
/** resultCode "0" while queuing; 5, 6, 160004, 160021, 160022 say why the customer is not (QUEUE_ENDINGS). */
export interface QueryQueueInfoAnswer extends ResultAnswer {
  position?: number;
  totalWaitTime?: number;
  currentDeviceWaitTime?: number;
  configMaxcWaitTime?: number;
  longestWaitTime?: number;
  /** Seconds. */
  estimateWaitTime?: number;
}

export interface SatisfactionLevel {
  /** "1"–"5" (a string in cec_07_2224; a number is taken too). */
  satisfactionLevelKey: string | number;
  satisfactionLevelDesc: string;
}
/** The questions the survey asks beside the level: first contact resolution, net promoter score, satisfaction. */
export type SatisfactionQuestion = 'FCR' | 'NPS' | 'CSAT';
export interface SurveyModeAnswer extends ResultAnswer {
  satisfactionSurvey?: {
    surveyType: 'WEB' | 'NO';
    satisfactionLevel?: SatisfactionLevel[];
    /** An Array in cec_07_2224 (a single string is taken too). */
    satisfactionQuestion?: string[] | string;
  };
}

export interface SaveSatisfactionRequest {
  satisfication: {
    channel: 'WEB';
    userId: string;
    /** "1"–"5": a string in cec_07_2226 (and in Huawei's demo). */
    evaluation: string;
    /** Under 512 characters. */
    comment: string;
    channelConfigId: string;
    /** "0"–"9", when the survey asks NPS. */
    npsScore?: string;
    /** "1" resolved, "2" not, when the survey asks FCR. */
    fcrValue?: string;
  };
}

export interface DoLeaveMessageRequest {
  /** The customer's user id. */
  callId: string;
  /** A phone number to call back. */
  caller: string;
  leaveMessage: string;
  channel: 'WEB';
}

export interface QueryHistoryRequest {
  channelId: string;
  userId: string;
  /** Strings, as cec_07_0104 types them. */
  startTime?: string;
  endTime?: string;
  limit: string;
  offset: string;
  channel: 'WEB';
}
export interface QueryHistoryAnswer extends ResultAnswer {
  messageList?: RawDownLinkMsg[];
}
