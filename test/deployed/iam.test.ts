import { describe, expect, it } from 'vitest';
import { requiredAccess } from './support/dynamoProxy';
import { conditionHolds, wildcardMatch } from './support/iam';

/**
 * The IAM emulation the bundles test relies on (support/iam.ts, support/dynamoProxy.ts), checked
 * against the rules AWS documents: a too-lenient emulation would hide the very grants the bundles
 * test is there to find missing.
 */
const T = 'arn:aws-cn:dynamodb:cn-north-1:123456789012:table';

describe('what DynamoDB authorizes a request as', () => {
  it('a transaction item by its own action (PutItem, UpdateItem, ConditionCheckItem, ...) on its table', () => {
    expect(
      requiredAccess('TransactWriteItems', {
        TransactItems: [
          { Put: { TableName: 'Receipts' } },
          { Update: { TableName: 'Notices' } },
          { ConditionCheck: { TableName: 'Catalog' } },
          { Delete: { TableName: 'Idempotency' } },
        ],
      }).map(([a, r]) => [a, r]),
    ).toEqual([
      ['dynamodb:PutItem', `${T}/Receipts`],
      ['dynamodb:UpdateItem', `${T}/Notices`],
      ['dynamodb:ConditionCheckItem', `${T}/Catalog`],
      ['dynamodb:DeleteItem', `${T}/Idempotency`],
    ]);
    expect(requiredAccess('TransactGetItems', { TransactItems: [{ Get: { TableName: 'A' } }] })[0]).toEqual([
      'dynamodb:GetItem',
      `${T}/A`,
      { 'dynamodb:enclosingoperation': 'TransactGetItems' },
    ]);
  });

  it('a batch by the batch action on every table it names; a query of an index on the index', () => {
    expect(requiredAccess('BatchWriteItem', { RequestItems: { A: [], B: [] } }).map(([a, r]) => [a, r])).toEqual([
      ['dynamodb:BatchWriteItem', `${T}/A`],
      ['dynamodb:BatchWriteItem', `${T}/B`],
    ]);
    expect(requiredAccess('Query', { TableName: 'Ledger', IndexName: 'gsi1' })[0]![1]).toBe(`${T}/Ledger/index/gsi1`);
    expect(requiredAccess('GetItem', { TableName: 'Ledger' })[0]![1]).toBe(`${T}/Ledger`);
  });
});

describe('IAM matching', () => {
  it('wildcards: * any run, ? one character; actions ignore case', () => {
    expect(wildcardMatch(`${T}/Ledger/index/*`, `${T}/Ledger/index/gsi1`)).toBe(true);
    expect(wildcardMatch(`${T}/Ledger`, `${T}/Ledger/index/gsi1`)).toBe(false);
    expect(wildcardMatch('dynamodb:Get*', 'dynamodb:getitem', true)).toBe(true);
    expect(wildcardMatch('s3:GetObject?', 's3:GetObject')).toBe(false);
  });

  it('conditions: ForAnyValue over an absent key is false, StringNotEquals over it true; unknown keys are unknown', () => {
    const onlyInTransactions = {
      'ForAnyValue:StringEquals': { 'dynamodb:EnclosingOperation': ['TransactWriteItems', 'TransactGetItems'] },
    };
    expect(conditionHolds(onlyInTransactions, { 'dynamodb:enclosingoperation': 'TransactWriteItems' })).toBe(true);
    expect(conditionHolds(onlyInTransactions, { 'dynamodb:enclosingoperation': undefined })).toBe(false);
    expect(
      conditionHolds(
        { StringNotEquals: { 'dynamodb:EnclosingOperation': 'X' } },
        { 'dynamodb:enclosingoperation': undefined },
      ),
    ).toBe(true);
    expect(conditionHolds({ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:securetransport': 'true' })).toBe(false);
    expect(conditionHolds({ StringEquals: { 'kms:ViaService': 'x' } }, {})).toBeUndefined();
    expect(conditionHolds({ NumericLessThan: { 'aws:MultiFactorAuthAge': '1' } }, {})).toBeUndefined();
  });
});
