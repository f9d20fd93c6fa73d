import { PublicationJobsTable } from '../../../functions/opendata/adapters/publicationJobsTable';
import { documentClient, tableName } from '../../../functions/shared/wiring';
import { describePublicationJobStoreContract } from '../../contracts/publicationJobStore.contract';

describePublicationJobStoreContract(
  'DynamoDB (OpenData table)',
  () => new PublicationJobsTable(documentClient(), tableName('OpenData')),
);
