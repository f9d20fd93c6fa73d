import { describe, expect, it } from 'vitest';
import { beijingTime, fenOf, label, problemSentence, yuan, yuanWithUnit } from '../../../web/console/src/format';
import { i18n } from '../../../web/console/src/i18n';
import { residentIdValid } from '../../../web/console/src/validate';

/** The console's one formatting module: money, time, labels and problems in the staff's terms. */
describe('console formatting', () => {
  it('shows integer fen as yuan with two decimals, exactly', () => {
    expect(yuan(2000)).toBe('20.00');
    expect(yuan(1050)).toBe('10.50');
    expect(yuan(5)).toBe('0.05');
    expect(yuan(-1234567)).toBe('-12,345.67');
    expect(yuan(Number.MAX_SAFE_INTEGER)).toBe('90,071,992,547,409.91');
    expect(yuanWithUnit(2000)).toBe('20.00 元');
  });

  it('reads typed yuan into fen without floats', () => {
    expect(fenOf('20')).toBe(2000);
    expect(fenOf('0.1')).toBe(10);
    expect(fenOf(' 1234.56 ')).toBe(123456);
    expect(fenOf('1.005')).toBeUndefined();
    expect(fenOf('-1')).toBeUndefined();
    expect(fenOf('1e3')).toBeUndefined();
  });

  it('shows instants in Beijing time', () => {
    expect(beijingTime('2026-03-31T16:30:00.000Z')).toBe('2026/04/01 00:30:00');
  });

  it('labels statuses and channels in Chinese, English on the switch', () => {
    expect(label('status', 'anomalous')).toBe('异常待处理');
    expect(label('channel', 'transfer')).toBe('转账');
    i18n.global.locale.value = 'en';
    expect(label('channel', 'transfer')).toBe('Transfer');
    i18n.global.locale.value = 'zh-CN';
    expect(label('status', 'something-new')).toBe('something-new');
  });

  it('turns problems into sentences, naming refused fields and an order’s expiry', () => {
    const pending = {
      type: 'https://x/problems/notice-payment-pending',
      status: 409,
      expiresAt: '2026-03-31T02:15:00.000Z',
    };
    expect(problemSentence(pending)).toBe(
      '该通知书正在网上缴费中（缴款人已发起网上支付），在支付结束或订单过期前不能在窗口收款。（订单 2026/03/31 10:15:00 过期）',
    );
    const invalid = {
      type: 'https://x/problems/validation-failed',
      status: 400,
      errors: [{ path: 'payer.idNumber', message: 'bad check digit' }],
    };
    expect(problemSentence(invalid)).toBe('填写有误：payer.idNumber: bad check digit');
    const badRow = {
      type: 'https://x/problems/statement-row-invalid',
      status: 422,
      errors: [{ path: 'row 3.amount', message: 'not an amount' }],
    };
    expect(problemSentence(badRow)).toBe('银行流水文件有误，未导入任何一行。（row 3.amount: not an amount）');
    expect(problemSentence({ type: 'https://x/problems/new-kind', status: 422, detail: 'Something specific' })).toBe(
      'Something specific',
    );
  });

  it('checks a resident ID’s GB 11643 check digit as the API does', () => {
    expect(residentIdValid('11010519491231002X')).toBe(true);
    expect(residentIdValid('11010519491231002Y')).toBe(false);
    expect(residentIdValid('110105194912310021')).toBe(false);
  });
});
