import { compactVerify, createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { seedPayments } from '../integration/finance/seed';
import { api, token, uniq } from '../support/api';
import { matchingStatementRows, paymentRecord, statementCsv, uniqueDate } from '../unit/finance/dayFixtures';

/** Receipts (财政电子票据): signed, verifiable by anyone with only the published JWKS. */
let receipt: any;
/** The paid notice (number and check code) and one issued but not paid. */
let paidNotice: any;
let unpaidNotice: any;

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
  const issue = () =>
    token({ role: 'department', dept }).then((t) =>
      api('POST', '/v1/notices', {
        token: t,
        body: { payer: { name: '李小龙', idType: 'other', idNumber: 'X-1' }, lines: [{ feeCode: fee }] },
      }),
    );
  const n = await issue();
  paidNotice = n.body;
  unpaidNotice = (await issue()).body;
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
  it('finds the receipt again from the paid notice’s number and check code, and nothing without them', async () => {
    const path = (no: string, code: string) => `/v1/notices/${no}/receipt?checkCode=${code}`;
    const found = await api('GET', path(paidNotice.noticeNo, paidNotice.checkCode.toLowerCase()));
    expect(found.status).toBe(200);
    expect(found.body).toEqual(receipt);
    // A wrong code, a notice not paid, a malformed number and no code all look the same.
    for (const p of [
      path(paidNotice.noticeNo, 'ZZZZZZZZ'),
      path(unpaidNotice.noticeNo, unpaidNotice.checkCode),
      path('12345', paidNotice.checkCode),
      `/v1/notices/${paidNotice.noticeNo}/receipt`,
    ]) {
      const r = await api('GET', p);
      expect(r.status, p).toBe(404);
      expect(r.text).not.toContain('李');
    }
  });

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

/** Closes a past business day over HTTP and returns its signed proof. */
async function closedDayProof(): Promise<{ date: string; signature: string }> {
  const finance = await token({ role: 'finance' });
  const date = uniqueDate();
  const payments = [paymentRecord(date, { paymentId: `${date}-${uniq()}`, channel: 'card', amount: 700 })];
  await seedPayments(payments);
  const st = await api('POST', `/v1/bank-statements?date=${date}`, {
    token: finance,
    rawBody: statementCsv(matchingStatementRows(date, payments)),
    headers: { 'content-type': 'text/csv' },
  });
  const run = await api('POST', '/v1/reconciliations', {
    token: finance,
    body: { businessDate: date, statementIds: [st.body.statementId] },
  });
  const accepted = await api('POST', `/v1/reconciliations/${run.body.id}/accept`, {
    token: finance,
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(accepted.status).toBe(200);
  return accepted.body.proof;
}

describe('receipts and day proofs (RFC 8725 §3.11): a key and an explicit type for each', () => {
  const receiptKeysUrl = () => new URL(`${inject('apiUrl')}/v1/.well-known/jwks.json`);
  const dayProofKeysUrl = () => new URL(`${inject('apiUrl')}/v1/ledger/jwks.json`);

  it('publishes each kind’s keys in a set of its own; each JWS names its own type and key', async () => {
    const proof = await closedDayProof();
    const receiptKeys = (await api('GET', '/v1/.well-known/jwks.json')).body as {
      keys: { kid: string; use: string }[];
    };
    const dayProofKeys = (await api('GET', '/v1/ledger/jwks.json')).body as { keys: { kid: string; use: string }[] };
    for (const k of [...receiptKeys.keys, ...dayProofKeys.keys]) expect(k.use).toBe('sig');
    const receiptHeader = decodeProtectedHeader(receipt.jws);
    const proofHeader = decodeProtectedHeader(proof.signature);
    expect(receiptHeader.typ).toBe('receipt+jwt');
    expect(proofHeader.typ).toBe('day-proof+jwt');
    expect(receiptKeys.keys.map((k) => k.kid)).toEqual([receiptHeader.kid]);
    expect(dayProofKeys.keys.map((k) => k.kid)).toEqual([proofHeader.kid]);
    expect(receiptHeader.kid).not.toBe(proofHeader.kid);
  });

  it('an offline verifier (jose) that asks for a receipt refuses a day proof, and the reverse', async () => {
    const proof = await closedDayProof();
    const receiptKeys = createRemoteJWKSet(receiptKeysUrl());
    const dayProofKeys = createRemoteJWKSet(dayProofKeysUrl());
    const asReceipt = { algorithms: ['ES256'], typ: 'receipt+jwt' };
    const asDayProof = { algorithms: ['ES256'], typ: 'day-proof+jwt' };
    await expect(jwtVerify(receipt.jws, receiptKeys, asReceipt)).resolves.toBeDefined();
    await expect(jwtVerify(proof.signature, dayProofKeys, asDayProof)).resolves.toBeDefined();
    // By the key, whatever the verifier asks of the type…
    await expect(compactVerify(proof.signature, receiptKeys, { algorithms: ['ES256'] })).rejects.toThrow();
    await expect(compactVerify(receipt.jws, dayProofKeys, { algorithms: ['ES256'] })).rejects.toThrow();
    // … and by the type, even for a verifier that holds both key sets.
    const both = createLocalJWKSet({
      keys: [
        ...(await api('GET', '/v1/.well-known/jwks.json')).body.keys,
        ...(await api('GET', '/v1/ledger/jwks.json')).body.keys,
      ],
    });
    await expect(jwtVerify(proof.signature, both, asReceipt)).rejects.toThrow();
    await expect(jwtVerify(receipt.jws, both, asDayProof)).rejects.toThrow();
    // And the API's own receipt verifier.
    const r = await api('POST', '/v1/receipts/verify', { body: { jws: proof.signature } });
    expect(r.body).toEqual({ valid: false, status: null });
  });
});
