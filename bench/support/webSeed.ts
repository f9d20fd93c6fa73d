import { randomUUID } from 'node:crypto';
import { issueLocalToken } from '../../infra/local/keys';

/**
 * What the web pages need to show something real, made through the public API of a running local
 * stack (the same process that holds its signing keys, or LOCAL_KEY_DIR pointing at them): two
 * departments with fee items, a notice to look up, and a notice paid at the counter (its receipt).
 * Used by the web benchmark (bench/web.ts); the e2e tests make their own data per test.
 */
export interface WebSeed {
  notice: { noticeNo: string; checkCode: string };
  receipt: { receiptNo: string; checkCode: string };
  feeCodes: string[];
}

async function send(base: string, method: string, path: string, token: string | undefined, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(method === 'POST' && path === '/v1/payments' ? { 'idempotency-key': randomUUID() } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json().catch(() => undefined)) as any;
  if (!res.ok && res.status !== 409) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function seedWeb(base: string, tag = randomUUID().slice(0, 6).toUpperCase()): Promise<WebSeed> {
  const admin = await issueLocalToken({ role: 'admin' });
  const depts = [
    { id: `M${tag}`, name: '市场监督管理局' },
    { id: `P${tag}`, name: '公安局出入境管理支队' },
  ];
  const fees = [
    { d: 0, code: `M${tag}-01`, name: '营业执照副本工本费', amount: 1050, basis: '《市场主体登记管理条例》第二十二条' },
    { d: 0, code: `M${tag}-02`, name: '计量器具检定费', amount: 12000, basis: '《中华人民共和国计量法》第二十二条' },
    {
      d: 1,
      code: `P${tag}-01`,
      name: '普通护照工本费',
      amount: 12000,
      basis: '《护照法》及国家发展改革委、财政部批复',
    },
    { d: 1, code: `P${tag}-02`, name: '往来港澳通行证签注费', amount: 1500, basis: '发改价格〔2017〕1186号' },
  ];
  for (const d of depts) await send(base, 'POST', '/v1/departments', admin, d);
  for (const f of fees)
    await send(base, 'POST', '/v1/fee-items', admin, {
      code: f.code,
      departmentId: depts[f.d]!.id,
      name: f.name,
      category: 'administrative-fee',
      legalBasis: f.basis,
      approvedBy: '省发展和改革委员会 省财政厅',
      pricing: { kind: 'fixed', amount: f.amount },
    });
  const dept = await issueLocalToken({ role: 'department', dept: depts[0]!.id });
  const issue = () =>
    send(base, 'POST', '/v1/notices', dept, {
      payer: { name: '王小明', idType: 'passport', idNumber: 'E12345678' },
      lines: [
        { feeCode: fees[0]!.code, quantity: 2 },
        { feeCode: fees[1]!.code, quantity: 1 },
      ],
    });
  const open = await issue();
  const paid = await issue();
  const clerk = await issueLocalToken({ role: 'clerk', window: 'W01' });
  const payment = await send(base, 'POST', '/v1/payments', clerk, {
    noticeNos: [paid.noticeNo],
    channel: 'cash',
    amount: paid.total,
  });
  return {
    notice: { noticeNo: open.noticeNo, checkCode: open.checkCode },
    receipt: { receiptNo: payment.receipt.receiptNo, checkCode: payment.receipt.checkCode },
    feeCodes: fees.map((f) => f.code),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // npx tsx bench/support/webSeed.ts http://127.0.0.1:3000   (LOCAL_KEY_DIR=<DATA_DIR>/keys)
  process.stdout.write(`${JSON.stringify(await seedWeb(process.argv[2] ?? 'http://127.0.0.1:3000'), null, 2)}\n`);
}
