// Errors by name, as the customer's side sees them (docs/protocol.md "Errors"). The server's error table is
// src/errors.ts; its names are what `code` carries in an error answer and an `error` frame, so a client words an
// error by what it is (agents away, a changed retry, too long, a file AICC does not take), never by HTTP status.

import type { ErrorCode } from '../errors.js';

/** An error answer's and an `error` frame's `code`: the gateway's error by name (the table in src/errors.ts). */
export type GatewayErrorCode = ErrorCode;

/** Every refusal of the gateway, HTTP answers and the router's own included (a success is `{"resultCode":"0"}`). */
export interface ErrorAnswer {
  resultCode: string;
  resultDesc: string;
  code: GatewayErrorCode;
}

/** Why a customer's message did not reach AICC: a failed STATUS entry's `errorCode`. */
export type StatusErrorCode =
  | 'OUTSIDE_WORKING_HOURS' // AICC's resultCode 12: no agent works now; the customer may leave a message
  | 'FAILED' // AICC's resultCode 13, or HTTP 5xx: AICC did not do it; safe to try again
  | 'TOKEN' // the customer's ccmessaging-token was refused, and applying again did not help
  | 'PARAMETER' // AICC refused what was sent
  | 'UNAUTHORIZED' // the gateway's own API Fabric credentials were refused
  | 'UNREACHABLE' // no connection: the request never reached AICC
  | 'TIMEOUT' // no answer in time: AICC may or may not have taken it
  | 'UNEXPECTED'; // anything else
