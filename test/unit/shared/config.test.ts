import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../functions/shared/adapters/systemClock';
import { parseConfig, perConfiguration, reloadConfig } from '../../../functions/shared/config';

describe('configuration', () => {
  it('has the documented defaults when nothing is set', () => {
    const c = parseConfig({});
    expect(c.limits).toEqual({ noticeLookup: 30, receiptLookup: 60, onlinePayment: 30, paymentOrder: 30 });
    expect(c.paymentOrders).toEqual({ ttlSeconds: 900, queryAfterSeconds: 10 });
    expect(c.businessTimeZone).toBe('Asia/Shanghai');
    expect(c.logLevel).toBe('info');
    expect(c.openData).toEqual({
      minCell: 5,
      rate: { requests: 50, seconds: 10 },
      usagePlanId: undefined,
      // Unset: links from each request, files in the local stack's directory, no publisher to start.
      publicBaseUrl: undefined,
      bucket: undefined,
      filesDir: `${process.cwd()}/.data/open-data`,
      publisherFunction: undefined,
      keyKmsKeyId: undefined,
    });
    expect(c.lambdaEndpoint).toBeUndefined();
    expect(c.receiptIssuer).toBe('财政局 行政服务中心统一收费窗口');
    expect(c.tables.Notices).toBe('Notices');
  });

  it('reads each variable', () => {
    const c = parseConfig({
      NOTICE_LOOKUP_LIMIT: '3',
      RECEIPT_LOOKUP_LIMIT: '4',
      ONLINE_PAYMENT_LIMIT: '5',
      PAYMENT_ORDER_LIMIT: '6',
      OPEN_DATA_RATE_LIMIT: '7/2',
      BUSINESS_TZ: 'Asia/Urumqi',
      TABLE_NOTICES: 'prod-Notices-1A2B',
      AUTH_JWKS_URL: 'https://idp.example/jwks.json',
    });
    expect(c.limits).toEqual({ noticeLookup: 3, receiptLookup: 4, onlinePayment: 5, paymentOrder: 6 });
    expect(c.openData.rate).toEqual({ requests: 7, seconds: 2 });
    expect(c.businessTimeZone).toBe('Asia/Urumqi');
    expect(c.tables.Notices).toBe('prod-Notices-1A2B');
    expect(c.auth.jwksUrl).toBe('https://idp.example/jwks.json');
  });

  it('reads the open-data public base URL without its trailing slash', () => {
    expect(
      parseConfig({ OPEN_DATA_PUBLIC_BASE_URL: 'https://d111111abcdef8.cloudfront.net/' }).openData.publicBaseUrl,
    ).toBe('https://d111111abcdef8.cloudfront.net');
    expect(parseConfig({ OPEN_DATA_PUBLIC_BASE_URL: 'https://data.example.gov.cn/open' }).openData.publicBaseUrl).toBe(
      'https://data.example.gov.cn/open',
    );
  });

  it('seals cursors with CURSOR_SECRET, else with a random key of this process (the same at every reading)', () => {
    const secret = 'a cursor secret of thirty-two characters or more';
    expect(parseConfig({ CURSOR_SECRET: secret }).cursorSecret).toBe(secret);
    const local = parseConfig({}).cursorSecret;
    expect(local.length).toBeGreaterThanOrEqual(32);
    expect(parseConfig({}).cursorSecret).toBe(local);
  });

  it.each([
    ['NOTICE_LOOKUP_LIMIT', '3O'],
    ['NOTICE_LOOKUP_LIMIT', ''],
    ['RECEIPT_LOOKUP_LIMIT', '-1'],
    ['ONLINE_PAYMENT_LIMIT', '1.5'],
    ['OPEN_DATA_MIN_CELL', 'many'],
    ['OPEN_DATA_RATE_LIMIT', '50 per 10'],
    ['BUSINESS_TZ', 'Beijing'],
    ['LOG_LEVEL', 'verbose'],
    ['CLOCK', 'yesterday'],
    ['DYNAMODB_ENDPOINT', 'localhost'],
    ['AUTH_JWKS_URL', 'not a url'],
    ['OPEN_DATA_PUBLIC_BASE_URL', 'd111111abcdef8.cloudfront.net'],
    ['OPEN_DATA_PUBLIC_BASE_URL', 'https://data.example.gov.cn/?x=1'],
    ['LAMBDA_ENDPOINT', 'not a url'],
    ['CURSOR_SECRET', 'too short to seal anything'],
  ])('refuses %s=%j, naming the variable (a typo must not switch a limit off)', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(`^Bad configuration: .*${name}: `));
  });
});

describe('system clock', () => {
  it('reads business dates in the configured zone', () => {
    const clock = systemClock({ startAt: '2026-03-01T16:30:00Z', timeZone: 'Asia/Shanghai' });
    expect(clock.today()).toBe('2026-03-02');
    expect(clock.dateOf(new Date('2026-03-01T15:59:59Z'))).toBe('2026-03-01');
  });

  it('refuses a zone of the right shape that the runtime does not know, at its first date, naming the variable', () => {
    const clock = systemClock({ timeZone: 'Asia/Atlantis' });
    expect(() => clock.today()).toThrow(/^Bad configuration: BUSINESS_TZ: /);
  });
});

describe('values built from the configuration', () => {
  it('are built once, and again only after the configuration is reloaded', () => {
    let builds = 0;
    const value = perConfiguration((c) => ({ n: ++builds, limit: c.limits.noticeLookup }));
    expect(value()).toBe(value());
    expect(builds).toBe(1);
    reloadConfig();
    expect(value().n).toBe(2);
  });
});
