import type { FeeItem } from '../../../schemas/catalog';
import type { IssueNotice, NoticeLine, NoticeStatus, NoticeView } from '../../../schemas/notices';
import { versionInForce } from '../../catalog';
import type { Clock } from '../../shared/domain/clock';
import { sameCode } from './checkCode';
import { DomainError } from '../../shared/domain/errors';
import { checkCode as newCheckCode, documentNumber, isDocumentNumber } from '../../shared/domain/ids';
import type { Principal } from '../../shared/domain/principal';
import type { FeeVersions, LookupLimiter, NoticeRecord, NoticeStore } from '../ports';
import { maskPayer } from './masking';

/**
 * Payment notices (缴款通知书). Invariants:
 * - a department charges only its own fee items (no 搭车收费), priced by the system from the version
 *   in force on the issue date and pinned on the line; callers never supply a price;
 * - payer identity lives only in the Notices table and is masked in every view except the issuing
 *   department's, the window clerk's and finance's;
 * - a payer finds a notice only with its random check code; a wrong code looks exactly like a missing
 *   notice, and look-ups are rate-limited per client;
 * - status moves issued → paid (payments context) or issued → cancelled, never back; an unpaid notice
 *   past its due date reads as expired.
 */

export const DEFAULT_DUE_DAYS = 30;
const STAFF_ROLES = ['department', 'clerk', 'finance'] as const;

export function statusOn(n: Pick<NoticeRecord, 'status' | 'dueDate'>, today: string): NoticeStatus {
  return n.status === 'issued' && n.dueDate < today ? 'expired' : n.status;
}

const minDate = (a: string, b: string) => (a < b ? a : b);

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Full view: everything, with the derived status. */
export function fullView(n: NoticeRecord, today: string): NoticeView {
  return { ...n, status: statusOn(n, today) };
}

/** Payer view: masked identity and no check code (the payer already has it). */
export function payerView(n: NoticeRecord, today: string): NoticeView {
  const { checkCode: _c, cancelReason: _r, ...rest } = n;
  return { ...rest, payer: maskPayer(n.payer), status: statusOn(n, today) };
}

export function priceLine(version: FeeItem, quantity: number): NoticeLine {
  const unitAmount = version.pricing.kind === 'fixed' ? version.pricing.amount : version.pricing.unitAmount;
  const amount = unitAmount * quantity;
  if (!Number.isSafeInteger(amount))
    throw new DomainError('validation-failed', 'quantity too large', [{ path: 'quantity', message: 'too large' }]);
  return { feeCode: version.code, feeVersion: version.version, name: version.name, quantity, unitAmount, amount };
}

export class Notices {
  constructor(
    private readonly store: NoticeStore,
    private readonly feeVersions: FeeVersions,
    private readonly limiter: LookupLimiter,
    private readonly clock: Clock,
  ) {}

  private today(): string {
    return this.clock.today();
  }

  async issue(principal: Principal, input: IssueNotice): Promise<NoticeView> {
    const dept = principal.dept;
    if (principal.role !== 'department' || !dept)
      throw new DomainError('forbidden', 'Only a department issues notices');
    const today = this.today();
    const dueDate = input.dueDate ?? addDays(today, DEFAULT_DUE_DAYS);
    if (dueDate < today)
      throw new DomainError('validation-failed', 'dueDate lies in the past', [
        { path: 'dueDate', message: `must not be before ${today}` },
      ]);

    const lines: NoticeLine[] = [];
    const codes = [...new Set(input.lines.map((l) => l.feeCode))];
    const versionsOf = new Map(await Promise.all(codes.map(async (c) => [c, await this.feeVersions(c)] as const)));
    for (const [i, line] of input.lines.entries()) {
      const versions = versionsOf.get(line.feeCode) ?? [];
      const path = `lines.${i}.feeCode`;
      // The detail names the field, never the value: a mistyped field may hold anything, an ID number included.
      if (versions.length === 0)
        throw new DomainError('fee-item-unknown', `${path} names no fee item`, [{ path, message: 'unknown fee item' }]);
      // Ownership first: another department's item is refused even when it is not in force.
      if (versions.some((v) => v.departmentId !== dept))
        throw new DomainError('fee-item-other-department', `${path} names a fee item of another department`, [
          { path, message: 'fee item of another department' },
        ]);
      const version = versionInForce(versions, today);
      if (!version)
        throw new DomainError('fee-item-unknown', `${path} names a fee item not in force on ${today}`, [
          { path, message: 'not in force' },
        ]);
      lines.push(priceLine(version, line.quantity ?? 1));
    }
    const total = lines.reduce((s, l) => s + l.amount, 0);
    if (!Number.isSafeInteger(total) || total > 1_000_000_000_000)
      throw new DomainError('validation-failed', 'The notice total is too large', [
        { path: 'lines', message: 'total too large' },
      ]);

    const issuedAt = this.clock.now().toISOString();
    for (let attempt = 0; attempt < 5; attempt++) {
      const notice: NoticeRecord = {
        noticeNo: documentNumber(today),
        checkCode: newCheckCode(),
        departmentId: dept,
        payer: input.payer,
        lines,
        total,
        currency: 'CNY',
        status: 'issued',
        issuedAt,
        dueDate,
      };
      if (await this.store.create(notice)) return fullView(notice, today);
    }
    throw new DomainError('concurrent-update', 'Could not allocate a notice number; retry');
  }

  /**
   * The look-up. With a check code (or as an anonymous caller) it is the payer's look-up: rate-limited
   * per client, and a malformed number, a missing notice and a wrong code all answer the same 404.
   * Staff without a code get the full view (a department only of its own notices).
   */
  async view(principal: Principal, noticeNo: string, code: string | undefined, client: string): Promise<NoticeView> {
    const today = this.today();
    if (principal.role === 'anonymous' || code !== undefined) {
      await this.limiter(client);
      const n = isDocumentNumber(noticeNo) ? await this.store.get(noticeNo) : undefined;
      if (!n || code === undefined || !sameCode(code, n.checkCode)) throw notFound();
      return payerView(n, today);
    }
    if (!(STAFF_ROLES as readonly string[]).includes(principal.role)) throw new DomainError('forbidden');
    const n = isDocumentNumber(noticeNo) ? await this.store.get(noticeNo) : undefined;
    if (!n) throw notFound();
    if (principal.role === 'department' && n.departmentId !== principal.dept)
      throw new DomainError('forbidden', 'The notice belongs to another department');
    return fullView(n, today);
  }

  async list(
    principal: Principal,
    q: {
      status?: NoticeStatus;
      from?: string;
      to?: string;
      department?: string;
      limit?: number;
      after?: Record<string, unknown>;
    },
  ): Promise<{ items: NoticeView[]; next?: Record<string, unknown> }> {
    let departmentId = q.department;
    if (principal.role === 'department') {
      if (departmentId && departmentId !== principal.dept)
        throw new DomainError('forbidden', 'A department lists only its own notices');
      departmentId = principal.dept;
    } else if (principal.role !== 'finance') throw new DomainError('forbidden');
    const today = this.today();
    const to = q.to ?? (q.from ? minDate(addDays(q.from, 366), today) : today);
    const from = q.from ?? addDays(to, -90);
    const limit = q.limit ?? 50;
    const items: NoticeView[] = [];
    let after = q.after;
    // The status is partly derived (expired), so it is filtered here; pages continue from the last
    // item examined, so a filtered-out item is never revisited and none is skipped.
    do {
      const page = await this.store.list({ departmentId, from, to, limit: limit - items.length, after });
      for (const n of page.items) {
        const v = fullView(n, today);
        if (!q.status || v.status === q.status) items.push(v);
      }
      after = page.next;
    } while (after && items.length < limit);
    return { items, next: after };
  }

  async cancel(principal: Principal, noticeNo: string, reason: string): Promise<NoticeView> {
    const n = isDocumentNumber(noticeNo) ? await this.store.get(noticeNo) : undefined;
    if (!n) throw notFound();
    if (principal.role !== 'department' || n.departmentId !== principal.dept)
      throw new DomainError('forbidden', 'Only the issuing department cancels a notice');
    const at = this.clock.now().toISOString();
    if (n.status === 'issued' && (await this.store.cancel(noticeNo, at, reason, n)))
      return fullView({ ...n, status: 'cancelled', cancelledAt: at, cancelReason: reason }, this.today());
    const current = (await this.store.get(noticeNo)) ?? n;
    if (current.status === 'paid')
      throw new DomainError('notice-already-paid', 'The notice is paid; a refund goes through finance');
    if (current.status === 'issued')
      throw new DomainError(
        'notice-payment-pending',
        'An online payment order holds the notice; cancel it after the order ends',
      );
    throw new DomainError('notice-cancelled', 'The notice is already cancelled');
  }
}

export const notFound = () => new DomainError('not-found', 'No notice with this number and check code');
