#!/usr/bin/env node
// The command line, `aicc-gateway [command]` (package.json `bin`; `npm start` runs it from dist/):
// start (the default) loads the configuration, starts the gateway and stops it cleanly on SIGTERM/SIGINT;
// demo, simulate and status are below; --help lists them and every configuration variable (config.ts).

import { ConfigError, loadConfig, SETTINGS, type Setting } from './config.js';
import { createLogger, logDestination } from './logger.js';
import { buildServer } from './server.js';

const COMMANDS = {
  start: { help: 'run the gateway (the default), configured by the environment below', run: start },
  demo: {
    help: 'the gateway on its embedded defaults with the AICC simulator as its AICC; open http://localhost:8080/',
    run: async () => (await import('./demo.js')).runDemo(),
  },
  simulate: {
    help: 'the AICC simulator alone (aicc-gateway simulate --help lists its flags)',
    run: async (args: string[]) => (await import('./simulator/main.js')).runSimulator(args),
  },
  status: {
    help: 'a running gateway at a glance: aicc-gateway status [--url http://host:8080] [--token METRICS_TOKEN]',
    run: async (args: string[]) => (await import('./status.js')).runStatus(args),
  },
} satisfies Record<string, { help: string; run: (args: string[]) => Promise<void> }>;

type Command = keyof typeof COMMANDS;

const GROUPS: Record<Setting['group'], string> = {
  gateway: 'the gateway and AICC\'s pushes',
  customers: 'customers and their streams',
  aicc: 'calling AICC for the customer\'s side',
  limits: 'limits',
  operations: 'operations',
};

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

async function start(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`aicc-gateway: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, logDestination(config));
  // A rejection nobody handled is a bug, and what it left half done is unknown: the process exits, as Node's
  // default would, but says so in its own log first (a supervisor restarts it; what was stored is durable).
  process.once('unhandledRejection', (reason) => {
    log.fatal({ err: reason }, 'unhandled rejection (a bug): exiting');
    process.exit(1);
  });
  const gateway = await buildServer(config, log);
  const url = await gateway.app.listen({ host: config.host, port: config.port });
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
  if (first === undefined || first.startsWith('-')) return start();
  if (!(first in COMMANDS)) {
    process.stderr.write(`aicc-gateway: no command "${first}"; aicc-gateway --help lists them\n`);
    process.exit(2);
  }
  return COMMANDS[first as Command].run(rest);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`aicc-gateway: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
