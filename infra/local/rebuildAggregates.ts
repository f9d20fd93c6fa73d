/**
 * `npm run aggregates:rebuild [-- --write]`: recomputes every open-data aggregate from the Payments
 * table (ADR 0014) and prints, per month, the cells where the stored aggregates differ; with `--write`,
 * replaces each month that differs. Against the local stack by default (DYNAMODB_ENDPOINT, `.data`);
 * deployed, run it with the stack's TABLE_* variables and AWS credentials, the Payments stream
 * mapping disabled while it writes.
 */
import { differences, foldRecords } from '../../functions/opendata/domain/rebuild';
import { rebuildContext } from '../../functions/opendata/wiring';

export async function rebuildAggregates(opts: { write: boolean }): Promise<{ month: string; differing: string[] }[]> {
  const { records, aggregates, clock } = rebuildContext();
  const rebuilt = await foldRecords(records.allRecords(), clock);
  const months = [...new Set([...rebuilt.keys(), ...(await aggregates.months())])].sort();
  const out: { month: string; differing: string[] }[] = [];
  for (const month of months) {
    const cells = rebuilt.get(month) ?? new Map();
    const differing = await differences(aggregates, month, cells);
    out.push({ month, differing });
    if (opts.write && differing.length) await aggregates.replaceMonth(month, cells);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.DYNAMODB_ENDPOINT ??= `http://127.0.0.1:${process.env.DYNAMODB_PORT ?? 8000}`;
  process.env.AWS_REGION ??= 'local';
  const write = process.argv.includes('--write');
  for (const { month, differing } of await rebuildAggregates({ write }))
    console.log(
      `${month}: ${differing.length ? `${differing.length} cells differ (${differing.slice(0, 5).join(', ')}${differing.length > 5 ? ', …' : ''})${write ? ', replaced' : ''}` : 'equal'}`,
    );
}
