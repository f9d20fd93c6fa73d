import { compactVerify, createRemoteJWKSet, decodeProtectedHeader } from 'jose';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { api, token, uniq } from '../support/api';

/** Receipts (财政电子票据): signed, verifiable by anyone with only the published JWKS. */
let receipt: any;

beforeAll(async () => {
  const admin = await token({ role: 'admin' });
  const dept = `R${uniq()}`;
  const fee = `RF-${uniq()}`;
  await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: '市场监管局' } });
  await api('POST', '/v1/fee-items', {
    token: admin,
    body: {
      code: fee,
      departmentId: dept,
      name: '登记费',
      category: 'administrative-fee',
      legalBasis: '《条例》',
      approvedBy: '发改委',
      pricing: { kind: 'fixed', amount: 2500 },
    },
  });
  const n = await api('POST', '/v1/notices', {
    token: await token({ role: 'department', dept }),
    body: { payer: { name: '李小龙', idType: 'other', idNumber: 'X-1' }, lines: [{ feeCode: fee }] },
  });
  const p = await api('POST', '/v1/payments', {
    token: await token({ role: 'clerk', window: 'W01' }),
    body: { noticeNos: [n.body.noticeNo], channel: 'cash', amount: 2500 },
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(p.status).toBe(201);
  receipt = p.body.receipt;
});

const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);

describe('receipts', () => {
  it('verifies a genuine receipt with jose against the JWKS fetched over HTTP, and nothing else', async () => {
    const jwks = createRemoteJWKSet(new URL(`${inject('apiUrl')}/v1/.well-known/jwks.json`));
    const { payload, protectedHeader } = await compactVerify(receipt.jws, jwks, { algorithms: ['ES256'] });
    expect(protectedHeader.kid).toBeTruthy();
    const { jws: _j, status: _s, ...expected } = receipt;
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(expected);
    expect(expected.payerName).toBe('李**');
  });

  it('rejects a receipt altered in the payload, the signature or the header', async () => {
    const [h, p, s] = receipt.jws.split('.') as [string, string, string];
    const body = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tamperedPayload = `${h}.${Buffer.from(JSON.stringify({ ...body, total: body.total + 1 })).toString('base64url')}.${s}`;
    const tamperedSignature = `${h}.${p}.${flip(s, 10)}`;
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const tamperedHeader = `${Buffer.from(JSON.stringify({ ...header, typ: 'JOSE' })).toString('base64url')}.${p}.${s}`;
    const otherKid = `${Buffer.from(JSON.stringify({ ...header, kid: 'someone-else' })).toString('base64url')}.${p}.${s}`;
    const jwks = createRemoteJWKSet(new URL(`${inject('apiUrl')}/v1/.well-known/jwks.json`));
    for (const jws of [tamperedPayload, tamperedSignature, tamperedHeader, otherKid, 'garbage', `${h}.${p}`]) {
      await expect(compactVerify(jws, jwks, { algorithms: ['ES256'] })).rejects.toThrow();
      const r = await api('POST', '/v1/receipts/verify', { body: { jws } });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ valid: false, status: null });
    }
    expect(decodeProtectedHeader(receipt.jws).alg).toBe('ES256');
  });

  it('verifies by JWS or by number and check code, and reads the receipt only with its check code', async () => {
    const byJws = await api('POST', '/v1/receipts/verify', { body: { jws: receipt.jws } });
    expect(byJws.body).toMatchObject({ valid: true, status: 'valid', receipt: { receiptNo: receipt.receiptNo } });
    const byCode = await api('POST', '/v1/receipts/verify', {
      body: { receiptNo: receipt.receiptNo, checkCode: receipt.checkCode },
    });
    expect(byCode.body).toMatchObject({ valid: true, status: 'valid' });
    const wrong = await api('POST', '/v1/receipts/verify', {
      body: { receiptNo: receipt.receiptNo, checkCode: 'ZZZZZZZZ' },
    });
    expect(wrong.body).toEqual({ valid: false, status: null });
    expect((await api('POST', '/v1/receipts/verify', { body: { receiptNo: receipt.receiptNo } })).status).toBe(400);

    const got = await api('GET', `/v1/receipts/${receipt.receiptNo}?checkCode=${receipt.checkCode}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(receipt);
    expect((await api('GET', `/v1/receipts/${receipt.receiptNo}?checkCode=ZZZZZZZZ`)).status).toBe(404);
    expect((await api('GET', `/v1/receipts/${receipt.receiptNo}`)).status).toBe(404);
  });
});
