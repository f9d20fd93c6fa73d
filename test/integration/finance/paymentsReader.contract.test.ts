import { PaymentsDayReader } from '../../../functions/payments/adapters';
import { documentClient, tableName } from '../../../functions/shared/wiring';
import { describePaymentsReaderContract } from '../../contracts/paymentsReader.contract';
import { seedPayments, seedRefund } from './seed';

describePaymentsReaderContract('DynamoDB', () => ({
  reader: new PaymentsDayReader(documentClient(), tableName('Payments')),
  seedPayments,
  seedRefund,
}));
