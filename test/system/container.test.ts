// The image and compose.yaml as an operator runs them, built and run here with Debian's podman. No registry is
// reachable, so the base images the Dockerfile and compose.yaml name are first made locally (support/containers.ts)
// and the Dockerfile builds unchanged. Then the image runs on a volume: a push in, the customer reads it, SIGTERM
// drains it, a new container on the same volume still has it. Then compose.yaml's two-node profile: a push
// through nginx reaches a customer connected through nginx, the customer's node stops, the customer resumes on
// the other. A machine that cannot run containers fails here: `npm test` installs podman, runc and mmdebstrap.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { ComposeProject } from '../support/compose.js';
import { assertContainersRun, buildImage, ensureStandIns, podman, podmanOk, removeContainersConf } from '../support/containers.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { APPS, Client, CUSTOMER_TOKEN_SECRET, customerToken, freePort, tempDir } from '../support/gateway.js';
import { connectWs, waitFor, wsUrl, type Frame } from '../support/streams.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const IMAGE = 'localhost/aicc-gateway:latest';
const RUN = `aicc-test-${process.pid}`;
const STAND_INS = ['docker.io/library/node:20-bookworm', 'docker.io/library/node:20-bookworm-slim', 'docker.io/library/redis:7', 'docker.io/library/nginx:stable'];

const report = (line: string) => console.log(`# ${line}`);

/** Answers /readyz 200: polled, since the gateway in a container says nothing to us before it listens. */
async function untilReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${url}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url}/readyz not 200 within ${timeoutMs / 1000} s (last ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function pushTo(client: Client, to: string, content: string, token?: string) {
  const headers = { 'x-app-key': 'app1', authorization: `Bearer ${token ?? (await client.token('app1'))}` };
  const res = await client.push(pushBody([downLinkMsg({ to, content })]), headers);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.resultCode, '0');
}

before(async () => {
  await assertContainersRun();
  const started = Date.now();
  await ensureStandIns(STAND_INS, report);
  const revision = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  await buildImage(ROOT, IMAGE, { REVISION: revision });
  report(`stand-ins and image ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}, { timeout: 40 * 60_000 });

after(() => removeContainersConf());

describe('the image', () => {
  const container = `${RUN}-gateway`;
  const volume = `${RUN}-data`;
  const customer = `container-customer-${process.pid}`;
  let url = '';
  let port = 0;

  const runGateway = async () => {
    await podmanOk([
      'create', '--name', container, '--publish', `127.0.0.1:${port}:8080`, '--volume', `${volume}:/data`,
      '--env', `AICC_APPS=${Object.entries(APPS).map(([k, v]) => `${k}:${v}`).join(',')}`,
      '--env', `CUSTOMER_TOKEN_SECRET=${CUSTOMER_TOKEN_SECRET}`,
      IMAGE,
    ]);
    const started = Date.now();
    await podmanOk(['start', container]);
    await untilReady(url);
    return Date.now() - started;
  };

  before(async () => {
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await podmanOk(['volume', 'create', volume]);
  });

  after(async () => {
    await podman(['rm', '--force', '--time', '5', container]);
    await podman(['volume', 'rm', '--force', volume]);
  });

  it('is labelled, runs as `node`, declares /data, port 8080 and a health check on /readyz, under tini', async () => {
    const [inspected] = JSON.parse(await podmanOk(['image', 'inspect', IMAGE])) as any[];
    const config = inspected.Config;
    assert.equal(config.User, 'node');
    assert.equal(config.Labels['org.opencontainers.image.version'], VERSION, "the Dockerfile's VERSION is package.json's");
    assert.match(config.Labels['org.opencontainers.image.revision'], /^[0-9a-f]{40}$/);
    assert.ok('/data' in config.Volumes);
    assert.ok('8080/tcp' in config.ExposedPorts);
    assert.deepEqual(config.Entrypoint.slice(0, 2), ['/usr/bin/tini', '--']);
    assert.match(JSON.stringify(inspected.Healthcheck ?? config.Healthcheck), /\/readyz/, 'HEALTHCHECK kept (Docker format)');
    const [base] = JSON.parse(await podmanOk(['image', 'inspect', 'docker.io/library/node:20-bookworm-slim'])) as any[];
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
    report(`image ${mb(inspected.Size)}: the stand-in node:20-bookworm-slim ${mb(base.Size)} + the gateway's layers ${mb(inspected.Size - base.Size)}`);
  });

  it('starts on a volume and is ready, as a non-root user that cannot write its own code; its health check passes', async () => {
    const ms = await runGateway();
    report(`container start to /readyz 200: ${ms} ms`);
    const top = await podmanOk(['top', container, 'user', 'args']);
    const processes = top.split('\n').slice(1).filter(Boolean);
    assert.ok(processes.length >= 2, top);
    for (const line of processes) assert.match(line, /^node\s/, `every process runs as node: ${line}`);
    assert.equal(await podmanOk(['exec', container, 'id', '-u']), '1000');
    assert.notEqual((await podman(['exec', container, 'touch', '/app/dist/main.js'])).status, 0, '/app is read-only to the gateway');
    const health = await podman(['healthcheck', 'run', container]);
    assert.equal(health.status, 0, health.stdout + health.stderr);
  });

  it('takes a push (tokenByAkSk, pushMsg) and delivers it to the customer', async () => {
    await pushTo(new Client(url), customer, 'kept on the volume');
    const ws = await connectWs(url, await customerToken(customer), 0);
    await waitFor(() => ws.messages().length === 1, 'the pushed message');
    assert.equal(ws.messages()[0]!.message.content, 'kept on the volume');
    ws.close();
  });

  it('drains on SIGTERM: streams closed with 1001, exit code 0 within the grace period', async () => {
    const ws = await connectWs(url, await customerToken(customer), 1);
    await waitFor(() => ws.frames.some((f) => f.type === 'hello'), 'the hello');
    const started = Date.now();
    await podmanOk(['stop', '--time', '10', container]); // Docker's default grace period
    report(`SIGTERM to exit: ${Date.now() - started} ms`);
    assert.equal((await ws.closed).code, 1001);
    assert.equal(await podmanOk(['inspect', '--format', '{{.State.ExitCode}}', container]), '0', 'not killed after the grace period (137)');
    const logs = (await podman(['logs', container])).stdout;
    assert.match(logs, /"signal":"SIGTERM".*stopping: no new requests/, 'tini passed SIGTERM on to the gateway');
    assert.match(logs, /"msg":"stopped"/);
  });

  it('a new container on the same volume still has the message', async () => {
    await podmanOk(['rm', container]);
    await runGateway();
    const ws = await connectWs(url, await customerToken(customer), 0);
    await waitFor(() => ws.messages().length === 1, 'the stored message');
    assert.deepEqual(ws.messages().map((f) => [f.seq, f.message.content]), [[1, 'kept on the volume']]);
    ws.close();
  });
});

/** A customer's browser behind the load balancer: on any close it reconnects there and resumes after its last seq. */
function follow(baseUrl: string, token: string) {
  const state = { frames: [] as Frame[], closes: [] as number[], hellos: 0, lastSeq: 0, stopped: false, socket: undefined as WebSocket | undefined };
  const open = () => {
    const socket = new WebSocket(wsUrl(baseUrl, token, state.lastSeq));
    state.socket = socket;
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      state.frames.push(frame);
      if (frame.type === 'hello') state.hellos++;
      if (frame.type === 'message') state.lastSeq = Math.max(state.lastSeq, frame.seq!);
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => {
      state.closes.push(code);
      if (!state.stopped) setTimeout(open, 100);
    });
  };
  open();
  return Object.assign(state, {
    seqs: () => state.frames.filter((f) => f.type === 'message').map((f) => f.seq),
    stop: () => {
      state.stopped = true;
      state.socket?.terminate();
    },
  });
}

describe('compose.yaml', () => {
  const workDir = tempDir('aicc-compose-');
  const envFile = join(workDir, '.env');
  let port = 0;
  let single: ComposeProject;
  let cluster: ComposeProject;

  before(async () => {
    port = await freePort();
    // The .env the README shows how to write.
    writeFileSync(envFile, [
      `AICC_APPS=${Object.entries(APPS).map(([k, v]) => `${k}:${v}`).join(',')}`,
      `TOKEN_SECRET=${randomBytes(32).toString('hex')}`,
      `CUSTOMER_TOKEN_SECRET=${CUSTOMER_TOKEN_SECRET}`,
      `REDIS_PASSWORD=${randomBytes(24).toString('hex')}`,
      `GATEWAY_PORT=${port}`,
      '',
    ].join('\n'));
    single = new ComposeProject(join(ROOT, 'compose.yaml'), `${RUN}-single`, envFile);
    cluster = new ComposeProject(join(ROOT, 'compose.yaml'), `${RUN}-cluster`, envFile);
  });

  after(async () => {
    await single?.down();
    await cluster?.down();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('`docker compose up`: one gateway on SQLite, on a volume', async () => {
    assert.deepEqual(await single.up([]), ['gateway']);
    const url = `http://127.0.0.1:${port}`;
    await untilReady(url);
    await pushTo(new Client(url), `compose-single-${process.pid}`, 'one node');
    await single.down();
  });

  it('the cluster profile: a push through nginx reaches the customer through nginx, and survives a node stopping', async () => {
    const order = await cluster.up(['cluster'], ['nginx']);
    assert.deepEqual(order, ['redis', 'gateway-1', 'gateway-2', 'nginx'], 'nginx brings the two nodes and Redis, not the single gateway');
    const url = `http://127.0.0.1:${port}`;
    await untilReady(url);

    const customer = `compose-customer-${process.pid}`;
    const browser = follow(url, await customerToken(customer));
    try {
      await waitFor(() => browser.hellos === 1, 'the customer connected through nginx');
      const client = new Client(url);
      const accessToken = await client.token('app1');
      await pushTo(client, customer, 'before the stop', accessToken);
      await waitFor(() => browser.seqs().length === 1, 'the first message through nginx');

      // The node holding the customer's stream, read from each node's own metrics.
      const holding = async (node: string) => {
        const script = "fetch('http://127.0.0.1:8080/metrics').then((r) => r.text()).then((t) => console.log(t))";
        const metrics = await podmanOk(['exec', cluster.container(node), 'node', '-e', script]);
        return Number(/^aicc_gateway_connected_clients\{transport="websocket"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
      };
      const holder = (await holding('gateway-1')) === 1 ? 'gateway-1' : 'gateway-2';
      const other = holder === 'gateway-1' ? 'gateway-2' : 'gateway-1';
      assert.equal(await holding(holder), 1);

      const stoppedAt = Date.now();
      assert.equal(await cluster.stop(holder), 0, `${holder} drained and exited 0`);
      await waitFor(() => browser.hellos === 2, 'the customer resumed through nginx', 30_000);
      report(`compose cluster: the customer resumed through nginx ${Date.now() - stoppedAt} ms after ${holder} was told to stop`);
      assert.equal(browser.closes[0], 1001, 'the stopping node said it was going away');
      assert.equal(await holding(other), 1, `the customer is on ${other} now`);

      // nginx goes round the two nodes, so of these pushes some go to the stopped node first: each must be retried
      // on the other and answered "0". The AccessToken the stopped node issued works there: TOKEN_SECRET is shared.
      const after = ['after the stop 1', 'after the stop 2', 'after the stop 3'];
      for (const content of after) await pushTo(client, customer, content, accessToken);
      await waitFor(() => browser.seqs().length === 4, 'the pushes after the stop, from the other node');
      assert.deepEqual(browser.seqs(), [1, 2, 3, 4]);
      assert.deepEqual(browser.frames.filter((f) => f.type === 'message').map((f) => f.message.content), ['before the stop', ...after]);
    } finally {
      browser.stop();
    }

    await cluster.down();
    const left = await podmanOk(['ps', '--all', '--filter', `label=com.docker.compose.project=${cluster.name}`, '--format', '{{.Names}}']);
    assert.equal(left, '', 'down removed every container');
  });
});
