// `npm run demo`: the whole conversation on one machine. The AICC simulator plays AICC (it pushes to the
// gateway through pushMsg, and answers the gateway's calls); the gateway runs on its embedded defaults with
// the simulator as its AICC; the widget page is served by the gateway at `/`. Prints the URL to open.

import { loadConfig, settingWarnings, type Config } from './config.js';
import { createLogger, logDestination } from './logger.js';
import { buildServer } from './server.js';
import { createSimulator } from './simulator/index.js';

const DEMO_APP = { key: 'demo-aicc-push', secret: 'demo-aicc-push-secret' };
const DEMO_AICC = { appKey: 'demo-gateway', appSecret: 'demo-gateway-secret', channelId: '202105284494222653' };

export async function runDemo(env: Record<string, string | undefined> = process.env): Promise<void> {
  const base = loadConfig(env);
  const log = createLogger(base.logLevel, logDestination(base));
  for (const warning of settingWarnings(env)) log.warn(warning);
  const port = base.port;
  const publicHost = base.host === '0.0.0.0' ? 'localhost' : base.host;
  const gatewayUrl = `http://127.0.0.1:${port}`;

  const simulator = await createSimulator({
    appKey: DEMO_AICC.appKey,
    appSecret: DEMO_AICC.appSecret,
    channelId: DEMO_AICC.channelId,
    push: 'pushMsg',
    gatewayUrl,
    gatewayAppKey: DEMO_APP.key,
    gatewayAppSecret: DEMO_APP.secret,
    stepMs: Number(env.DEMO_STEP_MS ?? 1500),
  });
  const config: Config = {
    ...base,
    apps: new Map([...base.apps, [DEMO_APP.key, DEMO_APP.secret]]),
    aicc: base.aicc ?? {
      baseUrl: simulator.url,
      appKey: DEMO_AICC.appKey,
      appSecret: DEMO_AICC.appSecret,
      channelId: DEMO_AICC.channelId,
      locale: 'en',
      timeoutMs: 10_000,
      sendAsync: true,
      downlink: 'push',
      queuePollMs: 1500,
      pollIdleMs: 600_000,
      pollMaxConcurrent: 256,
    },
  };
  const gateway = await buildServer(config, log, { demoPage: true });
  await gateway.app.listen({ host: base.host, port });
  process.stdout.write(
    `\n  aicc-gateway demo is running.\n\n  Open http://${publicHost}:${port}/ and write to the chat;\n` +
      `  ask for "a human" to be queued and meet an agent.\n\n  AICC simulator: ${simulator.url}\n  Stop: Ctrl+C\n\n`,
  );

  const stop = async () => {
    await gateway.close();
    await simulator.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
