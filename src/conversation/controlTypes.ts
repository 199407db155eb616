// The gateway's own controlTypes, which AICC never pushes: they sit in the customer's log and streams beside
// AICC's (CHAT, CONNECT, DISCONNECT, …). Their shapes are the protocol's (src/protocol/messages.ts); the values
// are spelled once here for whoever writes or reads them.

import type { QueueMessage, StatusMessage, SurveyMessage } from '../protocol/index.js';

/** A status entry: the fate at AICC (pending → sent, or failed with the reason) of a customer's message. */
export const STATUS_CONTROL_TYPE = 'STATUS' satisfies StatusMessage['controlType'];
/** An ephemeral queue position while the customer waits for an agent (streamed as a `queue` frame). */
export const QUEUE_CONTROL_TYPE = 'QUEUE' satisfies QueueMessage['controlType'];
/** The customer's survey answer for one conversation (stored once, after AICC took it). */
export const SURVEY_CONTROL_TYPE = 'SURVEY' satisfies SurveyMessage['controlType'];
