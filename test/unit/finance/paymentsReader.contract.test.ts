import { describePaymentsReaderContract } from '../../contracts/paymentsReader.contract';
import { refundTransaction } from './dayFixtures';
import { MemoryBooks } from './memoryBooks';

describePaymentsReaderContract('MemoryBooks', () => {
  const books = new MemoryBooks();
  return {
    reader: books,
    seedPayments: async (payments) => {
      books.payments.push(...payments);
    },
    seedRefund: (p, refundId, amount, date) =>
      books.refund(p, refundId, amount, date, refundTransaction(p, refundId, amount, date)),
  };
});
