import { describeWebhookStoreContract } from '../../contracts/webhookStore.contract';
import { MemoryWebhookStore } from './memoryStore';

describeWebhookStoreContract('in memory', () => new MemoryWebhookStore());
