/**
 * Splits a refund over the payment's lines in proportion to what each line still holds, in integer
 * fen with the largest-remainder method (ties to the earlier line). Because the base is what remains,
 * no line is ever refunded more than it was paid, whatever the sequence of partial refunds.
 */
export function splitRefund(amount: number, remaining: readonly number[]): number[] {
  const total = remaining.reduce((s, r) => s + r, 0);
  if (amount > total) throw new Error('refund larger than what remains');
  if (total === 0) return remaining.map(() => 0);
  const a = BigInt(amount);
  const t = BigInt(total);
  const shares = remaining.map((r) => Number((BigInt(r) * a) / t));
  const remainders = remaining.map((r, i) => ({ i, rem: (BigInt(r) * a) % t }));
  let left = amount - shares.reduce((s, x) => s + x, 0);
  remainders.sort((x, y) => (x.rem === y.rem ? x.i - y.i : x.rem > y.rem ? -1 : 1));
  for (const { i, rem } of remainders) {
    if (left === 0 || rem === 0n) break;
    shares[i]! += 1;
    left--;
  }
  return shares;
}
