import { expect } from 'vitest';
import { api, token, uniq } from './api';

/** A department of its own with one fixed-price fee item, and the department's token. */
export async function departmentWithFee(amount = 2000): Promise<{ dept: string; fee: string; deptToken: string }> {
  const admin = await token({ role: 'admin' });
  const dept = `Q${uniq()}`;
  const fee = `QF-${uniq()}`;
  expect((await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: '市场监管局' } })).status).toBe(
    201,
  );
  const r = await api('POST', '/v1/fee-items', {
    token: admin,
    body: {
      code: fee,
      departmentId: dept,
      name: '登记费',
      category: 'administrative-fee',
      legalBasis: '《条例》',
      approvedBy: '发改委',
      pricing: { kind: 'fixed', amount },
    },
  });
  expect(r.status).toBe(201);
  return { dept, fee, deptToken: await token({ role: 'department', dept }) };
}

/** A notice of `quantity` of the department's fee, for `payer` (a passport holder by default). */
export async function issueNotice(
  d: { fee: string; deptToken: string },
  o: { quantity?: number; payerName?: string } = {},
): Promise<{ noticeNo: string; checkCode: string; total: number }> {
  const r = await api('POST', '/v1/notices', {
    token: d.deptToken,
    body: {
      payer: { name: o.payerName ?? '王五', idType: 'passport', idNumber: 'E12345678' },
      lines: [{ feeCode: d.fee, quantity: o.quantity ?? 1 }],
    },
  });
  expect(r.status).toBe(201);
  return r.body;
}
