import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { CompactSign, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { itemSize } from '../../../bench/support/itemSize';
import { bankRefClaim, bankRefKey } from '../../../functions/payments/adapters/bankRefs';
import { ReceiptsTable, receiptKeys } from '../../../functions/payments/adapters/receiptsTable';
import { CertifiedKeySigner } from '../../../functions/shared/adapters/certifiedSigner';
import { JWS_TYPE, KEY_CERT_TYPE, type Signer } from '../../../functions/shared/domain/signing';
import { documentClient, tableName, theSdkClient } from '../../../functions/shared/wiring';
import { uniq } from '../../support/api';
import { verifyReceiptWithJose } from '../../support/receiptVerifier';

/** A root standing in for the KMS key (as in test/unit/shared/certifiedSigner.test.ts). */
async function rootSigner(): Promise<Signer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid: 'kms', alg: 'ES256', use: 'sig' }] };
  return {
    sign: (payload: object) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'ES256', kid: 'kms', typ: KEY_CERT_TYPE })
        .sign(privateKey),
    jwks: async () => jwks,
  };
}

/** A receipt's signed fields as the payments domain signs them (Chinese text included). */
const payloadOf = (receiptNo: string) => ({
  receiptNo,
  paymentId: `P${receiptNo}`,
  noticeNos: ['20261201ABCDEFGHJKMN'],
  payerName: '张*',
  lines: [{ feeCode: 'BENCH-FEE', name: '工本费', amount: 2000 }],
  amount: 2000,
  currency: 'CNY',
  channel: 'card',
  paidAt: '2026-12-01T02:00:00.000Z',
  businessDate: '2026-12-01',
  issuer: '某市财政局',
});

/** The stored item as DynamoDB holds it (its billed size is what a write costs). */
async function storedItem(key: Record<string, string>, table: 'Receipts' | 'Idempotency' = 'Receipts') {
  const r = await theSdkClient().send(
    new GetItemCommand({
      TableName: tableName(table),
      Key: { pk: { S: key.pk! }, sk: { S: key.sk! } },
      ConsistentRead: true,
    }),
  );
  return r.Item;
}

describe('ReceiptsTable (issue 10)', () => {
  it('stores a certified receipt under 1 KB, its certificate once, and reads back the JWS byte for byte', async () => {
    const root = await rootSigner();
    const signer = new CertifiedKeySigner(root, JWS_TYPE.receipt);
    const table = new ReceiptsTable(documentClient(), tableName('Receipts'));
    const receipts = [];
    for (let i = 0; i < 2; i++) {
      const payload = payloadOf(`R${uniq()}`);
      const receipt = { ...payload, status: 'valid' as const, jws: await signer.sign(payload) };
      const items = table.putItems(receipt as never);
      // The first receipt of a key carries its certificate; the next one does not.
      expect(items).toHaveLength(i === 0 ? 2 : 1);
      await documentClient().send(new TransactWriteCommand({ TransactItems: items }));
      table.stored(receipt as never);
      receipts.push(receipt);
    }
    for (const receipt of receipts) {
      // The whole JWS with its certificate is over 1 KB; the stored item is not.
      expect(receipt.jws.length).toBeGreaterThan(1024);
      expect(itemSize(await storedItem(receiptKeys.receipt(receipt.receiptNo)))).toBeLessThanOrEqual(1024);
      const read = await table.get(receipt.receiptNo);
      expect(read!.jws).toBe(receipt.jws);
      expect(JSON.stringify(read)).toBe(JSON.stringify(receipt));
      await expect(verifyReceiptWithJose(read!.jws, await root.jwks())).resolves.toBeDefined();
    }
  });

  it('reads receipts stored whole before issue 10', async () => {
    const table = new ReceiptsTable(documentClient(), tableName('Receipts'));
    const receipt = { ...payloadOf(`R${uniq()}`), status: 'refunded', jws: 'e30.eyJhIjoxfQ.c2ln' };
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: { TableName: tableName('Receipts'), Item: { ...receiptKeys.receipt(receipt.receiptNo), ...receipt } },
          },
        ],
      }),
    );
    expect(await table.get(receipt.receiptNo)).toEqual(receipt);
  });

  it('keeps the bank reference in the Idempotency table, once per channel, one write unit', async () => {
    const ref = { channel: 'card', bankRef: `B-${uniq()}` };
    const put = (paymentId: string) =>
      documentClient().send(
        new TransactWriteCommand({ TransactItems: [bankRefClaim(tableName('Idempotency'), ref, paymentId)] }),
      );
    await put('P1');
    await expect(put('P2')).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    const item = await storedItem(bankRefKey(ref.channel, ref.bankRef), 'Idempotency');
    expect(item?.paymentId).toEqual({ S: 'P1' });
    expect(item?.expiresAt).toBeUndefined(); // a bank transaction is recorded once, for good
    expect(itemSize(item)).toBeLessThanOrEqual(1024);
  });
});
