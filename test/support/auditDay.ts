import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { auditEventPut } from '../../functions/shared/adapters/auditTrail';
import { auditEventId, sealAuditEvent } from '../../functions/shared/domain/audit';
import { documentClient, tableName } from '../../functions/shared/wiring';
import { uniqueDate } from '../unit/finance/dayFixtures';

/** `n` events of an ended day of its own, put as the kernel puts them (auditEventPut), straight into DynamoDB Local. */
export async function putAuditDay(n: number) {
  const date = uniqueDate();
  const events = Array.from({ length: n }, (_, i) =>
    sealAuditEvent({
      id: auditEventId(date, randomUUID()),
      at: `${date}T0${i}:00:00.000Z`,
      date,
      actor: { sub: `clerk-${i}`, role: 'clerk', window: 'W01' },
      action: 'POST /v1/payments',
      resource: '/v1/payments',
      outcome: 'committed',
      requestId: randomUUID(),
    }),
  );
  for (const e of events) await documentClient().send(new PutCommand(auditEventPut(tableName('Audit'), e)));
  return { date, events };
}
