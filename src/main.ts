// The command-line entry: `npm start` (or `node --import tsx src/main.ts`) loads the configuration, starts the
// gateway and stops it cleanly on SIGTERM/SIGINT; `main.ts demo` (`npm run demo`) runs the gateway with the AICC
// simulator (`npm run simulate` runs the simulator alone: src/simulator/main.ts).

import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { buildServer } from './server.js';

async function main(): Promise<void> {
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
  const log = createLogger(config.logLevel);
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

const command = process.argv[2] ?? 'start';
const run = command === 'demo' ? () => import('./demo.js').then(({ runDemo }) => runDemo()) : main;

run().catch((err: unknown) => {
  process.stderr.write(`aicc-gateway: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
