// The command line as people expect one: every subcommand answers --help with its flags and exits 0 without
// listening; an unknown flag or a stray argument fails naming it; --port works; a misspelt variable is named.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { baseEnv, freePort, tempDir } from '../support/gateway.js';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

/** Runs the CLI to its end (a command that started serving instead would be killed, and the test fail on it). */
function run(args: string[], env: Record<string, string> = {}): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, ...baseEnv(tempDir()), LOG_LEVEL: 'info', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('aicc-gateway <command> --help', () => {
  for (const [command, flags] of [
    ['start', ['--port N', '--host ADDRESS', '--help']],
    ['demo', ['--port N', '--host ADDRESS', '--help']],
    ['status', ['--url URL', '--token TOKEN', '--help']],
    ['simulate', ['--gateway-url', '--push-key', '--invented-agent-events', '--help']],
  ] as const) {
    it(`${command} --help lists its flags with their meaning and exits 0 without listening`, async () => {
      const port = await freePort();
      const { status, signal, stdout, stderr } = run([command, '--help'], { PORT: String(port), SIM_PORT: String(port) });
      assert.equal(signal, null, `${command} --help did not exit: ${stdout}${stderr}`);
      assert.equal(status, 0, stderr);
      assert.equal(stderr, '');
      assert.match(stdout, new RegExp(`^usage: aicc-gateway ${command}`));
      for (const flag of flags) assert.match(stdout, new RegExp(`${flag.replace(/[-]/g, '\\-')}\\s+\\S`), `${command} --help lacks ${flag}`);
      assert.equal(await portIsFree(port), true);
    });
  }

  it('simulate --help describes each of its flags', () => {
    const { stdout } = run(['simulate', '--help']);
    const described = stdout.split('\n').filter((line) => /^ {2}--[a-z-]+\s{2,}\S/.test(line));
    assert.equal(described.length, 22); // 21 flags and --help
  });
});

describe('flags the CLI does not know', () => {
  for (const args of [['start', '--prot', '8080'], ['--verbose'], ['demo', '--port'], ['status', '--nope'], ['simulate', '--scenaro', 'normal'], ['start', 'extra']]) {
    it(`${args.join(' ')} fails with exit 2, naming what is wrong`, () => {
      const { status, stderr } = run(args);
      assert.equal(status, 2);
      const named = args.find((a) => a.startsWith('--') && a !== '--port') ?? (args.includes('--port') ? '--port' : args.at(-1)!);
      assert.ok(stderr.includes(named), `stderr does not name ${named}: ${stderr}`);
    });
  }
});

describe('aicc-gateway start', () => {
  it('listens on --port (the flag wins over PORT) and names a misspelt variable in a warning', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'start', '--port', String(port)], {
      env: { ...process.env, ...baseEnv(tempDir()), LOG_LEVEL: 'info', PORT: '0', ALLOWED_ORIGIN: 'https://shop.example' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const logs: Record<string, unknown>[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === 'gateway listening') resolve();
        });
        void exited.then(() => reject(new Error('the gateway exited before listening')));
      });
      assert.equal(logs.at(-1)!.port, port);
      assert.ok(logs.some((entry) => entry.level === 40 && entry.msg === 'ALLOWED_ORIGIN is set but is not a setting of the gateway; did you mean ALLOWED_ORIGINS?'));
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
