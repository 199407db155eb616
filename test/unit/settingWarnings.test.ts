// A misspelt setting is named at start (config.ts settingWarnings): a variable one or two edits from one of ours,
// an unknown AICC_ name, any unknown key of CONFIG_FILE; the environment's other variables are left alone.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { settingWarnings } from '../../src/config.js';
import { tempDir } from '../support/gateway.js';

describe('settingWarnings', () => {
  it('names a near miss and the setting it was probably meant to be', () => {
    assert.deepEqual(settingWarnings({ ALLOWED_ORIGIN: 'https://shop.example' }), [
      'ALLOWED_ORIGIN is set but is not a setting of the gateway; did you mean ALLOWED_ORIGINS?',
    ]);
    assert.match(settingWarnings({ REDIS_URI: 'redis://x' })[0]!, /did you mean REDIS_URL\?/);
    assert.match(settingWarnings({ AICC_APP_SECERT: 'x' })[0]!, /did you mean AICC_APP_SECRET\?/);
  });

  it('names an unknown AICC_ variable even when nothing is close', () => {
    assert.deepEqual(settingWarnings({ AICC_TENANT: 't1' }), ['AICC_TENANT is set but is not a setting of the gateway (aicc-gateway --help lists them)']);
  });

  it('leaves the settings and the environment\'s own variables alone', () => {
    assert.deepEqual(settingWarnings({ PORT: '8080', ALLOWED_ORIGINS: '*', HOME: '/root', PATH: '/bin', HOSTNAME: 'n1', TERM: 'xterm', REDIS_SERVICE_HOST: '10.0.0.1' }), []);
  });

  it('names every unknown key of CONFIG_FILE', () => {
    const file = join(tempDir(), 'gateway.json');
    writeFileSync(file, JSON.stringify({ PORT: 9000, VISITOR: 'off', colour: 'blue' }));
    assert.deepEqual(settingWarnings({ CONFIG_FILE: file }), [
      `CONFIG_FILE ${file}: VISITOR is not a setting; did you mean VISITORS?`,
      `CONFIG_FILE ${file}: colour is not a setting (aicc-gateway --help lists them)`,
    ]);
  });
});
