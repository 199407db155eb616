#!/usr/bin/env node
// The command line, `aicc-gateway [command]` (package.json `bin`; `npm start` runs it from dist/):
// start (the default) loads the configuration, starts the gateway and stops it cleanly on SIGTERM/SIGINT;
// demo, simulate and status are below; --help lists them and every configuration variable (config.ts).

import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, settingWarnings, SETTINGS, type Setting } from './config.js';
import { StartupError } from './errors.js';
import { openEngine } from './engine/open.js';
import { createLogger, logDestination } from './logger.js';

/** A command's flags: the value each takes (none: a switch) and what it means. */
type Flags = Record<string, { value?: string; help: string }>;

const HELP_FLAG = { help: { help: 'print this help and exit' } } satisfies Flags;
/** The flags that mirror a variable: the flag wins over the environment and CONFIG_FILE. */
const LISTEN_FLAGS = {
  port: { value: 'N', help: 'port to listen on, as PORT (0: any free port)' },
  host: { value: 'ADDRESS', help: 'address to listen on, as HOST' },
  ...HELP_FLAG,
} satisfies Flags;

const COMMANDS = {
  start: { help: 'run the gateway (the default), configured by the environment below', flags: LISTEN_FLAGS, run: start },
  demo: {
    help: 'the gateway on its embedded defaults with the AICC simulator as its AICC; open http://localhost:8080/',
    flags: LISTEN_FLAGS,
    run: async (values: FlagValues) => (await import('./demo.js')).runDemo(withListenFlags(process.env, values)),
  },
  simulate: {
    help: 'the AICC simulator alone (aicc-gateway simulate --help lists its flags)',
    flags: undefined, // the simulator parses its own (src/simulator/main.ts)
    run: async (_values: FlagValues, args: string[]) => (await import('./simulator/main.js')).runSimulator(args),
  },
  status: {
    help: 'a running gateway at a glance: aicc-gateway status [--url http://host:8080] [--token METRICS_TOKEN]',
    flags: undefined, // status parses its own (src/status.ts)
    run: async (_values: FlagValues, args: string[]) => (await import('./status.js')).runStatus(args),
  },
} satisfies Record<string, { help: string; flags: Flags | undefined; run: (values: FlagValues, args: string[]) => Promise<void> }>;

type Command = keyof typeof COMMANDS;

const GROUPS: Record<Setting['group'], string> = {
  gateway: 'the gateway and AICC\'s pushes',
  customers: 'customers and their streams',
  aicc: 'calling AICC for the customer\'s side',
  limits: 'limits',
  operations: 'operations',
};

/** `aicc-gateway <command> --help`: what the command does and each of its flags. */
export function commandUsage(name: string, help: string, flags: Flags): string {
  const lines = Object.entries(flags).map(([flag, { value, help: meaning }]) => `  ${`--${flag}${value ? ` ${value}` : ''}`.padEnd(16)} ${meaning}`);
  return [`usage: aicc-gateway ${name} [flags]`, '', `${name}: ${help}`, '', 'flags:', ...lines, '', 'The configuration variables: aicc-gateway --help.'].join('\n');
}

export function usage(): string {
  const commands = Object.entries(COMMANDS).map(([name, { help }]) => `  ${name.padEnd(10)} ${help}`);
  const settings = (Object.keys(GROUPS) as Setting['group'][]).flatMap((group) => [
    '',
    `  ${GROUPS[group]}:`,
    ...(Object.entries(SETTINGS) as [string, Setting][])
      .filter(([, setting]) => setting.group === group)
      .map(([name, setting]) => {
        const fallback = setting.default !== undefined ? `default ${setting.default || '""'}` : `unset: ${setting.unset}`;
        return `    ${name.padEnd(29)} ${setting.help} (${fallback})`;
      }),
  ]);
  return [
    'usage: aicc-gateway [command] [arguments]',
    '',
    'commands:',
    ...commands,
    '',
    'configuration: environment variables (or a JSON file of the same keys named by CONFIG_FILE; the environment wins)',
    ...settings,
    '',
    'Documentation: README.md and docs/ in the package.',
  ].join('\n');
}

type FlagValues = Record<string, string | boolean | undefined>;

/**
 * The flags of a command, checked: an unknown flag, a missing value or a stray argument stops the command with
 * a message naming it (exit 2), before anything listens. `--help` prints the command's usage and exits 0.
 */
export function parseFlags(name: string, help: string, flags: Flags, args: string[]): FlagValues {
  const fail = (message: string): never => {
    process.stderr.write(`aicc-gateway ${name}: ${message}; aicc-gateway ${name} --help lists its flags\n`);
    process.exit(2);
  };
  for (const arg of args) {
    if (arg === '--') break;
    const flag = /^--?([^=]*)/.exec(arg)?.[1];
    if (flag !== undefined && !(flag in flags)) fail(`unknown flag ${arg.split('=')[0]}`);
  }
  let values: FlagValues = {};
  try {
    values = parseArgs({
      args,
      options: Object.fromEntries(Object.entries(flags).map(([flag, { value }]) => [flag, { type: value ? ('string' as const) : ('boolean' as const) }])),
      allowPositionals: false,
      strict: true,
    }).values;
  } catch (err) {
    fail((err as Error).message.split('. ')[0]!);
  }
  if (values.help) {
    process.stdout.write(`${commandUsage(name, help, flags)}\n`);
    process.exit(0);
  }
  return values;
}

/** The environment with `--port` and `--host` on top (a flag wins, as its documentation says). */
function withListenFlags(env: NodeJS.ProcessEnv, values: FlagValues): Record<string, string | undefined> {
  const overlay: Record<string, string | undefined> = { ...env };
  if (typeof values.port === 'string') overlay.PORT = values.port;
  if (typeof values.host === 'string') overlay.HOST = values.host;
  return overlay;
}

async function start(values: FlagValues): Promise<void> {
  const env = withListenFlags(process.env, values);
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`aicc-gateway: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, logDestination(config));
  for (const warning of settingWarnings(env)) log.warn(warning);
  // A rejection nobody handled is a bug, and what it left half done is unknown: the process exits, as Node's
  // default would, but says so in its own log first (a supervisor restarts it; what was stored is durable).
  process.once('unhandledRejection', (reason) => {
    log.fatal({ err: reason }, 'unhandled rejection (a bug): exiting');
    process.exit(1);
  });
  // The store first: its writer thread starts (a second isolate, the SQLite file opened and its schema checked)
  // on the other core while this one loads the server's modules (server.js, loaded only now, for that reason).
  const opening = openEngine(config, log.child({ part: 'store' }));
  opening.catch(() => {}); // Not unhandled while the modules load: buildServer awaits it and reports its failure.
  const { buildServer } = await import('./server.js');
  const gateway = await buildServer(config, log, { opening });
  const url = await gateway.app.listen({ host: config.host, port: config.port, backlog: config.listenBacklog });
  const address = gateway.app.server.address();
  log.info(
    { url, port: typeof address === 'object' && address ? address.port : config.port, dataDir: config.dataDir },
    'gateway listening',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: no new requests; finishing the ones under way');
    try {
      await gateway.close();
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'stopping failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${usage()}\n`);
    return Promise.resolve();
  }
  // No command: start, with whatever flags were given.
  const [name, args] = first === undefined || first.startsWith('-') ? ['start', argv] : [first, rest];
  if (!(name in COMMANDS)) {
    process.stderr.write(`aicc-gateway: no command "${name}"; aicc-gateway --help lists them\n`);
    process.exit(2);
  }
  const command = COMMANDS[name as Command];
  const values = command.flags ? parseFlags(name, command.help, command.flags, args) : {};
  return command.run(values, args);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof StartupError) {
    process.stderr.write(`aicc-gateway: cannot start: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`aicc-gateway: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
