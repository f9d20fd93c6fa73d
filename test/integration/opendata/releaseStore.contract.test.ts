import { ReleasesTable } from '../../../functions/opendata/adapters/releasesTable';
import { documentClient, tableName } from '../../../functions/shared/wiring';
import { describeReleaseStoreContract } from '../../contracts/releaseStore.contract';

describeReleaseStoreContract(
  'DynamoDB (OpenData table)',
  () => new ReleasesTable(documentClient(), tableName('OpenData')),
);
