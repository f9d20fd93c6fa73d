import { AggregatesTable } from '../../../functions/opendata/adapters/aggregatesTable';
import { documentClient, tableName } from '../../../functions/shared/wiring';
import { describeAggregateStoreContract } from '../../contracts/aggregateStore.contract';

describeAggregateStoreContract(
  'DynamoDB (OpenData table)',
  () => new AggregatesTable(documentClient(), tableName('OpenData')),
);
