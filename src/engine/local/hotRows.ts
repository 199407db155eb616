// The reader's index of the rows the writer has not merged into message_seqs yet (seqMerge.ts): each customer's
// hot seqs and the rows holding them, in order. Fed by the writer's append results, read at open from the rows
// above the watermark, and pruned once the writer reports a merge committed. Between that commit and the report
// a row is found both here and in message_seqs, so readers take each seq once (mergeBySeq).

/** A row a customer's read found: its seq, and either the row itself (merged) or its id (hot) to fetch. */
export interface SeqRow {
  seq: number;
  id: number;
}

interface CustomerRows {
  seqs: number[];
  ids: number[];
}

export class HotRows {
  private readonly byCustomer = new Map<string, CustomerRows>();

  /** A row stored after every row already here (the writer hands out ids and seqs in order). */
  add(customerId: string, seq: number, id: number): void {
    let rows = this.byCustomer.get(customerId);
    if (!rows) this.byCustomer.set(customerId, (rows = { seqs: [], ids: [] }));
    rows.seqs.push(seq);
    rows.ids.push(id);
  }

  clear(): void {
    this.byCustomer.clear();
  }

  /** The writer merged every row up to `upto` (messages.id) and committed: they are found in message_seqs now. */
  prune(upto: number): void {
    for (const [customerId, rows] of this.byCustomer) {
      let keep = 0;
      while (keep < rows.ids.length && rows.ids[keep]! <= upto) keep++;
      if (keep === rows.ids.length) this.byCustomer.delete(customerId);
      else if (keep > 0) {
        rows.seqs.splice(0, keep);
        rows.ids.splice(0, keep);
      }
    }
  }

  /** Up to `limit` of the customer's hot rows after `afterSeq`, oldest first. */
  since(customerId: string, afterSeq: number, limit: number): SeqRow[] {
    const rows = this.byCustomer.get(customerId);
    const out: SeqRow[] = [];
    if (!rows) return out;
    for (let i = 0; i < rows.seqs.length && out.length < limit; i++) {
      if (rows.seqs[i]! > afterSeq) out.push({ seq: rows.seqs[i]!, id: rows.ids[i]! });
    }
    return out;
  }

  /** Up to `limit` of the customer's hot rows before `beforeSeq`, newest first. */
  before(customerId: string, beforeSeq: number, limit: number): SeqRow[] {
    const rows = this.byCustomer.get(customerId);
    const out: SeqRow[] = [];
    if (!rows) return out;
    for (let i = rows.seqs.length - 1; i >= 0 && out.length < limit; i--) {
      if (rows.seqs[i]! < beforeSeq) out.push({ seq: rows.seqs[i]!, id: rows.ids[i]! });
    }
    return out;
  }

  /** The customer's newest hot seq, 0 when it has none. */
  newest(customerId: string): number {
    const rows = this.byCustomer.get(customerId);
    return rows ? rows.seqs[rows.seqs.length - 1]! : 0;
  }
}

/**
 * The first `limit` of two lists each ordered by seq (ascending, or descending with `descending`), each seq once:
 * a row merged while the read ran is in both.
 */
export function mergeBySeq<T extends { seq: number }>(a: T[], b: T[], limit: number, descending = false): T[] {
  const out: T[] = [];
  const before = (x: T, y: T) => (descending ? x.seq > y.seq : x.seq < y.seq);
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < a.length || j < b.length)) {
    let next: T;
    if (j >= b.length || (i < a.length && !before(b[j]!, a[i]!))) next = a[i++]!;
    else next = b[j++]!;
    if (out.length === 0 || out[out.length - 1]!.seq !== next.seq) out.push(next);
  }
  return out;
}
