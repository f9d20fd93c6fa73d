import { describeFinanceStoresContract } from '../../contracts/financeStores.contract';
import { MemoryBooks } from './memoryBooks';

describeFinanceStoresContract('MemoryBooks', () => {
  const books = new MemoryBooks();
  return { statements: books, runs: books, budget: books, journal: books };
});
