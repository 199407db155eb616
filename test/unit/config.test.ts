// Configuration: defaults, the config file, and refusals that name the setting.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { parseRedisUrl } from '../../src/redis/url.js';
import { tempDir } from '../support/gateway.js';

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

  it('reads REDIS_URL in its three forms', () => {
    assert.equal(loadConfig({}).redisUrl, undefined);
    assert.equal(loadConfig({ REDIS_URL: 'redis://:pw@10.0.0.5:6380/2' }).redisUrl, 'redis://:pw@10.0.0.5:6380/2');
    assert.deepEqual(parseRedisUrl('redis-sentinel://s1,s2:26380/mymaster'), {
      kind: 'sentinel', hosts: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }], tls: false, db: 0, masterName: 'mymaster', waitReplicas: 0,
    });
    assert.equal(parseRedisUrl('redis-sentinel://s1:26379/mymaster/2?wait=1').waitReplicas, 1);
    assert.throws(() => parseRedisUrl('redis-cluster://n1:7000?wait=1'), /wait= is not supported/);
    assert.throws(() => parseRedisUrl('redis://n1:7000?timeout=1'), /unknown option "timeout"/);
    assert.deepEqual(parseRedisUrl('redis-cluster://user:p%40ss@n1:7000,n2:7001'), {
      kind: 'cluster', hosts: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }], username: 'user', password: 'p@ss', tls: false, db: 0, waitReplicas: 0,
    });
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
      [{ REDIS_URL: 'http://redis:6379' }, /REDIS_URL must look like redis:\/\/host:6379/],
      [{ REDIS_URL: 'redis://a:1,b:2' }, /REDIS_URL name one host/],
      [{ REDIS_URL: 'redis-sentinel://s1:26379' }, /REDIS_URL redis-sentinel:\/\/ needs the master group name/],
    ];
    for (const [env, expected] of cases) {
      assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && expected.test(err.message));
    }
  });
});

describe('SETTINGS, the table of every variable', () => {
  it('is documented in the README, each variable by name', async () => {
    const { readFileSync } = await import('node:fs');
    const { SETTINGS } = await import('../../src/config.js');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const missing = Object.keys(SETTINGS).filter((name) => !readme.includes(`\`${name}\``));
    assert.deepEqual(missing, []);
  });

  it('gives every variable a default or says what unset means, and shows secrets only as set or unset', async () => {
    const { SETTINGS } = await import('../../src/config.js');
    for (const [name, setting] of Object.entries(SETTINGS) as [string, { default?: string; unset?: string }][]) {
      assert.ok(setting.default !== undefined || setting.unset, `${name} has a default or an unset meaning`);
    }
    const config = loadConfig({ AICC_APPS: 'a:very-secret-value', OPS_TOKEN: 'an-operator-token-123', PORT: '9001' });
    const shown = new Map(config.inForce.map((s) => [s.name, s.value]));
    assert.equal(shown.get('AICC_APPS'), 'set');
    assert.equal(shown.get('OPS_TOKEN'), 'set');
    assert.equal(shown.get('TOKEN_SECRET'), 'unset');
    assert.equal(shown.get('PORT'), '9001');
    assert.equal(shown.get('HOST'), '0.0.0.0');
    assert.ok(!JSON.stringify(config.inForce).includes('very-secret-value'));
  });
});
