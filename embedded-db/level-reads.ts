/**
 * Many revisions read at once from the store under PouchDB's leveldb adapter (LevelDB files; the
 * memory adapter keeps the same layout in memdown, read one key at a time): every
 * document's metadata in one native call, then every body in a second, where PouchDB's `get`
 * makes two native calls (two trips through libuv's thread pool, two callbacks, a clone of its
 * options) per document. A pull's `_bulk_get` and `_changes` read a hundred revisions per request.
 *
 * The answers are those of `db.get(id, { rev, revs })` (the same body, `_id` and `_rev` set,
 * `_deleted` from the revision tree, `_revisions` the path from that revision to its root,
 * attachments as stubs). Anything this reader does not vouch for is answered `FALLBACK`, and the
 * caller reads it through PouchDB: a metadata or body it cannot parse as plain JSON (PouchDB
 * stores very deep objects in another encoding), a body that names another document or
 * revision, a revision its tree does not place where its generation says.
 *
 * The layout read (pouchdb-adapter-leveldb-core, PouchDB 9): keys `ÿdocument-storeÿ<id>` hold a
 * document's metadata (`rev_tree`, `rev_map` from revision to sequence), keys
 * `ÿby-sequenceÿ<16-digit sequence>` the body of each revision. LevelDB writes a batch at once and
 * PouchDB writes a document's metadata and body in one batch, so a read sees a write whole or not
 * at all; a revision written after its metadata was read is simply not found (as with `get`).
 */

/** The part of a leveldown (or memdown, which has no getMany) instance read here. */
export interface LevelHandle {
  readonly status?: string;
  getMany?(
    keys: string[],
    options: { asBuffer: false },
    callback: (err: Error | null | undefined, values?: (string | Buffer | undefined)[]) => void,
  ): void;
  get(
    key: string,
    options: { asBuffer: false },
    callback: (err: (Error & { notFound?: boolean }) | null | undefined, value?: string | Buffer) => void,
  ): void;
}

/** This revision must be read through PouchDB (see the module's comment). */
export const FALLBACK = Symbol("read through PouchDB");

export type RawRead = Record<string, unknown> | undefined | typeof FALLBACK;

type TreeNode = [string, { status?: string; deleted?: boolean }, TreeNode[]];

const DOC_PREFIX = "\xffdocument-store\xff";
const SEQ_PREFIX = "\xffby-sequence\xff";
/** Keys per native call: bounds what one call holds in memory. */
const KEYS_PER_CALL = 256;

const formatSeq = (n: number) => String(n).padStart(16, "0");

function parse(v: string | Buffer | undefined): unknown {
  if (v === undefined) return undefined;
  try {
    return JSON.parse(typeof v === "string" ? v : v.toString("utf8"));
  } catch {
    return FALLBACK;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Where `rev` sits in a revision tree: whether it is a deletion, and the ids from it back to the
 * oldest ancestor the tree keeps (PouchDB's `_revisions.ids`). Undefined when the tree does not
 * hold `rev` at the position its generation names.
 */
export function revisionPath(tree: unknown, rev: string): { deleted: boolean; ids: string[] } | undefined {
  const dash = rev.indexOf("-");
  const gen = Number(rev.slice(0, dash));
  const hash = rev.slice(dash + 1);
  if (dash < 1 || !Number.isInteger(gen) || gen < 1 || !Array.isArray(tree)) return undefined;
  for (const root of tree as unknown[]) {
    if (!isRecord(root) || typeof root.pos !== "number" || !Array.isArray(root.ids)) return undefined;
    const depth = gen - root.pos;
    if (depth < 0) continue;
    // Depth-first, with the ids of the path down to the node being visited.
    const path: string[] = [];
    const stack: { node: TreeNode; d: number }[] = [{ node: root.ids as TreeNode, d: 0 }];
    while (stack.length) {
      const { node, d } = stack.pop()!;
      if (!Array.isArray(node) || typeof node[0] !== "string") return undefined;
      path.length = d;
      path.push(node[0]);
      if (d === depth) {
        if (node[0] === hash) return { deleted: node[1]?.deleted === true, ids: path.reverse() };
        continue;
      }
      const children = Array.isArray(node[2]) ? node[2] : [];
      for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, d: d + 1 });
    }
  }
  return undefined;
}

function getMany(level: LevelHandle, keys: string[]): Promise<(string | Buffer | undefined)[]> {
  if (level.getMany) {
    const many = level.getMany.bind(level);
    return new Promise((resolve, reject) =>
      many(keys, { asBuffer: false }, (err, values) => (err ? reject(err) : resolve(values ?? []))),
    );
  }
  return Promise.all(
    keys.map(
      (key) =>
        new Promise<string | Buffer | undefined>((resolve, reject) =>
          level.get(key, { asBuffer: false }, (err, value) =>
            !err ? resolve(value) : err.notFound || /notfound/i.test(err.message) ? resolve(undefined) : reject(err),
          ),
        ),
    ),
  );
}

async function getAll(level: LevelHandle, keys: string[]): Promise<(string | Buffer | undefined)[]> {
  if (keys.length <= KEYS_PER_CALL) return getMany(level, keys);
  const parts: Promise<(string | Buffer | undefined)[]>[] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_CALL) parts.push(getMany(level, keys.slice(i, i + KEYS_PER_CALL)));
  return (await Promise.all(parts)).flat();
}

/**
 * Documents' revision trees (their metadata's `rev_tree`, as `_getRevisionTree` gives it), one
 * answer per id in order: undefined when the database does not hold the document, FALLBACK when
 * its metadata is not plain JSON.
 */
export async function readRevisionTrees(level: LevelHandle, ids: readonly string[]): Promise<unknown[]> {
  const values = await getAll(
    level,
    ids.map((id) => DOC_PREFIX + id),
  );
  return ids.map((id, i) => {
    const m = parse(values[i]);
    if (m === undefined || m === FALLBACK) return m;
    return isRecord(m) && m.id === id && Array.isArray(m.rev_tree) ? m.rev_tree : FALLBACK;
  });
}

/**
 * Reads revisions, one answer per request in order: the document as `db.get(id, { rev, revs })`
 * gives it, undefined when the database does not hold that revision, or FALLBACK. Throws when
 * LevelDB does (the database closed, an I/O error): the caller then reads through PouchDB, which
 * reports it its own way.
 */
export async function readRevisions(
  level: LevelHandle,
  reqs: readonly { id: string; rev: string }[],
  opts: { revs?: boolean } = {},
): Promise<RawRead[]> {
  if (!reqs.length) return [];
  const ids = [...new Set(reqs.map((r) => r.id))];
  const metaValues = await getAll(
    level,
    ids.map((id) => DOC_PREFIX + id),
  );
  const metas = new Map<string, unknown>();
  ids.forEach((id, i) => metas.set(id, parse(metaValues[i])));

  const out: RawRead[] = new Array(reqs.length);
  const seqKeys: string[] = [];
  const pending: { i: number; seq: number; path: { deleted: boolean; ids: string[] } }[] = [];
  reqs.forEach((r, i) => {
    const m = metas.get(r.id);
    if (m === undefined) return void (out[i] = undefined);
    if (m === FALLBACK || !isRecord(m) || !isRecord(m.rev_map) || m.id !== r.id) return void (out[i] = FALLBACK);
    const seq = m.rev_map[r.rev];
    if (seq === undefined) return void (out[i] = undefined);
    const path = typeof seq === "number" ? revisionPath(m.rev_tree, r.rev) : undefined;
    if (!path) return void (out[i] = FALLBACK);
    pending.push({ i, seq: seq as number, path });
    seqKeys.push(SEQ_PREFIX + formatSeq(seq as number));
  });
  const bodies = await getAll(level, seqKeys);
  pending.forEach(({ i, path }, k) => {
    const r = reqs[i]!;
    const body = parse(bodies[k]);
    if (body === undefined) return void (out[i] = undefined);
    if (!isRecord(body)) return void (out[i] = FALLBACK);
    if ("_id" in body && body._id !== r.id) return void (out[i] = FALLBACK);
    if ("_rev" in body && body._rev !== r.rev) return void (out[i] = FALLBACK);
    body._id = r.id;
    body._rev = r.rev;
    if (path.deleted) body._deleted = true;
    if (opts.revs) {
      const gen = Number(r.rev.slice(0, r.rev.indexOf("-")));
      body._revisions = { start: gen, ids: path.ids };
    }
    if (isRecord(body._attachments)) {
      for (const att of Object.values(body._attachments)) if (isRecord(att)) att.stub = true;
    }
    out[i] = body;
  });
  return out;
}
