import type { TransactItem } from '../../shared/adapters/dynamo';
import { OUTBOX_DAYS, webhookKeys } from './webhooksTable';

/**
 * The webhooks context's published storage interface: the outbox entry the notices context adds to
 * a cancellation's own transaction, so a cancelled notice is announced exactly when it is cancelled
 * (never lost between two writes, never announced for a cancellation that failed). The Notices table
 * itself holds payer identity and has no stream; the outbox item holds none (docs/adr/0016).
 */
export interface NoticeCancelled {
  noticeNo: string;
  departmentId: string;
  amount: number;
  cancelledAt: string;
}

export class WebhookOutbox {
  constructor(private readonly table: string) {}

  noticeCancelledItem(c: NoticeCancelled): TransactItem {
    return {
      Put: {
        TableName: this.table,
        Item: {
          ...webhookKeys.outbox(`cancelled#${c.noticeNo}`),
          recordType: 'notice-cancelled',
          noticeNo: c.noticeNo,
          departmentId: c.departmentId,
          amount: c.amount,
          cancelledAt: c.cancelledAt,
          expiresAt: Math.floor(Date.parse(c.cancelledAt) / 1000) + OUTBOX_DAYS * 86_400,
        },
      },
    };
  }
}
