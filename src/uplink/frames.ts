// The customer's frames on the stream's WebSocket: the same operations as the uplink's HTTP routes.
//   {"type":"send", "clientMessageId", "kind", …}  → {"type":"ack", "clientMessageId", "seq", "status", "duplicate"}
//   {"type":"transfer", "clientMessageId"}          → {"type":"ack", …}
//   {"type":"typing"}                               → nothing
//   {"type":"read", "seq"}                          → nothing
// A refused frame is answered {"type":"error", "clientMessageId"?, "reason"}.

import { Compile } from 'typebox/compile';
import type { ClientFrameHandler } from '../delivery/streamRoute.js';
import { GatewayError } from '../errors.js';
import { CLIENT_MESSAGE_ID_PATTERN, type AckFrame } from '../protocol/index.js';
import { inputOf, SendBody } from './routes.js';
import type { AiccCalls } from './calls.js';
import type { Uplink } from './uplink.js';

// Compiled on the first send frame, not while the gateway starts.
const compileSend = () => Compile(SendBody);
let compiledSend: ReturnType<typeof compileSend> | undefined;
const CLIENT_MESSAGE_ID = new RegExp(CLIENT_MESSAGE_ID_PATTERN);

export function uplinkFrames(uplink: Uplink | undefined, calls: AiccCalls | undefined): ClientFrameHandler {
  return async (customerId, frame) => {
    if (!uplink || !calls) throw new GatewayError('UPLINK_DISABLED', 'sending to the contact center is not configured');
    switch (frame.type) {
      case 'send': {
        const { type: _type, ...body } = frame;
        if (!(compiledSend ??= compileSend()).Check(body)) throw new GatewayError('INVALID_PARAMETER', 'a send frame needs clientMessageId, kind and its fields');
        const accepted = await uplink.send(customerId, body.clientMessageId, inputOf(body));
        return { type: 'ack', clientMessageId: body.clientMessageId, ...accepted } satisfies AckFrame;
      }
      case 'transfer': {
        const id = frame.clientMessageId;
        if (typeof id !== 'string' || !CLIENT_MESSAGE_ID.test(id)) {
          throw new GatewayError('INVALID_PARAMETER', 'a transfer frame needs a clientMessageId');
        }
        return { type: 'ack', clientMessageId: id, ...(await uplink.transfer(customerId, id)) } satisfies AckFrame;
      }
      case 'typing':
        calls.typing(customerId);
        return undefined;
      case 'read':
        if (!Number.isInteger(frame.seq) || (frame.seq as number) < 1) throw new GatewayError('INVALID_PARAMETER', 'a read frame needs seq');
        await calls.read(customerId, frame.seq as number);
        return undefined;
      default:
        throw new GatewayError('INVALID_PARAMETER', `unknown frame type: ${frame.type.slice(0, 40)}`);
    }
  };
}
