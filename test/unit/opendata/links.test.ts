import { describe, expect, it } from 'vitest';
import { pathPrefix, publicBase } from '../../../functions/opendata/domain/links';

/**
 * Where open-data links point, from the fields API Gateway really sends (REST proxy events):
 * `requestContext.path` is the path as the client sent it (stage on an execute-api URL, base path on
 * a custom domain), `event.path` is not used, `requestContext.domainName` is the host called.
 */
const API = 'abc123.execute-api.ap-east-1.amazonaws.com';

describe('public base of open-data links', () => {
  it('keeps the stage of a request to the execute-api URL', () => {
    const base = publicBase(undefined, {
      domainName: API,
      host: API,
      forwardedProto: 'https',
      requestPath: '/prod/v1/open/data.json',
      resource: '/v1/open/data.json',
    });
    expect(base).toEqual({ api: `https://${API}/prod`, files: `https://${API}` });
  });

  it('keeps the base path of a custom domain, and puts path parameters where the template has them', () => {
    expect(
      publicBase(undefined, {
        domainName: 'api.example.gov.cn',
        requestPath: '/opendata/v1/open/datasets/fee-catalog/datapackage.json',
        resource: '/v1/open/datasets/{id}/datapackage.json',
      }).api,
    ).toBe('https://api.example.gov.cn/opendata');
    expect(pathPrefix('/v1/v1/open/data.json', '/v1/open/data.json')).toBe('/v1'); // a base path named v1
  });

  it('adds nothing for the local gateway, whose paths have no stage, and uses http on a local host', () => {
    expect(
      publicBase(undefined, {
        domainName: '127.0.0.1:3000',
        host: '127.0.0.1:3000',
        requestPath: '/v1/open/data.json',
        resource: '/v1/open/data.json',
      }),
    ).toEqual({ api: 'http://127.0.0.1:3000', files: 'http://127.0.0.1:3000' });
  });

  it('uses the configured public base (the CloudFront URL) whatever the request says', () => {
    // Through CloudFront the API sees its own host and the stage CloudFront's origin path added.
    const base = publicBase('https://d111111abcdef8.cloudfront.net', {
      domainName: API,
      requestPath: '/prod/v1/open/data.json',
      resource: '/v1/open/data.json',
    });
    expect(base).toEqual({
      api: 'https://d111111abcdef8.cloudfront.net',
      files: 'https://d111111abcdef8.cloudfront.net',
    });
  });

  it('never lets a malformed host or path reach a link', () => {
    const base = publicBase(undefined, {
      host: 'evil.example/"><script>',
      requestPath: '/<x>/v1/open/data.json',
      resource: '/v1/open/data.json',
    });
    expect(base).toEqual({ api: 'http://localhost', files: 'http://localhost' });
    expect(pathPrefix('/prod/v1/other/data.json', '/v1/open/data.json')).toBe('');
    expect(pathPrefix('/data.json', '/v1/open/data.json')).toBe('');
    expect(pathPrefix(undefined, '/v1/open/data.json')).toBe('');
  });
});
