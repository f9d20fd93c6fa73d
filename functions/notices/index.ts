/**
 * The notices context's published interface: what a stored notice is and the status it has on a
 * date, and how a payer's name is masked. The payments context reads notices through these and
 * flips them to paid through ./adapters/index.ts inside its own transaction.
 */
export { statusOn } from './domain/notices';
export type { NoticeRecord } from './ports';
export { maskName } from './domain/masking';
export { noticePending, sameCode } from './domain/checkCode';
