// Configuration: defaults, the config file, and refusals that name the setting.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { tempDir } from './support/gateway.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, resolve('./data'));
    assert.equal(config.apps.size, 0);
    assert.equal(config.tokenTtlMax, 3600);
    assert.equal(config.pushTimestampSkewMs, 300_000);
    assert.equal(config.bodyLimit, 1024 * 1024);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.durability, 'full');
  });

  it('reads app credentials whose secrets contain colons', () => {
    const config = loadConfig({ AICC_APPS: 'a:one, b:two:with:colons' });
    assert.deepEqual([...config.apps], [['a', 'one'], ['b', 'two:with:colons']]);
  });

  it('takes a JSON config file, which the environment overrides', () => {
    const file = join(tempDir(), 'gateway.json');
    writeFileSync(file, JSON.stringify({ PORT: 9000, LOG_LEVEL: 'debug', DURABILITY: 'relaxed' }));
    const config = loadConfig({ CONFIG_FILE: file, LOG_LEVEL: 'warn' });
    assert.equal(config.port, 9000);
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.durability, 'relaxed');
  });

  it('refuses wrong values, naming the setting', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: '70000' }, /PORT must be between 0 and 65535/],
      [{ BODY_LIMIT: '1MB' }, /BODY_LIMIT must be a whole number/],
      [{ AICC_APPS: 'a:1,a:2' }, /AICC_APPS names "a" twice/],
      [{ AICC_APPS: ':secret' }, /AICC_APPS entry 1/],
      [{ TOKEN_SECRET: 'short' }, /TOKEN_SECRET must be at least 32 characters/],
      [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
      [{ CONFIG_FILE: '/nonexistent/gateway.json' }, /CONFIG_FILE \/nonexistent\/gateway.json/],
    ];
    for (const [env, expected] of cases) {
      assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && expected.test(err.message));
    }
  });
});
