/**
 * The principal index: for each principal (a user, a group, public) the documents routed to it,
 * ordered by sequence, so a user's `_changes` merges a few short lists from `since` instead of
 * scanning the database (the channel index of Couchbase Sync Gateway, in miniature).
 *
 * - `docs`: id → the document's last indexed sequence and its leaves, each with its principals.
 * - one `SeqList` per principal: (seq, id) pairs appended in increasing seq order. When a
 *   document moves to a new sequence its old pairs become stale (the doc's seq no longer
 *   matches); lists compact themselves when half stale.
 *
 * It is fed by the database's own change feed (see database.ts), in order. It can be saved to
 * a file and loaded back (snapshot), or rebuilt from the feed.
 */

export interface LeafEntry {
  rev: string;
  deleted: boolean;
  /** Principals of this revision (inherited for a tombstone without ACL keys). */
  p: string[];
  /**
   * True when this process computed `p` from the revision's body read from the database (the
   * change feed, a check): a row may name the leaf on its word. Otherwise (loaded from a
   * snapshot file) the leaf is checked against the database first (confirm.ts). Not saved.
   */
  v?: boolean;
}

export interface DocEntry {
  seq: number;
  leaves: LeafEntry[];
}

class SeqList {
  seqs: number[] = [];
  ids: string[] = [];
  stale = 0;

  push(seq: number, id: string): void {
    this.seqs.push(seq);
    this.ids.push(id);
  }

  /** First position whose seq is greater than `since`. */
  after(since: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid]! <= since) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds a pair at its place in sequence order (a correction, not a new change). */
  insert(seq: number, id: string): void {
    const at = this.after(seq);
    for (let i = at - 1; i >= 0 && this.seqs[i] === seq; i--) if (this.ids[i] === id) return;
    this.seqs.splice(at, 0, seq);
    this.ids.splice(at, 0, id);
  }

  /** Drops a pair (a correction). */
  remove(seq: number, id: string): void {
    for (let i = this.after(seq) - 1; i >= 0 && this.seqs[i] === seq; i--) {
      if (this.ids[i] === id) {
        this.seqs.splice(i, 1);
        this.ids.splice(i, 1);
      }
    }
  }

  compact(docs: Map<string, DocEntry>): void {
    const seqs: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < this.seqs.length; i++) {
      const id = this.ids[i]!;
      if (docs.get(id)?.seq === this.seqs[i]) {
        seqs.push(this.seqs[i]!);
        ids.push(id);
      }
    }
    this.seqs = seqs;
    this.ids = ids;
    this.stale = 0;
  }
}

export interface FeedEntry {
  seq: number;
  id: string;
  entry: DocEntry;
}

export class PrincipalIndex {
  readonly docs = new Map<string, DocEntry>();
  private readonly lists = new Map<string, SeqList>();
  /** Highest sequence applied. */
  lastSeq = 0;
  /** Bumped on every change (cache key for counts). */
  version = 0;
  private readonly listeners = new Set<(principals: ReadonlySet<string>, seq: number) => void>();

  /** Replaces what the index knows of a document (seq must grow). */
  apply(id: string, seq: number, leaves: LeafEntry[]): void {
    const old = this.docs.get(id);
    // A change read again (the feed resumed before it): the entry already holds it, or newer.
    if (old && seq <= old.seq) return;
    if (old) {
      for (const p of principalsOf(old)) {
        const l = this.lists.get(p);
        if (l) l.stale++;
      }
    }
    const entry: DocEntry = { seq, leaves };
    this.docs.set(id, entry);
    const ps = principalsOf(entry);
    for (const p of ps) {
      let l = this.lists.get(p);
      if (!l) this.lists.set(p, (l = new SeqList()));
      l.push(seq, id);
    }
    // Compaction of the old lists needs the new entry in place (stale = seq mismatch).
    if (old) {
      for (const p of principalsOf(old)) {
        const l = this.lists.get(p);
        if (l && l.stale > 64 && l.stale * 2 > l.seqs.length) l.compact(this.docs);
      }
    }
    if (seq > this.lastSeq) this.lastSeq = seq;
    this.version++;
    if (this.listeners.size) {
      const all = new Set(ps);
      if (old) for (const p of principalsOf(old)) all.add(p);
      for (const l of this.listeners) l(all, seq);
    }
  }

  /**
   * Replaces what the index knows of a document's leaves at the sequence it already has: a
   * correction read from the database, not a new change. Lists of principals the document gains
   * get it in sequence order, lists of principals it loses drop it. Does nothing (false) when the
   * document moved on since `seq` (a newer change of the feed knows better).
   */
  correct(id: string, seq: number, leaves: LeafEntry[]): boolean {
    const old = this.docs.get(id);
    if (!old || old.seq !== seq) return false;
    const entry: DocEntry = { seq, leaves };
    this.docs.set(id, entry);
    const before = principalsOf(old);
    const after = principalsOf(entry);
    const touched = new Set<string>();
    for (const p of after) {
      if (before.has(p)) continue;
      let l = this.lists.get(p);
      if (!l) this.lists.set(p, (l = new SeqList()));
      l.insert(seq, id);
      touched.add(p);
    }
    for (const p of before) {
      if (after.has(p)) continue;
      this.lists.get(p)?.remove(seq, id);
      touched.add(p);
    }
    this.version++;
    if (touched.size) for (const l of this.listeners) l(touched, seq);
    return true;
  }

  /** Moves the high-water mark without a document (design docs, skipped rows). */
  advance(seq: number): void {
    if (seq > this.lastSeq) {
      this.lastSeq = seq;
      this.version++;
    }
  }

  /** Called after each applied change with the principals it concerns. */
  onApply(listener: (principals: ReadonlySet<string>, seq: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The documents routed to any of `from` (principal → since), in sequence order, each once,
   * at most `limit` of them, or fewer when `accept` refuses some (then reading goes on).
   * Cost: the entries after `since` in those lists, not the database.
   */
  feed(
    from: ReadonlyMap<string, number>,
    limit: number,
    accept: (e: FeedEntry) => boolean = () => true,
    descending = false,
  ): FeedEntry[] {
    // Each head walks one list: up from `since` (ascending), or down to it (descending).
    const heads: { list: SeqList; pos: number; stop: number }[] = [];
    for (const [p, since] of from) {
      const list = this.lists.get(p);
      if (!list || list.seqs.length === 0) continue;
      const first = list.after(since);
      if (descending) {
        if (list.seqs.length - 1 >= first) heads.push({ list, pos: list.seqs.length - 1, stop: first });
      } else if (first < list.seqs.length) {
        heads.push({ list, pos: first, stop: list.seqs.length });
      }
    }
    const out: FeedEntry[] = [];
    let lastEmitted = descending ? Infinity : -1;
    while (out.length < limit && heads.length) {
      let best = 0;
      for (let k = 1; k < heads.length; k++) {
        const a = heads[k]!.list.seqs[heads[k]!.pos]!;
        const b = heads[best]!.list.seqs[heads[best]!.pos]!;
        if (descending ? a > b : a < b) best = k;
      }
      const h = heads[best]!;
      const seq = h.list.seqs[h.pos]!;
      const id = h.list.ids[h.pos]!;
      if (descending ? --h.pos < h.stop : ++h.pos >= h.stop) heads.splice(best, 1);
      if (seq === lastEmitted) continue; // the same document through another principal
      const entry = this.docs.get(id);
      if (!entry || entry.seq !== seq) continue; // stale: the document moved on
      lastEmitted = seq;
      const e = { seq, id, entry };
      if (accept(e)) out.push(e);
    }
    return out;
  }

  /** Every live document routed to one of `principals` (unordered). */
  *documentsOf(principals: Iterable<string>): Generator<[string, DocEntry]> {
    const seen = new Set<string>();
    for (const p of principals) {
      const list = this.lists.get(p);
      if (!list) continue;
      for (let i = 0; i < list.seqs.length; i++) {
        const id = list.ids[i]!;
        if (seen.has(id)) continue;
        const entry = this.docs.get(id);
        if (!entry || entry.seq !== list.seqs[i]) continue;
        seen.add(id);
        yield [id, entry];
      }
    }
  }

  /** How many entries a principal's list holds (live and stale), for diagnostics. */
  listSize(p: string): number {
    return this.lists.get(p)?.seqs.length ?? 0;
  }

  /** A compact serialisable form: [id, seq, [rev, deleted(0|1), ...principals][]][]. */
  toJSON(): unknown[] {
    const out: unknown[] = [];
    for (const [id, e] of this.docs) {
      out.push([id, e.seq, e.leaves.map((l) => [l.rev, l.deleted ? 1 : 0, ...l.p])]);
    }
    return out;
  }

  /** Loads a form written by toJSON (the index must be empty). Throws on a malformed form. */
  load(rows: unknown): void {
    if (!Array.isArray(rows)) throw new Error("index snapshot: not an array");
    const entries: [string, DocEntry][] = [];
    for (const r of rows) {
      if (!Array.isArray(r) || typeof r[0] !== "string" || typeof r[1] !== "number" || !Array.isArray(r[2])) {
        throw new Error("index snapshot: malformed row");
      }
      const leaves: LeafEntry[] = (r[2] as unknown[]).map((l) => {
        if (!Array.isArray(l) || typeof l[0] !== "string") throw new Error("index snapshot: malformed leaf");
        return { rev: l[0], deleted: l[1] === 1, p: (l.slice(2) as unknown[]).map(String), v: false };
      });
      entries.push([r[0], { seq: r[1], leaves }]);
    }
    entries.sort((a, b) => a[1].seq - b[1].seq);
    for (const [id, e] of entries) {
      this.docs.set(id, e);
      for (const p of principalsOf(e)) {
        let l = this.lists.get(p);
        if (!l) this.lists.set(p, (l = new SeqList()));
        l.push(e.seq, id);
      }
      if (e.seq > this.lastSeq) this.lastSeq = e.seq;
    }
    this.version++;
  }
}

/** The union of a document's leaves' principals. */
export function principalsOf(e: DocEntry): Set<string> {
  if (e.leaves.length === 1) return new Set(e.leaves[0]!.p);
  const s = new Set<string>();
  for (const l of e.leaves) for (const p of l.p) s.add(p);
  return s;
}
