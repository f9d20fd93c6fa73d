import { idempotencyTable } from '../../../functions/shared/wiring';
import { describeIdempotencyStoreContract } from '../../contracts/idempotencyStore.contract';

describeIdempotencyStoreContract('IdempotencyTable on DynamoDB Local', () => idempotencyTable());
