import { join } from 'node:path';
import { issueLocalToken } from './keys';

/**
 * `npm run seed:demo`: the demo accounts' data on a running local stack, through the API as an
 * administrator would: department D01 (公安局, dept-d01's) and its fee PSB-ID, the same as the README's
 * first walkthrough step. Window W01 (clerk-w01's) needs no record: a window is its clerks' token claim.
 * Safe to run again: what exists already (409) is left as it is.
 */
if (process.env.DATA_DIR) process.env.LOCAL_KEY_DIR ??= join(process.env.DATA_DIR, 'keys');
const api = process.env.API ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const admin = await issueLocalToken({ role: 'admin', expiresIn: '5m' });

async function create(path: string, body: unknown, what: string): Promise<void> {
  const res = await fetch(`${api}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status === 201) process.stdout.write(`created ${what}\n`);
  else if (res.status === 409) process.stdout.write(`${what} exists already\n`);
  else throw new Error(`${what}: ${res.status} ${await res.text()}`);
}

await create('/v1/departments', { id: 'D01', name: '公安局' }, 'department D01 公安局');
await create(
  '/v1/fee-items',
  {
    code: 'PSB-ID',
    departmentId: 'D01',
    name: '居民身份证工本费',
    category: 'administrative-fee',
    legalBasis: '《居民身份证法》',
    approvedBy: '国家发展改革委 财政部',
    pricing: { kind: 'fixed', amount: 2000 },
  },
  'fee item PSB-ID',
);
