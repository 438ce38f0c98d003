/**
 * Views of a project computed on the device (design §7.6): the map functions of the project's
 * FullSyncViews, given as functions (no eval), run over the documents of the device database.
 * The index keeps each document's rows; the owner (`fullsync.ts`) feeds it documents as they
 * change, and queries answer like CouchDB (`{total_rows, offset, rows}`), keys in CouchDB's
 * collation (PouchDB's: strings compared by code unit, not ICU).
 */

/** `emit(key, value)` as a map function sees it. */
export type Emit = (key: unknown, value?: unknown) => void;

/** One view of the project: its map function and its built-in reduce (custom reduces are deferred). */
export interface DeviceView {
  map: (doc: Record<string, unknown>, emit: Emit) => void;
  reduce?: "_count" | "_sum" | "_stats";
}

/** The query options of a view (CouchDB's names; `start_key`/`end_key` are accepted too). */
export interface ViewQuery {
  key?: unknown;
  keys?: unknown[];
  startkey?: unknown;
  endkey?: unknown;
  start_key?: unknown;
  end_key?: unknown;
  inclusive_end?: boolean;
  limit?: number;
  skip?: number;
  descending?: boolean;
  include_docs?: boolean;
  reduce?: boolean;
  group?: boolean;
  group_level?: number;
}

export interface ViewRow {
  id: string;
  key: unknown;
  value: unknown;
  doc?: Record<string, unknown> | null;
}

export interface ViewAnswer {
  total_rows: number;
  offset: number;
  rows: ViewRow[];
}

export interface ReducedAnswer {
  rows: { key: unknown; value: unknown }[];
}

/** A view query's error, CouchDB's way (`name` is CouchDB's error, `status` its HTTP status). */
export class ViewError extends Error {
  constructor(
    readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

// ---- collation -------------------------------------------------------------------------------

function typeRank(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === "boolean") return 1;
  if (typeof v === "number") return 2;
  if (typeof v === "string") return 3;
  if (Array.isArray(v)) return 4;
  return 5;
}

/** CouchDB's key order: null < false < true < numbers < strings < arrays < objects. */
export function collate(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a ? 1 : -1;
    case 2: {
      const d = (a as number) - (b as number);
      return d < 0 ? -1 : d > 0 ? 1 : 0;
    }
    case 3:
      return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
    case 4: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = collate(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length === 0 ? 0 : x.length < y.length ? -1 : 1;
    }
    default: {
      const x = Object.entries(a as Record<string, unknown>);
      const y = Object.entries(b as Record<string, unknown>);
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const [kx, vx] = x[i] as [string, unknown];
        const [ky, vy] = y[i] as [string, unknown];
        const c = collate(kx, ky) || collate(vx, vy);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
  }
}

// ---- reduce ----------------------------------------------------------------------------------

function sumValues(values: unknown[]): unknown {
  let total: number | number[] = 0;
  for (const v of values) {
    if (typeof v === "number") {
      if (Array.isArray(total)) total[0] = (total[0] ?? 0) + v;
      else total += v;
    } else if (Array.isArray(v) && v.every((n) => typeof n === "number")) {
      const arr: number[] = Array.isArray(total) ? total : [total];
      (v as number[]).forEach((n, i) => (arr[i] = (arr[i] ?? 0) + n));
      total = arr;
    } else {
      throw new ViewError(
        "invalid_value",
        `The _sum reduce takes numbers (or lists of numbers); a row has ${JSON.stringify(v) ?? "undefined"}`,
        500,
      );
    }
  }
  return total;
}

function statsValues(values: unknown[]): unknown {
  const stats = { sum: 0, count: 0, min: Infinity, max: -Infinity, sumsqr: 0 };
  for (const v of values) {
    if (typeof v !== "number") {
      throw new ViewError(
        "invalid_value",
        `The _stats reduce takes numbers; a row has ${JSON.stringify(v) ?? "undefined"}`,
        500,
      );
    }
    stats.sum += v;
    stats.count++;
    stats.min = Math.min(stats.min, v);
    stats.max = Math.max(stats.max, v);
    stats.sumsqr += v * v;
  }
  return stats;
}

function reduceValues(kind: NonNullable<DeviceView["reduce"]>, values: unknown[]): unknown {
  if (kind === "_count") return values.length;
  if (kind === "_sum") return sumValues(values);
  return statsValues(values);
}

// ---- the index -------------------------------------------------------------------------------

interface IndexedRow {
  id: string;
  key: unknown;
  value: unknown;
}

/** A plain copy of emitted data (the index never holds what a map function may change later). */
function copy(v: unknown): unknown {
  return v === undefined ? null : structuredClone(v);
}

/** The rows of one view over the documents fed to it. */
export class ViewIndex {
  private readonly byDoc = new Map<string, IndexedRow[]>();
  private sorted: IndexedRow[] | undefined;
  /** Map function errors (a document whose map throws gets no rows, as in CouchDB). */
  errors = 0;

  constructor(
    readonly name: string,
    private readonly view: DeviceView,
  ) {}

  /** Sets a document's rows from its current body; a deleted document (or undefined) has none. */
  update(id: string, doc: Record<string, unknown> | undefined): void {
    this.sorted = undefined;
    if (!doc || doc._deleted || id.startsWith("_design/")) {
      this.byDoc.delete(id);
      return;
    }
    const rows: IndexedRow[] = [];
    try {
      this.view.map(structuredClone(doc), (key, value) => {
        rows.push({ id, key: copy(key), value: copy(value) });
      });
    } catch {
      this.errors++;
      this.byDoc.delete(id);
      return;
    }
    if (rows.length) this.byDoc.set(id, rows);
    else this.byDoc.delete(id);
  }

  clear(): void {
    this.byDoc.clear();
    this.sorted = undefined;
  }

  /** Every row in key order (then document id), ascending. */
  rows(): IndexedRow[] {
    if (!this.sorted) {
      const all: IndexedRow[] = [];
      for (const rows of this.byDoc.values()) all.push(...rows);
      all.sort((a, b) => collate(a.key, b.key) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      this.sorted = all;
    }
    return this.sorted;
  }

  /**
   * Answers a query; `docs` reads the current bodies of the given ids (include_docs). A reduce
   * view reduces unless `reduce: false`.
   */
  async query(
    q: ViewQuery,
    docs: (ids: string[]) => Promise<Map<string, Record<string, unknown>>>,
  ): Promise<ViewAnswer | ReducedAnswer> {
    const all = this.rows();
    const descending = q.descending === true;
    const ordered = descending ? [...all].reverse() : all;
    const cmp = (a: unknown, b: unknown) => (descending ? -collate(a, b) : collate(a, b));
    const has = (k: keyof ViewQuery) => q[k] !== undefined;
    const startkey = has("startkey") ? q.startkey : q.start_key;
    const endkey = has("endkey") ? q.endkey : q.end_key;
    const hasStart = has("startkey") || has("start_key");
    const hasEnd = has("endkey") || has("end_key");
    const inclusiveEnd = q.inclusive_end !== false;

    let selected: IndexedRow[];
    let offset = 0;
    if (Array.isArray(q.keys)) {
      selected = [];
      for (const k of q.keys) for (const r of ordered) if (collate(r.key, k) === 0) selected.push(r);
    } else {
      const inRange = (r: IndexedRow): boolean => {
        if (has("key") && collate(r.key, q.key) !== 0) return false;
        if (hasStart && cmp(r.key, startkey) < 0) return false;
        if (hasEnd) {
          const c = cmp(r.key, endkey);
          if (c > 0 || (c === 0 && !inclusiveEnd)) return false;
        }
        return true;
      };
      selected = ordered.filter(inRange);
      // CouchDB's offset: the rows before the range (in the order read).
      const before = has("key") ? q.key : hasStart ? startkey : undefined;
      if (has("key") || hasStart) for (const r of ordered) if (cmp(r.key, before) < 0) offset++;
    }

    const skip = Math.max(0, Number(q.skip ?? 0) || 0);
    const limit = q.limit === undefined ? Infinity : Math.max(0, Number(q.limit) || 0);
    const reduce = this.view.reduce && q.reduce !== false;
    if (reduce && this.view.reduce) {
      const level = q.group === true ? Infinity : q.group_level !== undefined ? Number(q.group_level) : undefined;
      let out: { key: unknown; value: unknown }[];
      if (level === undefined) {
        out = selected.length
          ? [
              {
                key: null,
                value: reduceValues(
                  this.view.reduce,
                  selected.map((r) => r.value),
                ),
              },
            ]
          : [];
      } else {
        const groups: { key: unknown; values: unknown[] }[] = [];
        for (const r of selected) {
          const key = Array.isArray(r.key) && Number.isFinite(level) ? r.key.slice(0, level) : r.key;
          const last = groups[groups.length - 1];
          if (last && collate(last.key, key) === 0) last.values.push(r.value);
          else groups.push({ key, values: [r.value] });
        }
        out = groups.map((g) => ({ key: g.key, value: reduceValues(this.view.reduce!, g.values) }));
      }
      return { rows: out.slice(skip, skip + limit) };
    }

    const page = selected.slice(skip, skip + limit);
    const rows: ViewRow[] = page.map((r) => ({ id: r.id, key: copy(r.key), value: copy(r.value) }));
    if (q.include_docs) {
      // A value {_id} links another document (CouchDB's linked documents).
      const linked = (r: ViewRow): string => {
        const v = r.value as { _id?: unknown } | null;
        return v && typeof v === "object" && typeof v._id === "string" ? v._id : r.id;
      };
      const found = await docs([...new Set(rows.map(linked))]);
      for (const r of rows) r.doc = found.get(linked(r)) ?? null;
    }
    return { total_rows: all.length, offset: Array.isArray(q.keys) ? 0 : offset + skip, rows };
  }
}

/** Query options as a binding may give them: numbers and booleans as texts, `keys` as a JSON text. */
export function normalizeQuery(query: Record<string, unknown>): ViewQuery {
  const out: Record<string, unknown> = { ...query };
  for (const k of ["limit", "skip", "group_level"]) {
    if (typeof out[k] === "string" && out[k] !== "") out[k] = Number(out[k]);
  }
  for (const k of ["descending", "include_docs", "reduce", "group", "inclusive_end"]) {
    if (out[k] === "true") out[k] = true;
    else if (out[k] === "false") out[k] = false;
  }
  if (typeof out.keys === "string") {
    try {
      out.keys = JSON.parse(out.keys);
    } catch {
      throw new ViewError("bad_request", "keys must be a list (or its JSON text)", 400);
    }
  }
  if (out.keys !== undefined && !Array.isArray(out.keys)) {
    throw new ViewError("bad_request", "keys must be a list", 400);
  }
  return out as ViewQuery;
}
