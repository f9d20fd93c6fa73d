import type { Row } from '../../../functions/opendata/domain/datasets';

/**
 * An attacker who holds every dataset of one release and tries to recover suppressed cells by
 * adding and subtracting published figures. Written independently of functions/opendata/domain/disclosure.ts:
 * it derives the relations from the published rows themselves, and decides solvability with
 * floating-point rank tests instead of exact row reduction.
 *
 * Relations it knows (true for the data, see ADR 0006):
 *   month m:        Σ daily-channel-volume(date in m) = Σ monthly-collections(m)   (paymentCount, amount)
 *   month m, dept d: notice-to-payment-time(m, d).count = Σ_fee monthly-collections(m, d).paymentCount
 * `knownZero` lets it also know which suppressed monthly cells hold no payment at all (refunds only):
 * the strongest attacker, who can drop those from the relations.
 */
export interface ReleaseRows {
  monthly: Row[];
  daily: Row[];
  notice: Row[];
}

interface Term {
  id: string;
  coef: number;
  value: number | null;
}

export interface AttackResult {
  /** Relations with exactly one unknown, and the value they give it. */
  singleUnknown: { relation: string; cell: string; value: number }[];
  /** Unknowns the whole linear system determines. */
  determined: string[];
  unknowns: number;
}

export function attack(rows: ReleaseRows, knownZero: ReadonlySet<string> = new Set()): AttackResult {
  const mcId = (r: Row) => `monthly-collections:${r.month}#${r.departmentId}#${r.feeCode}`;
  const relations: { name: string; block: string; terms: Term[] }[] = [];
  const months = new Set([
    ...rows.monthly.map((r) => String(r.month)),
    ...rows.daily.map((r) => String(r.date).slice(0, 7)),
  ]);
  for (const m of months) {
    const terms: Term[] = [];
    for (const r of rows.daily)
      if (String(r.date).startsWith(m))
        terms.push({
          id: `daily-channel-volume:${r.date}#${r.channel}`,
          coef: 1,
          value: r.paymentCount as number | null,
        });
    for (const r of rows.monthly)
      if (r.month === m && !knownZero.has(mcId(r)))
        terms.push({ id: mcId(r), coef: -1, value: r.paymentCount as number | null });
    relations.push({ name: `month ${m}`, block: m, terms });
  }
  for (const n of rows.notice) {
    const terms: Term[] = [
      { id: `notice-to-payment-time:${n.month}#${n.departmentId}`, coef: 1, value: n.count as number | null },
    ];
    for (const r of rows.monthly)
      if (r.month === n.month && r.departmentId === n.departmentId && !knownZero.has(mcId(r)))
        terms.push({ id: mcId(r), coef: -1, value: r.paymentCount as number | null });
    relations.push({ name: `department ${n.month} ${n.departmentId}`, block: String(n.month), terms });
  }

  const singleUnknown: AttackResult['singleUnknown'] = [];
  for (const rel of relations) {
    const unknown = rel.terms.filter((t) => t.value === null);
    if (unknown.length !== 1) continue;
    const known = rel.terms.reduce((s, t) => s + (t.value === null ? 0 : t.coef * t.value), 0);
    singleUnknown.push({ relation: rel.name, cell: unknown[0]!.id, value: -known / unknown[0]!.coef });
  }

  const determined: string[] = [];
  let unknowns = 0;
  for (const block of new Set(relations.map((r) => r.block))) {
    const rels = relations.filter((r) => r.block === block);
    const vars = [...new Set(rels.flatMap((r) => r.terms.filter((t) => t.value === null).map((t) => t.id)))];
    unknowns += vars.length;
    const index = new Map(vars.map((v, i) => [v, i]));
    const matrix = rels.map((r) => {
      const row = new Array<number>(vars.length).fill(0);
      for (const t of r.terms) if (t.value === null) row[index.get(t.id)!]! += t.coef;
      return row;
    });
    const base = rank(matrix);
    vars.forEach((v, i) => {
      const unit = new Array<number>(vars.length).fill(0);
      unit[i] = 1;
      if (rank([...matrix, unit]) === base) determined.push(v);
    });
  }
  return { singleUnknown, determined, unknowns };
}

/** Rank by Gaussian elimination with partial pivoting. */
export function rank(input: number[][]): number {
  const m = input.map((r) => [...r]);
  const cols = m[0]?.length ?? 0;
  let r = 0;
  for (let c = 0; c < cols && r < m.length; c++) {
    let p = r;
    for (let i = r + 1; i < m.length; i++) if (Math.abs(m[i]![c]!) > Math.abs(m[p]![c]!)) p = i;
    if (Math.abs(m[p]![c]!) < 1e-9) continue;
    [m[r], m[p]] = [m[p]!, m[r]!];
    for (let i = 0; i < m.length; i++) {
      if (i === r) continue;
      const f = m[i]![c]! / m[r]![c]!;
      if (f !== 0) for (let j = c; j < cols; j++) m[i]![j]! -= f * m[r]![j]!;
    }
    r++;
  }
  return r;
}
