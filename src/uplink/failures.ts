// What became of a call to AICC, in words the customer and the operator can act on.

import { AiccError } from '../aicc/resultCodes.js';
import { GatewayError } from '../errors.js';

/** Calls AICC for the customer's HTTP request; AICC's refusal becomes an answer the customer can act on (a
 *  failure of ours, such as the store, keeps its own answer). */
export async function upstream<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    const failure = describeFailure(err);
    // AICC refused what was sent (a bad parameter): trying again later cannot help, changing it can.
    if (failure.code === 'PARAMETER') throw new GatewayError('INVALID_PARAMETER', failure.reason);
    throw new GatewayError(failure.code === 'OUTSIDE_WORKING_HOURS' ? 'AGENTS_UNAVAILABLE' : 'UPSTREAM_FAILED', failure.reason);
  }
}

export function describeFailure(err: unknown): { reason: string; code: string; resultCode?: string } {
  if (err instanceof AiccError) {
    const reasons: Record<string, string> = {
      OUTSIDE_WORKING_HOURS: 'No agent is working now (outside working hours). You can leave a message.',
      UNREACHABLE: 'The contact center cannot be reached right now.',
      TIMEOUT: 'The contact center did not answer in time.',
      FAILED: 'The contact center could not take the message.',
      PARAMETER: `The contact center refused what was sent as a bad parameter (${err.message}).`,
    };
    return { reason: reasons[err.code] ?? err.message, code: err.code, ...(err.resultCode ? { resultCode: err.resultCode } : {}) };
  }
  return { reason: 'The message could not be sent.', code: 'UNEXPECTED' };
}
