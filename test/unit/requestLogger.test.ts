// The logger a request carries is made on first use (src/http/requestLogger.ts) and must answer as the pino child it
// stands for would: the parent's level, or the child's own when it was given one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import pino, { type Logger } from 'pino';
import { lazyChildLogger } from '../../src/http/requestLogger.js';

function parentAt(level: string) {
  const lines: Record<string, unknown>[] = [];
  const parent = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { parent: parent as unknown as FastifyBaseLogger, lines };
}

describe('the request logger made on first use', () => {
  it('follows the parent level and drops lines below it', () => {
    const { parent, lines } = parentAt('info');
    const log = lazyChildLogger(parent, { reqId: 'r1' }, {}) as unknown as Logger;
    assert.equal(log.isLevelEnabled('debug'), false);
    assert.equal(log.isLevelEnabled('info'), true);
    log.debug('not written');
    log.info({ n: 1 }, 'written');
    assert.deepEqual(lines.map((l) => [l.reqId, l.msg, l.n]), [['r1', 'written', 1]]);
  });

  it('follows a level of its own when it was given one', () => {
    const { parent, lines } = parentAt('info');
    const log = lazyChildLogger(parent, { reqId: 'r2' }, { level: 'debug' }) as unknown as Logger;
    assert.equal(log.isLevelEnabled('debug'), true);
    log.debug('written at debug');
    assert.deepEqual(lines.map((l) => [l.reqId, l.msg]), [['r2', 'written at debug']]);
  });
});
