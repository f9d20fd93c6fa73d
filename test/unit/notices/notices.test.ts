import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskIdNumber, maskName, maskPhone } from '../../../functions/notices/domain/masking';
import {
  checkCode,
  documentNumber,
  hasValidLuhn,
  isDocumentNumber,
  isValidResidentId,
  residentIdCheckChar,
} from '../../../functions/shared/domain/ids';
import { anonymous, clerk, department, finance, world } from '../payments/fixtures';

const payer = {
  name: '欧阳娜娜',
  idType: 'resident-id' as const,
  idNumber: '11010519491231002X',
  phone: '13812345678',
};
const problem = (type: string) => expect.objectContaining({ type });

describe('identifiers', () => {
  it('validates GB 11643 resident ID numbers (including the X check character)', () => {
    expect(isValidResidentId('11010519491231002X')).toBe(true); // the standard's own example
    expect(isValidResidentId('11010519491231002x')).toBe(true);
    expect(isValidResidentId('110105194912310021')).toBe(false);
    expect(isValidResidentId('11010519491231002')).toBe(false);
    expect(residentIdCheckChar('44052418800101001')).toBe('4');
  });

  it('issues 20-digit document numbers with a Luhn check digit that catches any single-digit typo', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 1, max: 9 }), (pos, delta) => {
        const n = documentNumber('2026-03-02');
        expect(n.startsWith('20260302')).toBe(true);
        expect(isDocumentNumber(n)).toBe(true);
        const typo = n.slice(0, pos) + String((Number(n[pos]) + delta) % 10) + n.slice(pos + 1);
        expect(hasValidLuhn(typo)).toBe(false);
      }),
    );
  });

  it('draws check codes at random (8 characters, no repeats in 10,000 draws)', () => {
    const codes = new Set(Array.from({ length: 10_000 }, () => checkCode()));
    expect(codes.size).toBe(10_000);
    for (const c of [...codes].slice(0, 100)) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
  });
});

describe('masking', () => {
  it('masks names, ID numbers and phones as the payer view shows them', () => {
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('John')).toBe('J***');
    expect(maskName('李')).toBe('*');
    expect(maskIdNumber('110101199003071234')).toBe('1101**********1234');
    expect(maskPhone('13812345678')).toBe('138****5678');
  });
});

describe('Notices', () => {
  it('prices lines from the version in force (fixed and per-unit × quantity) and pins the version', async () => {
    const { notices } = await world();
    const n = await notices.issue(department('D01'), {
      payer,
      lines: [
        { feeCode: 'A-FIXED', quantity: 2 },
        { feeCode: 'B-UNIT', quantity: 3 },
      ],
    });
    expect(n.lines).toEqual([
      { feeCode: 'A-FIXED', feeVersion: 1, name: 'fee A-FIXED', quantity: 2, unitAmount: 1000, amount: 2000 },
      { feeCode: 'B-UNIT', feeVersion: 1, name: 'fee B-UNIT', quantity: 3, unitAmount: 333, amount: 999 },
    ]);
    expect(n).toMatchObject({ total: 2999, status: 'issued', dueDate: '2026-04-01', departmentId: 'D01' });
  });

  it('refuses another department’s item (403) and an unknown one (422)', async () => {
    const { notices } = await world();
    await expect(notices.issue(department('D01'), { payer, lines: [{ feeCode: 'C-FIXED' }] })).rejects.toMatchObject(
      problem('fee-item-other-department'),
    );
    await expect(notices.issue(department('D01'), { payer, lines: [{ feeCode: 'NOPE' }] })).rejects.toMatchObject(
      problem('fee-item-unknown'),
    );
  });

  it('answers a wrong code, a missing code and a missing notice with the same 404, and counts every payer look-up', async () => {
    const { notices, lookups } = await world();
    const n = await notices.issue(department('D01'), { payer, lines: [{ feeCode: 'A-FIXED' }] });
    const view = await notices.view(anonymous, n.noticeNo, n.checkCode, 'ip1');
    expect(view.payer).toEqual({
      name: '欧***',
      idType: 'resident-id',
      idNumber: '1101**********002X',
      phone: '138****5678',
    });
    expect(view.checkCode).toBeUndefined();
    const errors = await Promise.all(
      [
        notices.view(anonymous, n.noticeNo, 'WRONG123', 'ip1'),
        notices.view(anonymous, n.noticeNo, undefined, 'ip1'),
        notices.view(anonymous, '20260302000000000000', n.checkCode, 'ip1'),
        notices.view(anonymous, 'garbage', n.checkCode, 'ip1'),
      ].map((p) => p.catch((e: Error) => e.message)),
    );
    expect(new Set(errors).size).toBe(1);
    expect(lookups).toHaveLength(5);
  });

  it('shows staff the full view; another department gets 403', async () => {
    const { notices } = await world();
    const n = await notices.issue(department('D01'), { payer, lines: [{ feeCode: 'A-FIXED' }] });
    for (const p of [department('D01'), clerk, finance])
      expect((await notices.view(p, n.noticeNo, undefined, 'ip')).payer.idNumber).toBe(payer.idNumber);
    await expect(notices.view(department('D02'), n.noticeNo, undefined, 'ip')).rejects.toMatchObject(
      problem('forbidden'),
    );
  });

  it('reads an unpaid notice past its due date as expired, and lists by status', async () => {
    const { notices, clock } = await world();
    const n = await notices.issue(department('D01'), { payer, lines: [{ feeCode: 'A-FIXED' }], dueDate: '2026-03-03' });
    await notices.issue(department('D01'), { payer, lines: [{ feeCode: 'A-FIXED' }] });
    clock.set('2026-03-04T02:00:00.000Z');
    expect((await notices.view(finance, n.noticeNo, undefined, 'ip')).status).toBe('expired');
    const expired = await notices.list(department('D01'), { status: 'expired' });
    expect(expired.items.map((x) => x.noticeNo)).toEqual([n.noticeNo]);
    await expect(notices.list(department('D01'), { department: 'D02' })).rejects.toMatchObject(problem('forbidden'));
  });

  it('cancels only an unpaid notice of the issuing department', async () => {
    const { notices, payments } = await world();
    const n = await notices.issue(department('D01'), { payer, lines: [{ feeCode: 'A-FIXED' }] });
    await expect(notices.cancel(department('D02'), n.noticeNo, 'x')).rejects.toMatchObject(problem('forbidden'));
    await payments.pay(clerk, { noticeNos: [n.noticeNo], channel: 'cash', amount: 1000 }, 'k');
    await expect(notices.cancel(department('D01'), n.noticeNo, 'x')).rejects.toMatchObject(
      problem('notice-already-paid'),
    );
  });
});
