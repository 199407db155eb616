// The README's and docs/'s TypeScript examples compile against the built package, as a site would use them
// (scripts/check-doc-snippets.ts), so an example cannot drift from the API it shows.

import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { checkSnippets, snippets } from '../../scripts/check-doc-snippets.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the documents\' TypeScript examples', () => {
  it('every ```ts block of the README and docs/ compiles against the package', () => {
    const { ok, count, output } = checkSnippets();
    assert.ok(count >= 4, `only ${count} examples found`);
    assert.equal(ok, true, output);
  });

  it('a wrong example fails, at its document\'s line', () => {
    // A document inside the package (so that `aicc-gateway/client` resolves to it), with the README's old mistake.
    const root = join(ROOT, `.doc-check-${process.pid}`);
    mkdirSync(join(root, 'docs'), { recursive: true });
    try {
      writeFileSync(
        join(root, 'README.md'),
        ['# x', '', '```ts', "import { createClient } from 'aicc-gateway/client';", "const client = createClient({ url: 'https://gw.example', token: 't' });", "client.on('state', (state) => showBanner(state.phase));", '```', ''].join('\n'),
      );
      assert.equal(snippets(root).length, 1);
      const { ok, output } = checkSnippets(root);
      assert.equal(ok, false);
      assert.match(output, /^README\.md:6:\d+: error TS2339: Property 'phase' does not exist/m);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
