/**
 * The principal index: for each principal (a user, a group, public) the documents routed to it,
 * ordered by sequence, so a user's `_changes` merges a few short lists from `since` instead of
 * scanning the database (the channel index of Couchbase Sync Gateway, in miniature).
 *
 * - per document (a slot): its last indexed sequence and its leaves, each with its principals.
 * - one `SeqList` per principal: (seq, slot) pairs appended in increasing seq order. When a
 *   document moves to a new sequence its old pairs become stale (the doc's seq no longer
 *   matches); lists compact themselves when half stale.
 *
 * Compact: a server holds one entry per document of each database, so the entries live mostly
 * outside the JavaScript heap (whose size V8 keeps at a multiple of what lives in it). A document
 * is a slot: its sequence, and for the common case (one leaf with a CouchDB revision `N-<32 hex>`)
 * the revision's generation and hash, its flags and its principal set, in typed arrays; principal
 * sets are interned (one frozen array per distinct set); the lists hold slots in typed arrays. The
 * heap keeps the id (the key of the id → slot map). Other documents (conflicts, other revision
 * forms) keep their leaves as objects. `docs.get(id)` answers a fresh copy of an entry: the
 * `v` mark of a leaf is set with `verify`, never by writing the copy.
 *
 * It is fed by the database's own change feed (see database.ts), in order. It can be saved to
 * a file and loaded back (snapshot), or rebuilt from the feed.
 */

export interface LeafEntry {
  rev: string;
  deleted: boolean;
  /** Principals of this revision (inherited for a tombstone without ACL keys). Shared: never modify. */
  p: readonly string[];
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

/** A growable typed array. */
function grow<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = Math.max(16, a.length);
  while (n < need) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

class SeqList {
  seqs = new Float64Array(8);
  slots = new Int32Array(8);
  length = 0;
  stale = 0;

  push(seq: number, slot: number): void {
    if (this.length === this.seqs.length) {
      this.seqs = grow(this.seqs, this.length + 1);
      this.slots = grow(this.slots, this.length + 1);
    }
    this.seqs[this.length] = seq;
    this.slots[this.length++] = slot;
  }

  /** First position whose seq is greater than `since`. */
  after(since: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid]! <= since) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds a pair at its place in sequence order (a correction, not a new change). */
  insert(seq: number, slot: number): void {
    const at = this.after(seq);
    for (let i = at - 1; i >= 0 && this.seqs[i] === seq; i--) if (this.slots[i] === slot) return;
    this.push(0, 0);
    this.seqs.copyWithin(at + 1, at, this.length - 1);
    this.slots.copyWithin(at + 1, at, this.length - 1);
    this.seqs[at] = seq;
    this.slots[at] = slot;
  }

  /** Drops a pair (a correction). */
  remove(seq: number, slot: number): void {
    for (let i = this.after(seq) - 1; i >= 0 && this.seqs[i] === seq; i--) {
      if (this.slots[i] === slot) {
        this.seqs.copyWithin(i, i + 1, this.length);
        this.slots.copyWithin(i, i + 1, this.length);
        this.length--;
      }
    }
  }

  compact(current: (slot: number) => number): void {
    let k = 0;
    for (let i = 0; i < this.length; i++) {
      const slot = this.slots[i]!;
      if (current(slot) === this.seqs[i]) {
        this.seqs[k] = this.seqs[i]!;
        this.slots[k++] = slot;
      }
    }
    this.length = k;
    this.stale = 0;
    if (this.seqs.length > 64 && k * 4 < this.seqs.length) {
      this.seqs = this.seqs.slice(0, Math.max(16, k * 2));
      this.slots = this.slots.slice(0, Math.max(16, k * 2));
    }
  }
}

export interface FeedEntry {
  seq: number;
  id: string;
  entry: DocEntry;
}

/** Flags of a slot. */
const DELETED = 1;
const VERIFIED = 2;
/** Its leaves are objects in `others` (several leaves, or a revision of another form). */
const OTHER = 4;

const REV = /^([1-9]\d{0,8})-([0-9a-f]{32})$/;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export class PrincipalIndex {
  private readonly slotOf = new Map<string, number>();
  private ids: string[] = [];
  private seqs = new Float64Array(0);
  private gens = new Int32Array(0);
  private hashes = new Uint8Array(0);
  private psets = new Uint32Array(0);
  private flags = new Uint8Array(0);
  private readonly others = new Map<number, LeafEntry[]>();
  /** Interned principal sets: key → index in `sets`. */
  private readonly setKeys = new Map<string, number>();
  private readonly sets: (readonly string[])[] = [];
  private readonly lists = new Map<string, SeqList>();
  /** Highest sequence applied. */
  lastSeq = 0;
  /** Bumped on every change (cache key for counts). */
  version = 0;
  private readonly listeners = new Set<(principals: ReadonlySet<string>, seq: number) => void>();

  /** Read access by id (entries are copies). */
  readonly docs: {
    get(id: string): DocEntry | undefined;
    has(id: string): boolean;
    clear(): void;
    readonly size: number;
  };

  constructor() {
    const slotOf = this.slotOf;
    this.docs = {
      get: (id) => {
        const slot = slotOf.get(id);
        return slot === undefined ? undefined : this.entryAt(slot);
      },
      has: (id) => slotOf.has(id),
      clear: () => this.clear(),
      get size() {
        return slotOf.size;
      },
    };
  }

  private clear(): void {
    this.slotOf.clear();
    this.ids = [];
    this.others.clear();
    this.lists.clear();
    this.seqs = new Float64Array(0);
    this.gens = new Int32Array(0);
    this.hashes = new Uint8Array(0);
    this.psets = new Uint32Array(0);
    this.flags = new Uint8Array(0);
  }

  private intern(p: readonly string[]): number {
    const key = p.join("\u0000");
    let k = this.setKeys.get(key);
    if (k === undefined) {
      k = this.sets.length;
      this.sets.push(Object.freeze([...p]));
      this.setKeys.set(key, k);
    }
    return k;
  }

  private slotFor(id: string): number {
    let slot = this.slotOf.get(id);
    if (slot !== undefined) return slot;
    slot = this.ids.length;
    this.ids.push(id);
    this.slotOf.set(id, slot);
    const n = slot + 1;
    if (n > this.seqs.length) {
      this.seqs = grow(this.seqs, n);
      const cap = this.seqs.length;
      this.gens = grow(this.gens, cap);
      this.hashes = grow(this.hashes, cap * 16);
      this.psets = grow(this.psets, cap);
      this.flags = grow(this.flags, cap);
    }
    return slot;
  }

  private store(slot: number, seq: number, leaves: readonly LeafEntry[]): void {
    this.seqs[slot] = seq;
    const m = leaves.length === 1 ? REV.exec(leaves[0]!.rev) : null;
    if (m) {
      const l = leaves[0]!;
      this.others.delete(slot);
      this.gens[slot] = Number(m[1]);
      const h = m[2]!;
      for (let i = 0; i < 16; i++) this.hashes[slot * 16 + i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
      this.psets[slot] = this.intern(l.p);
      this.flags[slot] = (l.deleted ? DELETED : 0) | (l.v === true ? VERIFIED : 0);
    } else {
      this.flags[slot] = OTHER;
      this.others.set(
        slot,
        leaves.map((l) => ({ rev: l.rev, deleted: l.deleted, p: this.sets[this.intern(l.p)]!, v: l.v === true })),
      );
    }
  }

  private revAt(slot: number): string {
    let s = `${this.gens[slot]}-`;
    const o = slot * 16;
    for (let i = 0; i < 16; i++) s += HEX[this.hashes[o + i]!];
    return s;
  }

  private entryAt(slot: number): DocEntry {
    const f = this.flags[slot]!;
    const seq = this.seqs[slot]!;
    if (f & OTHER) return { seq, leaves: this.others.get(slot)!.map((l) => ({ ...l })) };
    return {
      seq,
      leaves: [
        {
          rev: this.revAt(slot),
          deleted: (f & DELETED) !== 0,
          p: this.sets[this.psets[slot]!]!,
          v: (f & VERIFIED) !== 0,
        },
      ],
    };
  }

  /** The principals a slot is routed to. */
  private principalsAt(slot: number): Set<string> {
    if (!(this.flags[slot]! & OTHER)) return new Set(this.sets[this.psets[slot]!]);
    const s = new Set<string>();
    for (const l of this.others.get(slot)!) for (const p of l.p) s.add(p);
    return s;
  }

  private readonly seqOf = (slot: number) => this.seqs[slot]!;

  private listOf(p: string): SeqList {
    let l = this.lists.get(p);
    if (!l) this.lists.set(p, (l = new SeqList()));
    return l;
  }

  /** Replaces what the index knows of a document (seq must grow). */
  apply(id: string, seq: number, leaves: LeafEntry[]): void {
    const had = this.slotOf.get(id);
    // A change read again (the feed resumed before it): the entry already holds it, or newer.
    if (had !== undefined && seq <= this.seqs[had]!) return;
    const before = had !== undefined ? this.principalsAt(had) : undefined;
    if (before) {
      for (const p of before) {
        const l = this.lists.get(p);
        if (l) l.stale++;
      }
    }
    const slot = had ?? this.slotFor(id);
    this.store(slot, seq, leaves);
    const ps = this.principalsAt(slot);
    for (const p of ps) this.listOf(p).push(seq, slot);
    // Compaction of the old lists needs the new entry in place (stale = seq mismatch).
    if (before) {
      for (const p of before) {
        const l = this.lists.get(p);
        if (l && l.stale > 64 && l.stale * 2 > l.length) l.compact(this.seqOf);
      }
    }
    if (seq > this.lastSeq) this.lastSeq = seq;
    this.version++;
    if (this.listeners.size) {
      const all = new Set(ps);
      if (before) for (const p of before) all.add(p);
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
    const slot = this.slotOf.get(id);
    if (slot === undefined || this.seqs[slot] !== seq) return false;
    const before = this.principalsAt(slot);
    this.store(slot, seq, leaves);
    const after = this.principalsAt(slot);
    const touched = new Set<string>();
    for (const p of after) {
      if (before.has(p)) continue;
      this.listOf(p).insert(seq, slot);
      touched.add(p);
    }
    for (const p of before) {
      if (after.has(p)) continue;
      this.lists.get(p)?.remove(seq, slot);
      touched.add(p);
    }
    this.version++;
    if (touched.size) for (const l of this.listeners) l(touched, seq);
    return true;
  }

  /**
   * Marks a leaf as confirmed against the database (its principals computed in this process from
   * the revision's body): when the document still has that leaf with exactly those principals.
   */
  verify(id: string, rev: string, p: readonly string[]): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    const same = (a: readonly string[]) => a.length === p.length && a.every((x) => p.includes(x));
    if (this.flags[slot]! & OTHER) {
      for (const l of this.others.get(slot)!) if (l.rev === rev && same(l.p)) l.v = true;
    } else if (this.revAt(slot) === rev && same(this.sets[this.psets[slot]!]!)) {
      this.flags[slot] = this.flags[slot]! | VERIFIED;
    }
  }

  /** Whether `rev` is a current leaf of the document (without copying its entry). */
  hasLeaf(id: string, rev: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    if (this.flags[slot]! & OTHER) return this.others.get(slot)!.some((l) => l.rev === rev);
    return this.revAt(slot) === rev;
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
      if (!list || list.length === 0) continue;
      const first = list.after(since);
      if (descending) {
        if (list.length - 1 >= first) heads.push({ list, pos: list.length - 1, stop: first });
      } else if (first < list.length) {
        heads.push({ list, pos: first, stop: list.length });
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
      const slot = h.list.slots[h.pos]!;
      if (descending ? --h.pos < h.stop : ++h.pos >= h.stop) heads.splice(best, 1);
      if (seq === lastEmitted) continue; // the same document through another principal
      if (this.seqs[slot] !== seq) continue; // stale: the document moved on
      lastEmitted = seq;
      const e = { seq, id: this.ids[slot]!, entry: this.entryAt(slot) };
      if (accept(e)) out.push(e);
    }
    return out;
  }

  /** Every live document routed to one of `principals` (unordered). */
  *documentsOf(principals: Iterable<string>): Generator<[string, DocEntry]> {
    const seen = new Set<number>();
    for (const p of principals) {
      const list = this.lists.get(p);
      if (!list) continue;
      for (let i = 0; i < list.length; i++) {
        const slot = list.slots[i]!;
        if (seen.has(slot) || this.seqs[slot] !== list.seqs[i]) continue;
        seen.add(slot);
        yield [this.ids[slot]!, this.entryAt(slot)];
      }
    }
  }

  /** How many entries a principal's list holds (live and stale), for diagnostics. */
  listSize(p: string): number {
    return this.lists.get(p)?.length ?? 0;
  }

  /** A compact serialisable form: [id, seq, [rev, deleted(0|1), ...principals][]][]. */
  toJSON(): unknown[] {
    const out: unknown[] = [];
    for (const [id, slot] of this.slotOf) {
      const e = this.entryAt(slot);
      out.push([id, e.seq, e.leaves.map((l) => [l.rev, l.deleted ? 1 : 0, ...l.p])]);
    }
    return out;
  }

  /** Loads a form written by toJSON (the index must be empty). Throws on a malformed form. */
  load(rows: unknown): void {
    if (!Array.isArray(rows)) throw new Error("index snapshot: not an array");
    const entries: [string, number, LeafEntry[]][] = [];
    for (const r of rows) {
      if (!Array.isArray(r) || typeof r[0] !== "string" || typeof r[1] !== "number" || !Array.isArray(r[2])) {
        throw new Error("index snapshot: malformed row");
      }
      const leaves: LeafEntry[] = (r[2] as unknown[]).map((l) => {
        if (!Array.isArray(l) || typeof l[0] !== "string") throw new Error("index snapshot: malformed leaf");
        return { rev: l[0], deleted: l[1] === 1, p: (l.slice(2) as unknown[]).map(String), v: false };
      });
      entries.push([r[0], r[1], leaves]);
    }
    entries.sort((a, b) => a[1] - b[1]);
    for (const [id, seq, leaves] of entries) {
      const slot = this.slotFor(id);
      this.store(slot, seq, leaves);
      for (const p of this.principalsAt(slot)) this.listOf(p).push(seq, slot);
      if (seq > this.lastSeq) this.lastSeq = seq;
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
