// Logs: JSON lines for machines, readable lines on a person's terminal; secrets redacted either way.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, logDestination, readableLines } from '../../src/logger.js';

function capture(isTTY = false) {
  const lines: string[] = [];
  return { out: { isTTY, write: (text: string) => lines.push(text) }, lines };
}

describe('the logger', () => {
  it('writes readable lines: time, level, message, fields, the error stack below; secrets redacted', () => {
    const { out, lines } = capture();
    const log = createLogger('info', readableLines(out));
    log.info({ method: 'POST', status: 200, token: 'secret-token-value', note: { a: 1 } }, 'request completed');
    log.error({ err: new Error('disk full') }, 'request failed');
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} INFO  request completed method=POST status=200 token=\[redacted\] note=\{"a":1\}\n$/);
    assert.doesNotMatch(lines.join(''), /secret-token-value|"level"/);
    assert.match(lines[1]!, /ERROR request failed\n {4}Error: disk full\n {4,}at /);
  });

  it('is readable on a terminal unless NODE_ENV=production or LOG_FORMAT=json; JSON elsewhere', () => {
    const tty = capture(true).out as unknown as NodeJS.WriteStream;
    const pipe = capture(false).out as unknown as NodeJS.WriteStream;
    assert.ok(logDestination({ logFormat: 'auto', production: false }, tty));
    assert.equal(logDestination({ logFormat: 'auto', production: true }, tty), undefined);
    assert.equal(logDestination({ logFormat: 'auto', production: false }, pipe), undefined);
    assert.equal(logDestination({ logFormat: 'json', production: false }, tty), undefined);
    assert.ok(logDestination({ logFormat: 'pretty', production: true }, pipe));
  });
});
