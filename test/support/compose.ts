// compose.yaml's services run with podman directly, the way `docker compose` runs them: Debian bookworm's
// podman-compose (1.0.3) predates profiles (containers/podman-compose#592), so it would start the two-node
// profile together with the default gateway. Only the keys compose.yaml uses are understood; any other key is an
// error, so the file cannot grow something this driver would silently leave out.

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { buildImage, podman, podmanOk, waitHealthy } from './containers.js';

type Dependency = { condition?: 'service_started' | 'service_healthy'; restart?: boolean };

interface Service {
  image: string;
  build?: string;
  profiles?: string[];
  restart?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, Dependency> | string[];
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string };
}

const SERVICE_KEYS = new Set(['image', 'build', 'profiles', 'restart', 'command', 'environment', 'ports', 'volumes', 'depends_on', 'healthcheck']);

/** Compose's variable substitution: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$. */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$(\$|\{([A-Za-z_]\w*)(?:(:?)([-?])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_]\w*))/g, (_, all, braced, colon, op, arg, bare) => {
    if (all === '$') return '$';
    const name = (braced ?? bare) as string;
    const value = vars[name];
    const missing = value === undefined || (colon === ':' && value === '');
    if (!op) return value ?? '';
    if (op === '-') return missing ? interpolate(arg, vars) : value!;
    if (missing) throw new Error(`compose: required variable ${name} is missing: ${arg}`);
    return value!;
  });
}

/** KEY=value lines, as compose reads an --env-file (comments and blank lines skipped, no quoting rules needed here). */
export function readEnvFile(path: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*([A-Za-z_]\w*)=(.*)$/.exec(line);
    if (match && !line.trimStart().startsWith('#')) vars[match[1]!] = match[2]!.trim();
  }
  return vars;
}

function substitute(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, vars);
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  return value;
}

export class ComposeProject {
  readonly services: Record<string, Service>;
  readonly volumes: string[];
  private readonly dir: string;

  /** `docker compose --file <file> --project-name <name> --env-file <envFile>`. */
  constructor(file: string, readonly name: string, envFile: string) {
    this.dir = dirname(file);
    const raw = parse(readFileSync(file, 'utf8'), { merge: true }) as Record<string, unknown>;
    for (const key of Object.keys(raw)) {
      if (!key.startsWith('x-') && key !== 'services' && key !== 'volumes') throw new Error(`compose driver: top-level \`${key}\` is not understood`);
    }
    const model = substitute(raw, readEnvFile(envFile)) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
    for (const [name, service] of Object.entries(model.services)) {
      for (const key of Object.keys(service)) if (!SERVICE_KEYS.has(key)) throw new Error(`compose driver: services.${name}.${key} is not understood`);
    }
    this.services = model.services;
    this.volumes = Object.keys(model.volumes ?? {});
  }

  container(service: string): string {
    return `${this.name}-${service}-1`;
  }

  private dependencies(service: string): [string, Dependency][] {
    const deps = this.services[service]!.depends_on ?? {};
    return Array.isArray(deps) ? deps.map((d) => [d, {}]) : Object.entries(deps);
  }

  /** The services `up` starts, each after what it depends on: the targets and their dependencies, or every enabled one. */
  selected(profiles: string[], targets: string[] = []): string[] {
    const enabled = (s: string) => !this.services[s]!.profiles || this.services[s]!.profiles!.some((p) => profiles.includes(p));
    const roots = targets.length ? targets : Object.keys(this.services).filter(enabled);
    const order: string[] = [];
    const visit = (s: string) => {
      if (!this.services[s]) throw new Error(`compose: no service ${s}`);
      if (order.includes(s)) return;
      for (const [dep] of this.dependencies(s)) visit(dep);
      order.push(s);
    };
    roots.forEach(visit);
    return order;
  }

  /** `docker compose [--profile p]... up -d --build [targets]`, waiting for each dependency's condition. */
  async up(profiles: string[], targets: string[] = []): Promise<string[]> {
    const order = this.selected(profiles, targets);
    const label = `com.docker.compose.project=${this.name}`;
    await podmanOk(['network', 'create', '--label', label, `${this.name}_default`]);
    for (const volume of this.volumes) await podmanOk(['volume', 'create', '--label', label, `${this.name}_${volume}`]);
    const built = new Set<string>();
    for (const s of order) {
      const { image, build } = this.services[s]!;
      if (build && !built.has(image)) await buildImage(resolve(this.dir, build), image);
      built.add(image);
    }
    for (const s of order) {
      for (const [dep, { condition }] of this.dependencies(s)) if (condition === 'service_healthy') await waitHealthy(this.container(dep));
      await podmanOk(['run', '--detach', ...this.runArgs(s, label)]);
    }
    return order;
  }

  private runArgs(s: string, label: string): string[] {
    const service = this.services[s]!;
    const args = ['--name', this.container(s), '--network', `${this.name}_default`, '--network-alias', s, '--label', label, '--label', `com.docker.compose.service=${s}`];
    if (service.restart) args.push('--restart', service.restart);
    for (const [k, v] of Object.entries(service.environment ?? {})) args.push('--env', `${k}=${v ?? ''}`);
    for (const port of service.ports ?? []) args.push('--publish', port);
    for (const volume of service.volumes ?? []) {
      const [source, ...rest] = volume.split(':');
      const bind = source!.startsWith('.') || isAbsolute(source!);
      args.push('--volume', [bind ? resolve(this.dir, source!) : `${this.name}_${source}`, ...rest].join(':'));
    }
    const health = service.healthcheck;
    if (health) {
      const [kind, ...command] = health.test;
      args.push('--health-cmd', kind === 'CMD-SHELL' ? command.join(' ') : JSON.stringify(command));
      if (health.interval) args.push('--health-interval', health.interval);
      if (health.timeout) args.push('--health-timeout', health.timeout);
      if (health.retries !== undefined) args.push('--health-retries', String(health.retries));
      if (health.start_period) args.push('--health-start-period', health.start_period);
    }
    return [...args, service.image, ...(service.command ?? [])];
  }

  /** `docker compose stop <service>`: SIGTERM (or the image's stop signal), SIGKILL after the grace period. */
  async stop(service: string, graceSeconds = 10): Promise<number> {
    await podmanOk(['stop', '--time', String(graceSeconds), this.container(service)]);
    return Number(await podmanOk(['inspect', '--format', '{{.State.ExitCode}}', this.container(service)]));
  }

  async logs(service: string): Promise<string> {
    const result = await podman(['logs', this.container(service)]);
    return result.stdout + result.stderr;
  }

  /** `docker compose down --volumes`: the project's containers, network and volumes, by name. */
  async down(): Promise<void> {
    const listed = await podman(['ps', '--all', '--filter', `label=com.docker.compose.project=${this.name}`, '--format', '{{.Names}}']);
    const containers = listed.stdout.split('\n').filter(Boolean);
    if (containers.length) await podmanOk(['rm', '--force', '--volumes', '--time', '10', ...containers]);
    await podman(['network', 'rm', `${this.name}_default`]);
    for (const volume of this.volumes) await podman(['volume', 'rm', '--force', `${this.name}_${volume}`]);
  }
}
