import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel } from '../../../schemas/records';
import { stagingWrites } from '../../shared/adapters/auditTrail';
import { batchWriteAll, putIfNew, stripKeys, type DocClient } from '../../shared/adapters/dynamo';
import type { StatementHeader } from '../domain/records';
import type { StatementLine } from '../domain/statementCsv';
import type { StatementStore } from '../ports';
import { financeKeys } from './financeTable';

/** Compact chunk encoding: one line per row, tab-separated (no validated field can hold a tab). */
export function encodeChunk(lines: StatementLine[]): string {
  return lines
    .map((l) =>
      [l.row, l.bankRef ?? '', l.valueDate, l.amount, l.channel, l.noticeNo ?? '', l.windowId ?? ''].join('\t'),
    )
    .join('\n');
}

export function decodeChunk(text: string): StatementLine[] {
  if (text === '') return [];
  return text.split('\n').map((s) => {
    const [row, bankRef, valueDate, amount, channel, noticeNo, windowId] = s.split('\t') as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    return {
      row: Number(row),
      bankRef: bankRef || null,
      valueDate,
      amount: Number(amount),
      channel: channel as Channel,
      noticeNo: noticeNo || null,
      windowId: windowId || null,
    };
  });
}

/** Bank statements in the Finance table: chunk items first, the header item last (layout in financeTable.ts). */
export class StatementsTable implements StatementStore {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
  ) {}

  /** Staging (ADR 0017): a chunk is invisible until the header names it, so the header's put carries the audit event. */
  async putStatementChunk(statementId: string, chunkNo: number, lines: StatementLine[]): Promise<void> {
    await stagingWrites(() =>
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...financeKeys.statementChunk(statementId, chunkNo), lines: encodeChunk(lines) },
        }),
      ),
    );
  }

  putStatementHeader(h: StatementHeader): Promise<boolean> {
    return putIfNew(this.client, this.table, { ...financeKeys.statement(h.statementId), ...h });
  }

  async discardStatementChunks(statementId: string, chunks: number): Promise<void> {
    const keys = Array.from({ length: chunks }, (_, n) => ({
      DeleteRequest: { Key: financeKeys.statementChunk(statementId, n) },
    }));
    await batchWriteAll(this.client, this.table, keys);
  }

  async getStatement(statementId: string): Promise<StatementHeader | undefined> {
    const r = await this.client.send(
      new GetCommand({ TableName: this.table, Key: financeKeys.statement(statementId), ConsistentRead: true }),
    );
    return r.Item ? stripKeys<StatementHeader>(r.Item) : undefined;
  }

  /** One chunk in memory at a time, the next one already being fetched. */
  async *statementChunks(h: StatementHeader): AsyncIterable<StatementLine[]> {
    const fetch = (n: number) =>
      this.client
        .send(
          new GetCommand({
            TableName: this.table,
            Key: financeKeys.statementChunk(h.statementId, n),
            ConsistentRead: true,
          }),
        )
        .then((r) => {
          if (!r.Item) throw new Error(`statement ${h.statementId} chunk ${n} is missing`);
          return decodeChunk(r.Item.lines as string);
        });
    let next = h.chunks > 0 ? fetch(0) : undefined;
    for (let n = 0; n < h.chunks; n++) {
      const lines = await next!;
      next = n + 1 < h.chunks ? fetch(n + 1) : undefined;
      yield lines;
    }
  }
}
