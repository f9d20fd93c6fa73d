import { documentClient, tableName } from '../../../functions/shared/wiring';
import { WebhooksTable } from '../../../functions/webhooks/adapters/webhooksTable';
import { describeWebhookStoreContract } from '../../contracts/webhookStore.contract';

describeWebhookStoreContract(
  'DynamoDB (Webhooks table)',
  () => new WebhooksTable(documentClient(), tableName('Webhooks')),
);
