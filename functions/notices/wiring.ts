import { CatalogTable } from '../catalog/adapters';
import { config } from '../shared/config';
import { cursorSealing, documentClient, rateLimitTable, tableName, theClock } from '../shared/wiring';
import { WebhookOutbox } from '../webhooks/adapters';
import { NoticesTable } from './adapters/noticesTable';
import { Notices } from './domain/notices';

/** The notices context's composition root: its table, the catalog's read side and the look-up limiter. */
export const noticesTable = () =>
  new NoticesTable(documentClient(), tableName('Notices'), new WebhookOutbox(tableName('Webhooks')));

/** Payer look-ups per client (source IP) per minute; `NOTICE_LOOKUP_LIMIT` overrides. Read per call, so a reload applies. */
const lookupLimit = () => config().limits.noticeLookup;

export function noticesContext() {
  const catalog = new CatalogTable(documentClient(), tableName('Catalog'));
  const rateLimits = rateLimitTable();
  const notices = new Notices(
    noticesTable(),
    (code) => catalog.listVersions(code),
    (client) => rateLimits.enforce({ scope: 'notice-lookup', client, limit: lookupLimit(), windowSeconds: 60 }),
    theClock(),
  );
  return { notices, cursors: cursorSealing };
}
