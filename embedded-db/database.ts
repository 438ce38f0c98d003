/**
 * One FullSync database: its PouchDB (embedded or in an external CouchDB), the principal index
 * kept from its change feed, the sequence numbers devices see, and per-document write locks.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DesignDocDecl, FullSyncDatabaseDecl } from "./api.ts";
import { PUBLIC, aclKeysOf, principalsOfBody, type ExistingLeaf } from "./acl.ts";
import { ChangeFollower } from "./follower.ts";
import { PrincipalIndex, type LeafEntry } from "./principal-index.ts";
import { describeError, isBackendError } from "./errors.ts";
import { FALLBACK, readRevisionTrees, readRevisions, type RawRead } from "./level-reads.ts";
import { errorStatus, levelHandleOf, type ChangeRow, type Doc, type OpenRevResult, type PouchDb } from "./pouch.ts";

type Log = (level: "debug" | "info" | "warn" | "error", message: string) => void;

/** Who reads: their principals, and the tag of that set that their sequences carry. */
export interface Reader {
  user: string | undefined;
  groups: ReadonlySet<string>;
  principals: readonly string[];
  set: ReadonlySet<string>;
  setId: string;
}

const SNAPSHOT_FORMAT = 2;
const IDENTITY_DOC = "_local/c8o-fullsync-identity";
/** The token of the last index snapshot saved, kept in the database itself (see saveSnapshot). */
const SNAPSHOT_TOKEN_DOC = "_local/c8o-fullsync-index";
/** Disagreements between the index and the database logged one by one (then only counted). */
const DISAGREEMENTS_LOGGED = 20;

/** A revision read from the database, with its principals computed from its own body. */
export interface CheckedRevision {
  doc: Doc;
  p: string[];
}

/** What a document's revision tree says: its leaves, and every revision it holds (true when its body is available). */
export interface RevisionTreeSummary {
  leaves: string[];
  available: Map<string, boolean>;
}

function summarizeTree(tree: unknown): RevisionTreeSummary {
  type Node = [string, { status?: string }, Node[]];
  const leaves: string[] = [];
  const available = new Map<string, boolean>();
  const visit: { pos: number; node: Node }[] = (tree as { pos: number; ids: Node }[]).map((t) => ({
    pos: t.pos,
    node: t.ids,
  }));
  for (let v = visit.pop(); v; v = visit.pop()) {
    const rev = `${v.pos}-${v.node[0]}`;
    available.set(rev, v.node[1]?.status === "available");
    if (!v.node[2].length) leaves.push(rev);
    for (const child of v.node[2]) visit.push({ pos: v.pos + 1, node: child });
  }
  return { leaves, available };
}

/** Runs tasks per key one after the other (writes to one document never interleave). */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async with<T>(keys: Iterable<string>, fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const k of sorted) {
        const prev = this.tails.get(k) ?? Promise.resolve();
        let release!: () => void;
        const mine = new Promise<void>((r) => (release = r));
        const tail = prev.then(() => mine);
        this.tails.set(k, tail);
        releases.push(() => {
          release();
          if (this.tails.get(k) === tail) this.tails.delete(k);
        });
        await prev;
      }
      return await fn();
    } finally {
      for (const r of releases) r();
    }
  }
}

/** Runs `fn` over items with at most `n` in flight, keeping order of results. */
export async function mapLimit<T, R>(
  items: readonly T[],
  n: number,
  fn: (t: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

export interface DatabaseOptions {
  decl: FullSyncDatabaseDecl;
  db: PouchDb;
  /** Folder for the index snapshot; undefined: rebuilt from the feed at each start. */
  snapshotDir?: string;
  /** Where the data lives (to refuse a snapshot of another database). */
  location: string;
  log: Log;
  pollMs?: number;
  /**
   * Where the database keeps the token of this server's last snapshot (default
   * `_local/c8o-fullsync-index`): engines sharing one CouchDB each keep their own.
   */
  snapshotTokenDoc?: string;
  /** False while the database cannot be reached (then nothing is written to it at close). */
  reachable?: () => boolean;
}

/** A read that treats only "not found" as absent: any other failure (an outage) is thrown. */
async function getOrUndefined(db: PouchDb, id: string): Promise<unknown> {
  try {
    return await db.get(id);
  } catch (e) {
    if (errorStatus(e) === 404) return undefined;
    throw e;
  }
}

export class FullSyncDatabase {
  readonly index = new PrincipalIndex();
  readonly lock = new KeyedLock();
  /** Open longpoll/continuous feeds and their user (ended when the database closes). */
  readonly feeds = new Map<() => void, string | undefined>();
  decl: FullSyncDatabaseDecl;
  readonly db: PouchDb;
  /** numeric: the index uses the backend's own integer sequences; counter: numbers of its own. */
  private mode: "numeric" | "counter" = "numeric";
  private epoch = "0";
  private counter = 0;
  private identity = "";
  private readonly sets = new Map<string, string[]>();
  private follower: ChangeFollower | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private savedVersion = -1;
  private saving: Promise<void> | undefined;
  private readonly repairing = new Set<string>();
  private disagreements = 0;
  /** How the index was obtained at start, and how long it took (for the benchmark). */
  startInfo = { source: "rebuilt" as "rebuilt" | "snapshot", ms: 0, docs: 0 };

  /** The database's identity (a uuid kept in it): the same for every server on it, another when it is created again. */
  get instanceId(): string {
    return this.identity;
  }

  private constructor(private readonly o: DatabaseOptions) {
    this.decl = o.decl;
    this.db = o.db;
  }

  static async open(o: DatabaseOptions): Promise<FullSyncDatabase> {
    const d = new FullSyncDatabase(o);
    try {
      await d.start();
    } catch (e) {
      // Nothing keeps running behind a database that did not open (its feed, its timers).
      if (d.saveTimer) clearInterval(d.saveTimer);
      await d.follower?.close();
      throw e;
    }
    return d;
  }

  private get tokenDoc(): string {
    return this.o.snapshotTokenDoc ?? SNAPSHOT_TOKEN_DOC;
  }

  private get snapshotFile(): string | undefined {
    if (!this.o.snapshotDir) return undefined;
    const key = createHash("sha256").update(this.o.location).digest("hex").slice(0, 16);
    return join(this.o.snapshotDir, `${this.decl.name}-${key}.json`);
  }

  private async start(): Promise<void> {
    const t0 = performance.now();
    const info = await this.db.info();
    this.mode = typeof info.update_seq === "number" ? "numeric" : "counter";
    this.identity = await this.readIdentity();
    let since: number | string = 0;
    const snap = await this.loadSnapshot();
    if (snap !== undefined) {
      since = snap;
      this.startInfo.source = "snapshot";
    } else if (this.mode === "counter") {
      this.epoch = randomBytes(4).toString("hex");
    }
    this.follower = new ChangeFollower({
      db: this.db,
      since,
      batchSize: 500,
      includeDocs: true,
      pollMs: this.o.pollMs ?? 0,
      onBatch: (rows) => this.applyBatch(rows),
      // An outage is said once by the link to the database, not by every reader.
      onError: (m, e) => this.o.log(isBackendError(e) ? "debug" : "warn", `FullSync ${this.decl.name}: ${m}`),
    });
    await this.follower.start();
    this.startInfo.ms = performance.now() - t0;
    this.startInfo.docs = this.index.docs.size;
    this.o.log(
      "info",
      `FullSync ${this.decl.name}: index ${this.startInfo.source} (${this.index.docs.size} documents, ${Math.round(this.startInfo.ms)} ms)`,
    );
    if (this.snapshotFile) {
      this.saveTimer = setInterval(() => void this.saveSnapshot(), 60_000);
      this.saveTimer.unref();
    }
  }

  async close(): Promise<void> {
    for (const end of [...this.feeds.keys()]) end();
    if (this.saveTimer) clearInterval(this.saveTimer);
    await this.follower?.close();
    // Its token could not be written while the database is unreachable: the file would not be used.
    if (this.o.reachable?.() !== false) await this.saveSnapshot();
  }

  /**
   * Ends the open feeds of a user whose groups changed: their device asks again at once, with
   * its new principals (documents of a joined group then arrive without waiting a timeout).
   */
  endFeedsOf(user: string): void {
    for (const [end, u] of [...this.feeds]) if (u === user) end();
  }

  /** Resolves when the index holds every change written before the call. */
  flush(): Promise<void> {
    return this.follower?.flush() ?? Promise.resolve();
  }

  /** Like flush, but gives up waiting after `ms` (a slow backend must not hold reads). */
  async flushSoon(ms = 1000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush().catch(() => {}),
      new Promise<void>((r) => {
        timer = setTimeout(r, ms);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  private async readIdentity(): Promise<string> {
    const got = (await getOrUndefined(this.db, IDENTITY_DOC)) as { uuid?: string } | undefined;
    if (got?.uuid) return got.uuid;
    const uuid = randomBytes(16).toString("hex");
    try {
      await this.db.put({ _id: IDENTITY_DOC, uuid });
      return uuid;
    } catch (e) {
      if (isBackendError(e)) throw e;
      const again = (await getOrUndefined(this.db, IDENTITY_DOC)) as { uuid?: string } | undefined;
      return again?.uuid ?? uuid;
    }
  }

  // ---- snapshot -------------------------------------------------------------------------------

  private async loadSnapshot(): Promise<number | string | undefined> {
    const file = this.snapshotFile;
    if (!file) return undefined;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      return undefined;
    }
    try {
      const s = JSON.parse(text) as {
        format: number;
        identity: string;
        mode: string;
        epoch: string;
        counter: number;
        since: number | string;
        token?: unknown;
        sets: Record<string, string[]>;
        docs: unknown;
      };
      if (s.format !== SNAPSHOT_FORMAT || s.identity !== this.identity || s.mode !== this.mode) {
        this.o.log("info", `FullSync ${this.decl.name}: index snapshot is for another database; rebuilding`);
        return undefined;
      }
      // The snapshot must describe this very state of the database: the token written in the
      // database when the snapshot was saved must be there (a database restored from a backup,
      // or another copy with the same identity, holds another token or none), and its sequence
      // cannot be ahead of the database's.
      const token = (await getOrUndefined(this.db, this.tokenDoc)) as { token?: unknown } | undefined;
      const update = (await this.db.info()).update_seq;
      const ahead = this.mode === "numeric" && (typeof s.since !== "number" || s.since > Number(update));
      if (typeof s.token !== "string" || token?.token !== s.token || ahead) {
        this.o.log(
          "info",
          `FullSync ${this.decl.name}: index snapshot does not match the database (${ahead ? "its sequence is ahead of the database's" : "saved for another state of it"}); rebuilding`,
        );
        return undefined;
      }
      this.index.load(s.docs);
      this.epoch = String(s.epoch);
      this.counter = Number(s.counter) || 0;
      for (const [k, v] of Object.entries(s.sets ?? {})) if (Array.isArray(v)) this.sets.set(k, v.map(String));
      if (this.mode === "counter") this.index.advance(this.counter);
      this.savedVersion = this.index.version;
      return s.since;
    } catch (e) {
      if (isBackendError(e)) throw e;
      this.o.log(
        "warn",
        `FullSync ${this.decl.name}: index snapshot ${file} unreadable (${describeError(e)}); rebuilding`,
      );
      this.index.docs.clear();
      return undefined;
    }
  }

  /** Writes the index to its snapshot file (atomically), when it changed since the last save. */
  async saveSnapshot(): Promise<void> {
    const file = this.snapshotFile;
    if (!file || !this.follower) return;
    if (this.saving) return this.saving;
    if (this.index.version === this.savedVersion) return;
    const version = this.index.version;
    const token = randomBytes(12).toString("hex");
    const body = JSON.stringify({
      format: SNAPSHOT_FORMAT,
      token,
      db: this.decl.name,
      identity: this.identity,
      mode: this.mode,
      epoch: this.epoch,
      counter: this.counter,
      since: this.follower.position,
      sets: Object.fromEntries(this.sets),
      docs: this.index.toJSON(),
    });
    this.saving = (async () => {
      try {
        await mkdir(this.o.snapshotDir!, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, body);
        await rename(tmp, file);
        // The database keeps the token of the snapshot that describes it (checked at load).
        const cur = (await getOrUndefined(this.db, this.tokenDoc)) as { _rev?: string } | undefined;
        await this.db.put({ _id: this.tokenDoc, ...(cur?._rev ? { _rev: cur._rev } : {}), token });
        this.savedVersion = version;
      } catch (e) {
        this.o.log("warn", `FullSync ${this.decl.name}: cannot save the index snapshot: ${describeError(e)}`);
      } finally {
        this.saving = undefined;
      }
    })();
    return this.saving;
  }

  // ---- feed → index ---------------------------------------------------------------------------

  private async applyBatch(rows: ChangeRow[]): Promise<void> {
    // Bodies of non-winning leaves (conflicts), fetched together.
    const extra = new Map<string, Doc[]>();
    const conflicted = rows.filter((r) => r.changes.length > 1 && !r.id.startsWith("_design/"));
    await mapLimit(conflicted, 8, async (r) => {
      const revs = r.changes.map((c) => c.rev).filter((rev) => rev !== r.doc?._rev);
      const res = (await this.db.get(r.id, { open_revs: revs })) as OpenRevResult[];
      extra.set(
        r.id,
        res.flatMap((x) => ("ok" in x ? [x.ok] : [])),
      );
    });
    // Everything that waits on the database first; then the whole batch enters the index at
    // once, so a snapshot never holds half a batch with the position before it.
    const computed: { r: ChangeRow; leaves?: LeafEntry[] }[] = [];
    for (const r of rows) {
      if (r.id.startsWith("_design/") || r.id.startsWith("_local/")) {
        computed.push({ r });
        continue;
      }
      const bodies = [...(r.doc ? [r.doc] : []), ...(extra.get(r.id) ?? [])];
      const leaves: LeafEntry[] = [];
      for (const { rev } of r.changes) {
        const body = bodies.find((b) => b._rev === rev);
        if (!body) {
          // Not readable now (it changed again since): the next row of this document fixes it.
          leaves.push({ rev, deleted: r.deleted === true && rev === r.changes[0]?.rev, p: [], v: true });
          continue;
        }
        // Principals computed here, from the body the database gave: a row may name it as is.
        leaves.push({ rev, deleted: body._deleted === true, p: await this.principalsOf(r.id, body), v: true });
      }
      computed.push({ r, leaves });
    }
    for (const { r, leaves } of computed) {
      const n = this.mode === "numeric" ? Number(r.seq) : ++this.counter;
      if (leaves) this.index.apply(r.id, n, leaves);
      else this.index.advance(n);
    }
  }

  /**
   * Principals of one revision: from its own body; for a tombstone without ACL keys, those of
   * the revision it deletes, read from the database (up its path while that revision is itself
   * such a tombstone). Never from the index: a lagging index may not know the revision it deletes
   * (the feed shows only a document's last state), and a wrong one must not decide. Nobody when
   * that revision's body is gone (compacted): deny by default.
   */
  async principalsOf(id: string, body: Doc): Promise<string[]> {
    const own = principalsOfBody(body);
    if (own) return own;
    try {
      const path = ((await this.db.get(id, { rev: body._rev, revs: true })) as Doc)._revisions;
      for (let i = 1; path && i < path.ids.length; i++) {
        const ancestor = (await this.db.get(id, { rev: `${path.start - i}-${path.ids[i]}` })) as Doc;
        const p = principalsOfBody(ancestor);
        if (p) return p;
      }
    } catch (e) {
      // The body of the revision it deletes is gone: nobody reads this tombstone. Any other
      // failure (the database unreachable) is not an answer: the feed reads the row again.
      if (errorStatus(e) !== 404 && errorStatus(e) !== 400) throw e;
    }
    return [];
  }

  /**
   * Reads revisions from the database, each with its principals computed from its own body: what
   * an endpoint checks before sending a revision the index proposed (the index is never trusted
   * alone). Answers one item per request, in order; undefined when the database does not hold
   * that revision (any more).
   */
  async checkRevisions(
    reqs: readonly { id: string; rev: string }[],
    opts: { attachments?: boolean } = {},
  ): Promise<(CheckedRevision | undefined)[]> {
    if (!reqs.length) return [];
    const key = (id: string, rev: string) => `${id}\n${rev}`;
    const unique = new Map<string, { id: string; rev: string }>();
    for (const r of reqs) unique.set(key(r.id, r.rev), { id: r.id, rev: r.rev });
    const list = [...unique.values()];
    const docs = await this.readRevisions(list, opts);
    const checked = new Map<string, CheckedRevision>();
    await mapLimit(list, 16, async (r, i) => {
      const doc = docs[i];
      if (doc && doc._id === r.id && doc._rev === r.rev)
        checked.set(key(r.id, r.rev), { doc, p: await this.principalsOf(r.id, doc) });
    });
    return reqs.map((r) => checked.get(key(r.id, r.rev)));
  }

  /**
   * Revisions as `db.get(id, { rev, revs, attachments })` gives them, one answer per request in
   * order, undefined where the database does not hold that revision. An embedded LevelDB
   * database is read a batch at a time (level-reads.ts: two native calls for the whole list); in
   * memory, over HTTP, with attachments' data, and for what that reader leaves to PouchDB, one
   * `get` per revision, a few at a time.
   */
  async readRevisions(
    reqs: readonly { id: string; rev: string; atts_since?: string[] }[],
    opts: { revs?: boolean; attachments?: boolean } = {},
  ): Promise<(Doc | undefined)[]> {
    let raw: RawRead[] | undefined;
    const level = opts.attachments ? undefined : levelHandleOf(this.db);
    if (level) {
      try {
        raw = await readRevisions(level, reqs, { revs: opts.revs });
      } catch {
        raw = undefined; // LevelDB refused (closing, an I/O error): PouchDB answers, its own way
      }
      if (raw?.every((x, i) => x !== FALLBACK && !reqs[i]!.atts_since)) return raw as (Doc | undefined)[];
    }
    return mapLimit(reqs, 16, async (r, i) => {
      const got = raw?.[i];
      if (raw && got !== FALLBACK && !r.atts_since) return got as Doc | undefined;
      try {
        return (await this.db.get(r.id, {
          rev: r.rev,
          ...(opts.revs ? { revs: true } : {}),
          ...(opts.attachments ? { attachments: true } : {}),
          ...(r.atts_since ? { atts_since: r.atts_since } : {}),
        })) as Doc;
      } catch (e) {
        if (errorStatus(e) === 404 || errorStatus(e) === 400) return undefined;
        throw e;
      }
    });
  }

  /**
   * The index told an endpoint something about `id` that its database does not say (found when
   * checking a revision before sending it): logged, and the entry corrected from the database.
   */
  disagreement(id: string, what: string): void {
    if (this.repairing.has(id)) return;
    this.repairing.add(id);
    const n = ++this.disagreements;
    if (n <= DISAGREEMENTS_LOGGED) {
      this.o.log(
        "warn",
        `FullSync ${this.decl.name}: the index disagreed with the database about ${JSON.stringify(id)} (${what}); nothing was sent on its word, and the entry is corrected${n === DISAGREEMENTS_LOGGED ? " (further disagreements are corrected without a message)" : ""}`,
      );
    }
    void this.repair(id).finally(() => this.repairing.delete(id));
  }

  private async repair(id: string): Promise<void> {
    const seq = this.index.docs.get(id)?.seq;
    if (seq === undefined) return;
    try {
      const leaves = await this.loadLeaves(id);
      this.index.correct(
        id,
        seq,
        leaves.map((l) => ({ rev: l.rev, deleted: l.deleted, p: [...l.principals], v: true })),
      );
    } catch (e) {
      this.o.log(
        "warn",
        `FullSync ${this.decl.name}: cannot correct the index entry of ${JSON.stringify(id)}: ${describeError(e)}`,
      );
    }
  }

  /** Whether `revisionTree` works (local PouchDB adapters; not over HTTP). */
  get canReadRevisionTrees(): boolean {
    return typeof (this.db as unknown as { _getRevisionTree?: unknown })._getRevisionTree === "function";
  }

  /**
   * A document's revision tree, read from its metadata (no body): its leaves, and every revision
   * it holds (true when the body is available). Undefined when the database does not hold it.
   */
  async revisionTree(id: string): Promise<RevisionTreeSummary | undefined> {
    const get = (
      this.db as unknown as {
        _getRevisionTree(id: string, cb: (e: unknown, t?: unknown) => void): void;
      }
    )._getRevisionTree;
    const tree = await new Promise<unknown>((resolve, reject) =>
      get.call(this.db, id, (e, t) => {
        if (!e) return resolve(t);
        if (errorStatus(e) === 404) return resolve(undefined);
        reject(e instanceof Error ? e : new Error(describeError(e)));
      }),
    );
    return tree === undefined ? undefined : summarizeTree(tree);
  }

  /**
   * The revision trees of many documents (as `revisionTree`), one answer per id in order: an
   * embedded database's read in one batch (level-reads.ts), any other one id at a time.
   */
  async revisionTrees(ids: readonly string[]): Promise<(RevisionTreeSummary | undefined)[]> {
    const level = levelHandleOf(this.db);
    let raw: unknown[] | undefined;
    if (level) {
      try {
        raw = await readRevisionTrees(level, ids);
      } catch {
        raw = undefined; // LevelDB refused: PouchDB answers, its own way
      }
    }
    return mapLimit(ids, 16, async (id, i) => {
      const t = raw?.[i];
      if (raw && t !== FALLBACK) return t === undefined ? undefined : summarizeTree(t);
      return this.revisionTree(id);
    });
  }

  /** Every current leaf of a document, read from the database (deleted ones included). */
  async loadLeaves(id: string): Promise<ExistingLeaf[]> {
    let res: OpenRevResult[];
    try {
      res = (await this.db.get(id, { open_revs: "all" })) as OpenRevResult[];
    } catch (e) {
      if (errorStatus(e) === 404) return [];
      throw e;
    }
    const out: ExistingLeaf[] = [];
    for (const r of res) {
      if (!("ok" in r)) continue;
      const body = r.ok;
      out.push({
        rev: body._rev,
        deleted: body._deleted === true,
        body,
        principals: await this.principalsOf(id, body),
      });
    }
    return out;
  }

  // ---- sequences ------------------------------------------------------------------------------

  /** The reader of a session (principals: user, each group, public). */
  reader(user: string | undefined, groups: Iterable<string>): Reader {
    const gs = new Set<string>();
    const principals: string[] = [];
    if (user) {
      principals.push(`u:${user}`);
      for (const g of groups) {
        if (g && !gs.has(g)) {
          gs.add(g);
          principals.push(`g:${g}`);
        }
      }
    }
    principals.push(PUBLIC);
    // JSON: names may hold any character, two different sets never give the same text.
    const setId = createHash("sha256").update(JSON.stringify(principals.slice().sort())).digest("hex").slice(0, 12);
    if (!this.sets.has(setId)) this.sets.set(setId, principals);
    return { user, groups: gs, principals, set: new Set(principals), setId };
  }

  /** A sequence as devices see it: `<n>-<epoch>-<principal set>`. */
  formatSeq(n: number, reader: Reader): string {
    return `${n}-${this.epoch}-${reader.setId}`;
  }

  currentSeq(reader: Reader): string {
    return this.formatSeq(this.index.lastSeq, reader);
  }

  /**
   * Where each of the reader's principals resumes for a client's `since`. A principal the reader
   * did not have when the sequence was issued (a group joined since) starts over, so documents
   * of a new group arrive; a sequence of another epoch (index rebuilt with its own numbers)
   * starts everything over.
   */
  parseSince(since: unknown, reader: Reader): Map<string, number> | { error: string } {
    const all = (n: number) => new Map(reader.principals.map((p) => [p, n] as [string, number]));
    if (since === undefined || since === null || since === "" || since === 0 || since === "0") return all(0);
    if (since === "now") return all(this.index.lastSeq);
    const s = typeof since === "number" ? String(since) : since;
    if (typeof s !== "string") return { error: "since must be a sequence string or a number" };
    if (/^\d+$/.test(s)) return all(this.mode === "numeric" ? Number(s) : 0);
    const m = /^(\d+)-([0-9a-z]+)-([0-9a-f]{12})$/.exec(s);
    if (!m) {
      // Another server's sequence (the device replicated elsewhere before): start over.
      if (/^\d+-/.test(s) && s.length < 2000) return all(0);
      return { error: "since is not a sequence of this database" };
    }
    const n = Number(m[1]);
    if (m[2] !== this.epoch) return all(0);
    if (m[3] === reader.setId) return all(n);
    const had = this.sets.get(m[3]!);
    if (!had) return all(0);
    const before = new Set(had);
    return new Map(reader.principals.map((p) => [p, before.has(p) ? n : 0] as [string, number]));
  }

  /** Parses a sequence this database issued back into its number (for `last_seq` bounds). */
  seqNumber(since: unknown): number {
    if (typeof since === "number") return since;
    if (typeof since === "string") {
      const n = Number.parseInt(since, 10);
      return Number.isFinite(n) ? n : 0;
    }
    return 0;
  }

  // ---- design documents -----------------------------------------------------------------------

  /**
   * Installs the project's design documents and `_design/c8o` (with `~c8oDbVersion`). Throws
   * when the database cannot be reached (the caller installs them again later).
   */
  async installDesignDocs(docs: readonly DesignDocDecl[]): Promise<void> {
    const want: Record<string, unknown>[] = docs.map((d) => ({
      _id: `_design/${d.name}`,
      language: "javascript",
      views: d.views,
    }));
    const c8o = (await getOrUndefined(this.db, "_design/c8o")) as Doc | undefined;
    if (!c8o) want.push({ _id: "_design/c8o", "~c8oDbVersion": String(Date.now()) });
    for (const d of want) {
      const id = d._id as string;
      const cur = (await getOrUndefined(this.db, id)) as Doc | undefined;
      if (cur && JSON.stringify(cur.views) === JSON.stringify(d.views) && id !== "_design/c8o") continue;
      if (cur && id === "_design/c8o") continue;
      try {
        await this.db.put({ ...d, ...(cur ? { _rev: cur._rev } : {}) });
      } catch (e) {
        if (isBackendError(e)) throw e;
        this.o.log("warn", `FullSync ${this.decl.name}: cannot install ${id}: ${describeError(e)}`);
      }
    }
  }

  /** The ACL keys a trusted tombstone of `id` keeps (those of its current winner). */
  async aclOfCurrent(id: string, rev?: string): Promise<Record<string, unknown>> {
    try {
      const cur = (await this.db.get(id, rev ? { rev } : {})) as Doc;
      return aclKeysOf(cur);
    } catch (e) {
      if (isBackendError(e)) throw e;
      return {};
    }
  }
}
