import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The CloudFront Function the stack deploys and the local gateway runs (infra/web/spaRewrite.js). */
const source = readFileSync(join(import.meta.dirname, '..', '..', '..', 'infra', 'web', 'spaRewrite.js'), 'utf8');
const handler = new Function(`${source}; return handler;`)() as (e: { request: { uri: string } }) => { uri: string };
const routed = (uri: string) => handler({ request: { uri } }).uri;

describe('page routes (CloudFront Function)', () => {
  it("answers the portal's page addresses with the portal's index.html", () => {
    expect(routed('/')).toBe('/index.html');
    expect(routed('/r/R2026000123')).toBe('/index.html');
    expect(routed('/catalog')).toBe('/index.html');
  });

  it("answers the console's page addresses with the console's index.html", () => {
    expect(routed('/console')).toBe('/console/index.html');
    expect(routed('/console/')).toBe('/console/index.html');
    expect(routed('/console/finance/reconciliation')).toBe('/console/index.html');
  });

  it('leaves files (assets) as they are', () => {
    expect(routed('/assets/index-abc123.js')).toBe('/assets/index-abc123.js');
    expect(routed('/console/assets/index-abc123.css')).toBe('/console/assets/index-abc123.css');
    expect(routed('/style.css')).toBe('/style.css');
  });
});
