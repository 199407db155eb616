// The sizes the README quotes are the ones the build measured (dist/build-sizes.json, written by `npm run build`),
// not figures remembered from an older build: a change that grows a bundle updates the README with it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BUILD_SIZES, kib, type BuildSizes } from '../../tools/buildSizes.js';

const ROOT = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', ROOT), 'utf8').replace(/\s+/g, ' ');
const built = JSON.parse(readFileSync(new URL(`dist/${BUILD_SIZES}`, ROOT), 'utf8')) as BuildSizes;

describe('the README quotes the build', () => {
  it('the SDK bundle, where the README names it', () => {
    const sdk = kib(built['aicc-gateway-client.js'].bytes);
    assert.ok(readme.includes(`one ${sdk} ESM file`), `the README's first screen should say the SDK is one ${sdk} ESM file`);
    assert.ok(readme.includes(`\`dist/client/aicc-gateway-client.js\` (${sdk}, written by`), `the SDK section should say ${sdk}`);
  });

  it('the widget bundle and its stylesheet', () => {
    const js = built['widget.js'];
    const css = built['widget.css'];
    const expected = `Bundle: \`widget.js\` ${kib(js.bytes)} (${kib(js.gzipBytes)} gzipped, SDK included) + \`widget.css\` ${kib(css.bytes)} (${kib(css.gzipBytes)} gzipped)`;
    assert.ok(readme.includes(expected), `the widget section should say: ${expected}`);
  });

  it('no other size in KiB that the build does not give', () => {
    const figures = new Set([built['aicc-gateway-client.js'].bytes, built['widget.js'].bytes, built['widget.js'].gzipBytes, built['widget.css'].bytes, built['widget.css'].gzipBytes].map(kib));
    const quoted = [...readme.matchAll(/\b\d+(?:\.\d+)? KiB\b/g)].map(([figure]) => figure);
    assert.ok(quoted.length >= 6);
    assert.deepEqual(quoted.filter((figure) => !figures.has(figure)), []);
  });
});
