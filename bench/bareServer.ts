// The baseline: a bare Fastify route that reads and parses the same JSON body and answers the same success
// body as pushMsg, doing no work. Started as its own process, like the gateway, so both are measured alike.

import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
app.post('/apiaccess/ccmessaging/pushMsg', async () => ({ resultCode: '0', resultDesc: 'success' }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(JSON.stringify({ msg: 'gateway listening', port: Number(new URL(url).port) }) + '\n');
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
