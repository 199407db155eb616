// The gateway's own controlTypes, which AICC never pushes: they sit in the customer's log and streams beside
// AICC's (CHAT, CONNECT, DISCONNECT, …), so they are spelled once here for whoever writes or reads them.

/** A status entry: the fate at AICC (pending → sent, or failed with the reason) of a customer's message. */
export const STATUS_CONTROL_TYPE = 'STATUS';
/** An ephemeral queue position while the customer waits for an agent (streamed as a `queue` frame). */
export const QUEUE_CONTROL_TYPE = 'QUEUE';
