// The alert rules and the dashboard against the real thing: promtool checks and unit-tests the rules, every
// metric they name is exported by a running gateway, and a real Prometheus (Debian's package) scrapes a real
// gateway on loopback and answers, through its HTTP API, the refusals this test caused.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { freePort, startGateway, tempDir, type InProcessGateway } from '../support/gateway.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const RULES = join(DEPLOY, 'prometheus', 'alerts.yml');
const RULE_TESTS = join(DEPLOY, 'prometheus', 'alerts.test.yml');
const DASHBOARD = join(DEPLOY, 'grafana', 'aicc-gateway.json');

/** Metric names in a PromQL expression (ours, and Prometheus's own `up`). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(aicc_gateway_[a-z_]+|up)\b(?=\s*[{[)\s]|$)/g)].map((m) => m[1]!);
}

function rulesExpressions(): string[] {
  // The rule file's `expr:` values, single-line or folded (`>-` followed by indented lines).
  const lines = readFileSync(RULES, 'utf8').split('\n');
  const exprs: string[] = [];
  lines.forEach((line, i) => {
    const match = /^\s+expr:\s*(.*)$/.exec(line);
    if (!match) return;
    if (match[1] !== '>-') return void exprs.push(match[1]!);
    const indent = /^\s*/.exec(lines[i + 1]!)![0].length;
    const folded: string[] = [];
    for (let j = i + 1; j < lines.length && /^\s*/.exec(lines[j]!)![0].length >= indent && lines[j]!.trim(); j++) folded.push(lines[j]!.trim());
    exprs.push(folded.join(' '));
  });
  return exprs;
}

function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  return dashboard.panels.flatMap((panel) => panel.targets.map((t) => t.expr));
}

/** Families in the exposition (`# TYPE name kind`), with a histogram's _bucket, _sum and _count. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, kind] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name! + suffix);
  }
  return names;
}

describe('Prometheus rules and the Grafana dashboard', () => {
  it('pass promtool check rules', () => {
    const run = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /SUCCESS: 8 rules found/);
  });

  it('pass promtool test rules: the refused-push, store-failure and every other alert fire when they should', () => {
    const run = spawnSync('promtool', ['test', 'rules', RULE_TESTS], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /SUCCESS/);
    const tests = readFileSync(RULE_TESTS, 'utf8');
    for (const alert of ['AiccGatewayPushesRefused', 'AiccGatewayStoreWriteFailures', 'AiccGatewayNoPushes', 'AiccGatewayNotReady']) {
      assert.match(tests, new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), `${alert} is tested firing`);
    }
  });

  it('name only metrics that a gateway exports', async () => {
    const gw = await startGateway();
    try {
      const exported = exportedNames(String((await gw.request('GET', '/metrics')).body));
      const named = new Set([...rulesExpressions(), ...dashboardExpressions()].flatMap(metricNames));
      named.delete('up'); // Prometheus's own, per scrape target
      assert.ok(named.size >= 14, `the rules and the dashboard name ${named.size} metrics`);
      const missing = [...named].filter((name) => !exported.has(name));
      assert.deepEqual(missing, [], 'named in deploy/ but not in /metrics');
      // And each alert's summary says what to do.
      const summaries = readFileSync(RULES, 'utf8').split('summary:').slice(1);
      assert.equal(summaries.length, 8);
      for (const summary of summaries) assert.match(summary, /\b(Check|Open|raise|restart)\b/i);
    } finally {
      await gw.close();
    }
  });
});

describe('a real Prometheus scraping a real gateway', () => {
  let gw: InProcessGateway;
  let prometheus: ChildProcess;
  let promUrl: string;
  let dir: string;
  let promLog = '';

  before(async () => {
    gw = await startGateway();
    dir = tempDir('aicc-prometheus-');
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const target = new URL(gw.url).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${RULES}`,
        'scrape_configs:',
        '  - job_name: aicc-gateway',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (chunk) => (promLog += chunk));
    prometheus.stderr!.on('data', (chunk) => (promLog += chunk));
    await until(async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.status === 200, 'Prometheus is ready');
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await gw?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Polls until `check` holds (each poll waits for a scrape to land); fails with what was last seen. */
  async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; Prometheus said:\n${promLog.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    assert.equal(body.status, 'success');
    return body.data.result;
  }

  it('loads the alert rules', async () => {
    const res = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
    const rules = res.data.groups.flatMap((g) => g.rules);
    assert.equal(rules.length, 8);
    await until(async () => {
      const now = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as typeof res;
      return now.data.groups.flatMap((g) => g.rules).every((r) => r.health === 'ok');
    }, 'every rule has been evaluated without error');
  });

  it('answers the refusals and pushes the test caused, by reason, with the right values', async () => {
    const token = await gw.token('app1');
    for (let i = 0; i < 3; i++) {
      const refused = await gw.push(pushBody([downLinkMsg()]), { 'x-app-key': 'app1', authorization: 'Bearer not-a-token' });
      assert.equal(refused.status, 401);
    }
    const invalid = await gw.push(pushBody([downLinkMsg({ to: undefined })]), { 'x-app-key': 'app1', authorization: `Bearer ${token}` });
    assert.equal(invalid.status, 400);
    const stored = await gw.push(pushBody([downLinkMsg(), downLinkMsg()]), { 'x-app-key': 'app1', authorization: `Bearer ${token}` });
    assert.equal(stored.status, 200);

    const valueOf = async (expr: string) => (await query(expr))[0]?.value[1];
    await until(
      async () => (await valueOf('aicc_gateway_push_refusals_total{door="pushMsg",reason="UNAUTHORIZED",caller="anonymous"}')) === '3',
      'Prometheus has scraped the three refusals',
    );
    await until(async () => (await valueOf('aicc_gateway_pushes_total{door="pushMsg"}')) === '1', 'the stored push is scraped');
    assert.equal(await valueOf('aicc_gateway_push_refusals_total{door="pushMsg",reason="INVALID_PARAMETER",caller="authenticated"}'), '1');
    assert.equal(await valueOf('aicc_gateway_push_refusals_total{door="webhook",reason="UNAUTHORIZED",caller="anonymous"}'), '0');
    assert.equal(await valueOf('sum(aicc_gateway_messages_total)'), '2');
    assert.equal(await valueOf('aicc_gateway_ready'), '1');
    assert.equal(await valueOf('up{job="aicc-gateway"}'), '1');
  });
});
