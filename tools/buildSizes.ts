// dist/build-sizes.json: the bundles' sizes in bytes as `npm run build` measured them (tools/build.ts writes it),
// so that the figures the README quotes come from the build, not from memory (test/system/readmeFigures.test.ts).

export const BUILD_SIZES = 'build-sizes.json';

export type BuildSizes = Record<'widget.js' | 'widget.css', { bytes: number; gzipBytes: number }> & { 'aicc-gateway-client.js': { bytes: number } };

/** A size as the build prints it and the README quotes it: KiB with one decimal. */
export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
