import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Department, FeeItem } from '../../../schemas/catalog';
import { queryAll, type DocClient, type Item } from '../../shared/adapters/dynamo';
import { DomainError } from '../../shared/domain/errors';
import type { CatalogStore } from '../ports';

/**
 * Catalog items: departments `DEPT#<id>`/`DEPT`, fee item versions `FEE#<code>`/`V#<000001>`.
 * gsi1 lists each kind ('DEPT' | 'FEE'); catalog writes are rare admin actions, so one index
 * partition per kind is not a hot key.
 */
const versionKey = (v: number) => `V#${String(v).padStart(6, '0')}`;

export class CatalogTable implements CatalogStore {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
  ) {}

  async putDepartment(d: Department): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `DEPT#${d.id}`, sk: 'DEPT', gsi1pk: 'DEPT', gsi1sk: d.id, id: d.id, name: d.name },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException)
        throw new DomainError('department-exists', 'A department with this id exists', [
          { path: 'id', message: 'already exists' },
        ]);
      throw e;
    }
  }

  async getDepartment(id: string): Promise<Department | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: `DEPT#${id}`, sk: 'DEPT' } }));
    return r.Item ? { id: r.Item.id as string, name: r.Item.name as string } : undefined;
  }

  async listDepartments(): Promise<Department[]> {
    const items = await this.query({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :k',
      ExpressionAttributeValues: { ':k': 'DEPT' },
    });
    return items.map((i) => ({ id: i.id as string, name: i.name as string }));
  }

  async listVersions(code: string): Promise<FeeItem[]> {
    const items = await this.query({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `FEE#${code}` },
    });
    return items.map(toFeeItem);
  }

  async listAllVersions(): Promise<FeeItem[]> {
    const items = await this.query({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :k',
      ExpressionAttributeValues: { ':k': 'FEE' },
    });
    return items.map(toFeeItem);
  }

  async putVersion(item: FeeItem): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: `FEE#${item.code}`,
            sk: versionKey(item.version),
            gsi1pk: 'FEE',
            gsi1sk: `${item.code}#${versionKey(item.version)}`,
            ...item,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException)
        throw item.version === 1
          ? new DomainError('fee-item-exists', 'A fee item with this code exists', [
              { path: 'code', message: 'already exists' },
            ])
          : new DomainError(
              'concurrent-update',
              `Version ${item.version} of this fee item was just published by another request`,
            );
      throw e;
    }
  }

  private query(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    return queryAll(this.client, { TableName: this.table, ...input });
  }
}

/** A stored version in the field order of the FeeItem schema (items were validated when written). */
function toFeeItem(i: Item): FeeItem {
  const {
    code,
    name,
    departmentId,
    category,
    legalBasis,
    approvedBy,
    pricing,
    effectiveFrom,
    effectiveTo,
    version,
    publishedAt,
  } = i as FeeItem;
  return {
    code,
    name,
    departmentId,
    category,
    legalBasis,
    approvedBy,
    pricing,
    effectiveFrom,
    ...(effectiveTo === undefined ? {} : { effectiveTo }),
    version,
    publishedAt,
  };
}
