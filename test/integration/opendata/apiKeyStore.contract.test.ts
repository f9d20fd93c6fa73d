import { ApiKeysTable } from '../../../functions/opendata/adapters/apiKeysTable';
import { documentClient, tableName } from '../../../functions/shared/wiring';
import { describeApiKeyStoreContract } from '../../contracts/apiKeyStore.contract';

describeApiKeyStoreContract(
  'DynamoDB (OpenData table)',
  () => new ApiKeysTable(documentClient(), tableName('OpenData')),
);
