// What GET / answers: the demo shop only under `aicc-gateway demo`; the production gateway (`aicc-gateway start`,
// `npm start`) answers a plain page naming the product and its documentation, with no widget to chat on.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { baseEnv, spawnGateway, startGateway, tempDir, type ChildGateway, type InProcessGateway } from '../support/gateway.js';

let production: ChildGateway;
let demo: InProcessGateway;

before(async () => {
  production = await spawnGateway(baseEnv(tempDir()));
  demo = await startGateway(); // the tests' gateway is built as the demo command builds it
});

after(async () => {
  production?.child.kill('SIGTERM');
  await production?.exited;
  await demo?.close();
});

describe('GET /', () => {
  it('in production names the product and its documentation, and offers nothing to chat on', async () => {
    const home = await fetch(`${production.url}/`);
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(home.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await home.text();
    assert.match(html, /aicc-gateway/);
    assert.match(html, /href="\/docs"/);
    assert.doesNotMatch(html, /widget\.js|Northwind/);
    // The demo's stylesheet is not there either; the widget itself still is, for the sites that embed it.
    assert.equal((await fetch(`${production.url}/demo.css`)).status, 404);
    assert.equal((await fetch(`${production.url}/widget.js`)).status, 200);
  });

  it('in the demo is the Northwind Outfitters shop with the widget', async () => {
    const html = await (await fetch(`${demo.url}/`)).text();
    assert.match(html, /Northwind <b>Outfitters<\/b>/);
    assert.match(html, /widget\.js/);
  });
});
