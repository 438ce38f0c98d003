/**
 * Read endpoints of the FullSync layer: database info, document GET (open_revs, revs, latest,
 * revs_info, conflicts), `_bulk_get`, `_all_docs`, `_revs_diff`, attachments, `_design/c8o`.
 * Every revision returned is checked against the reader's principals; what the reader may not
 * see answers exactly like what does not exist.
 */
import { visibleTo } from "./acl.ts";
import { confirmLeaves } from "./confirm.ts";
import type { FullSyncDatabase, Reader } from "./database.ts";
import { mapLimit } from "./database.ts";
import { badRequest, checkEntries, notFound, readJsonObject, sendJson, yieldToLoop, type Ctx } from "./http-util.ts";
import { isObject } from "./json.ts";
import type { LeafEntry } from "./principal-index.ts";
import { compareLeaves, errorStatus, type Doc, type OpenRevResult } from "./pouch.ts";

/** The winner among some leaves (CouchDB's rule), undefined when there are none. */
export function winnerOf<T extends { rev: string; deleted: boolean }>(leaves: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const l of leaves) if (!best || compareLeaves(l, best) < 0) best = l;
  return best;
}

export function visibleIndexLeaves(d: FullSyncDatabase, id: string, reader: Reader): LeafEntry[] {
  const e = d.index.docs.get(id);
  return e ? e.leaves.filter((l) => visibleTo(l.p, reader.set)) : [];
}

async function visibleDbLeaves(d: FullSyncDatabase, id: string, reader: Reader) {
  return (await d.loadLeaves(id)).filter((l) => visibleTo(l.principals, reader.set));
}

/** Whether the reader may see a revision, by its own body (the body's own id, whatever was asked). */
async function readable(d: FullSyncDatabase, id: string, body: Doc, reader: Reader): Promise<boolean> {
  return visibleTo(await d.principalsOf(typeof body._id === "string" ? body._id : id, body), reader.set);
}

async function getOrUndefined(
  d: FullSyncDatabase,
  id: string,
  opts: Record<string, unknown>,
): Promise<Doc | undefined> {
  try {
    return (await d.db.get(id, opts)) as Doc;
  } catch (e) {
    if (errorStatus(e) === 404 || errorStatus(e) === 400) return undefined;
    throw e;
  }
}

/** Entries of a request's list handled between two yields to the event loop. */
const CHUNK = 1000;

/**
 * The revision `latest=true` names for `rev`: the winner among the leaves descending from it, or
 * undefined when the document does not hold `rev`. PouchDB's own `latest` is never used: for a
 * revision the document does not hold, its LevelDB adapter throws inside a callback (uncaught:
 * the request never answers, and the process may die), and any reader chooses that revision.
 * A current leaf (as the index says) is its own latest: no extra read on the replication path
 * (if it has a child by now, the revision itself is read, which the next pull completes).
 */
export async function latestLeaf(
  d: FullSyncDatabase,
  id: string,
  rev: string,
  trees: Map<string, Promise<OpenRevResult[]>> = new Map(),
): Promise<string | undefined> {
  if (d.index.hasLeaf(id, rev)) return rev;
  // Each document's leaves read once per request, however many revisions of it are asked for.
  let leaves = trees.get(id);
  if (!leaves) {
    leaves = d.db
      .get(id, { open_revs: "all", revs: true })
      .then((x) => x as OpenRevResult[])
      .catch((e: unknown) => {
        if (errorStatus(e) === 404 || errorStatus(e) === 400) return [];
        throw e;
      });
    trees.set(id, leaves);
  }
  const from: { rev: string; deleted: boolean }[] = [];
  for (const r of await leaves) {
    if (!("ok" in r)) continue;
    const path = r.ok._revisions;
    if (path?.ids.some((h, i) => `${path.start - i}-${h}` === rev)) {
      from.push({ rev: r.ok._rev, deleted: r.ok._deleted === true });
    }
  }
  return winnerOf(from)?.rev;
}

/** What a read asks for: the revision itself, or with `latest` the leaf it leads to. */
async function target(
  d: FullSyncDatabase,
  id: string,
  rev: string,
  latest: boolean,
  trees?: Map<string, Promise<OpenRevResult[]>>,
): Promise<string> {
  return latest ? ((await latestLeaf(d, id, rev, trees)) ?? rev) : rev;
}

// ---- GET /db ------------------------------------------------------------------------------------

const countCache = new WeakMap<FullSyncDatabase, Map<string, { version: number; live: number; deleted: number }>>();

/** Database info: counts are those of what the reader sees, never the database's. */
export function info(ctx: Ctx): void {
  const { d, reader } = ctx;
  let cache = countCache.get(d);
  if (!cache) countCache.set(d, (cache = new Map()));
  let c = cache.get(reader.setId);
  if (!c || c.version !== d.index.version) {
    let live = 0;
    let deleted = 0;
    for (const [, e] of d.index.documentsOf(reader.principals)) {
      const w = winnerOf(e.leaves.filter((l) => visibleTo(l.p, reader.set)));
      if (!w) continue;
      if (w.deleted) deleted++;
      else live++;
    }
    c = { version: d.index.version, live, deleted };
    if (cache.size > 1000) cache.clear();
    cache.set(reader.setId, c);
  }
  sendJson(ctx.res, 200, {
    db_name: d.decl.name,
    update_seq: d.currentSeq(reader),
    instance_start_time: "0",
    doc_count: c.live,
    doc_del_count: c.deleted,
    purge_seq: 0,
    compact_running: false,
    sizes: { active: 0, external: 0, file: 0 },
    props: {},
  });
}

// ---- document GET -------------------------------------------------------------------------------

function docOptions(ctx: Ctx): Record<string, unknown> {
  const q = ctx.query;
  const o: Record<string, unknown> = {};
  if (q.bool("revs")) o.revs = true;
  if (q.bool("revs_info") || q.bool("meta")) o.revs_info = true;
  if (q.bool("attachments")) o.attachments = true;
  if (q.bool("att_encoding_info")) o.att_encoding_info = true;
  return o;
}

/** Answers the number of documents sent (for the server's metrics), as the other reads below. */
export async function getDocument(ctx: Ctx, id: string): Promise<number> {
  const { d, reader, query: q } = ctx;
  if (q.has("open_revs")) return getOpenRevs(ctx, id);
  const opts = docOptions(ctx);
  const wantConflicts = q.bool("conflicts") || q.bool("meta");
  const wantDeleted = q.bool("deleted_conflicts") || q.bool("meta");
  let leaves: Awaited<ReturnType<typeof visibleDbLeaves>> | undefined;
  let rev = q.str("rev");
  if (!rev) {
    leaves = await visibleDbLeaves(d, id, reader);
    const w = winnerOf(leaves);
    if (!w) throw notFound("missing");
    if (w.deleted) throw notFound("deleted");
    rev = w.rev;
  }
  const want = await target(d, id, rev, q.bool("latest"));
  let doc = await getOrUndefined(d, id, { ...opts, rev: want });
  if (doc && !(await readable(d, id, doc, reader))) {
    // `latest` led to a revision the reader may not see: the one asked for, if it may.
    doc = want !== rev ? await getOrUndefined(d, id, { ...opts, rev }) : undefined;
    if (doc && !(await readable(d, id, doc, reader))) doc = undefined;
  }
  if (!doc) throw notFound("missing");
  if (wantConflicts || wantDeleted) {
    leaves ??= await visibleDbLeaves(d, id, reader);
    const others = leaves.filter((l) => l.rev !== doc._rev).sort(compareLeaves);
    const conflicts = others.filter((l) => !l.deleted).map((l) => l.rev);
    const deleted = others.filter((l) => l.deleted).map((l) => l.rev);
    if (wantConflicts && conflicts.length) doc._conflicts = conflicts;
    if (wantDeleted && deleted.length) doc._deleted_conflicts = deleted;
  }
  sendJson(ctx.res, 200, doc, { ETag: `"${doc._rev}"` });
  return 1;
}

async function getOpenRevs(ctx: Ctx, id: string): Promise<number> {
  const { d, reader, query: q } = ctx;
  const opts = docOptions(ctx);
  const raw = q.str("open_revs");
  const latest = q.bool("latest");
  if (raw === "all") {
    const leaves = await visibleDbLeaves(d, id, reader);
    if (!leaves.length) throw notFound("missing");
    const res = (await d.db.get(id, { ...opts, open_revs: leaves.map((l) => l.rev) })) as OpenRevResult[];
    const out: OpenRevResult[] = [];
    for (const r of res) if ("ok" in r && (await readable(d, id, r.ok, reader))) out.push(r);
    sendJson(ctx.res, 200, out);
    return out.length;
  }
  const revs = q.json("open_revs");
  if (!Array.isArray(revs) || !revs.every((r) => typeof r === "string" && /^\d+-\w+$/.test(r))) {
    throw badRequest('open_revs must be "all" or a JSON array of revisions.');
  }
  if (revs.length > 1000) throw badRequest("open_revs lists more than 1000 revisions.");
  const trees = new Map<string, Promise<OpenRevResult[]>>();
  const out = await mapLimit(revs as string[], 8, async (rev): Promise<OpenRevResult[]> => {
    const want = await target(d, id, rev, latest, trees);
    const res = await d.db
      .get(id, { ...opts, open_revs: [want] })
      .then((x) => x as OpenRevResult[])
      .catch((e: unknown) => {
        if (errorStatus(e) === 404) return [] as OpenRevResult[];
        throw e;
      });
    const ok: OpenRevResult[] = [];
    for (const r of res) if ("ok" in r && (await readable(d, id, r.ok, reader))) ok.push(r);
    if (ok.length) return ok;
    if (want !== rev && res.some((r) => "ok" in r)) {
      const exact = await getOrUndefined(d, id, { ...opts, rev });
      if (exact && (await readable(d, id, exact, reader))) return [{ ok: exact }];
    }
    return [{ missing: rev }];
  });
  const flat = out.flat();
  sendJson(ctx.res, 200, flat);
  return flat.filter((r) => "ok" in r).length;
}

// ---- _bulk_get ----------------------------------------------------------------------------------

type BulkGetDoc = { ok: Doc } | { error: { id: string; rev: string; error: string; reason: string } };

export async function bulkGet(ctx: Ctx): Promise<number> {
  const { d, reader, query: q } = ctx;
  const body = await readJsonObject(ctx.req, ctx.limits.listBodyBytes);
  if (!Array.isArray(body.docs)) throw badRequest('_bulk_get needs a body {"docs": [{"id": ..., "rev": ...}]}.');
  checkEntries("_bulk_get", body.docs.length, ctx.limits);
  const revs = q.bool("revs");
  const latest = q.bool("latest");
  const attachments = q.bool("attachments");
  const missing = (id: string, rev: string): BulkGetDoc => ({
    error: { id, rev, error: "not_found", reason: "missing" },
  });
  const reqs: { id: string; rev: string; atts_since?: string[] }[] = [];
  const pre: (BulkGetDoc | undefined)[] = [];
  for (const [n, r] of (body.docs as unknown[]).entries()) {
    if (n % CHUNK === CHUNK - 1) await yieldToLoop();
    if (!isObject(r) || typeof r.id !== "string" || !r.id) throw badRequest("_bulk_get: each entry needs a string id.");
    if (r.rev !== undefined && typeof r.rev !== "string") throw badRequest("_bulk_get: rev must be a string.");
    if (r.id.startsWith("_design/") || r.id.startsWith("_local/")) {
      pre.push(missing(r.id, String(r.rev ?? "")));
      reqs.push({ id: r.id, rev: "" });
      continue;
    }
    let rev = r.rev as string | undefined;
    if (!rev) rev = winnerOf(visibleIndexLeaves(d, r.id, reader))?.rev;
    if (!rev) {
      pre.push(missing(r.id, ""));
      reqs.push({ id: r.id, rev: "" });
      continue;
    }
    pre.push(undefined);
    if (r.atts_since !== undefined) {
      if (!Array.isArray(r.atts_since) || !r.atts_since.every((x) => typeof x === "string")) {
        throw badRequest("_bulk_get: atts_since must be an array of revisions.");
      }
      checkEntries("_bulk_get atts_since", r.atts_since.length, ctx.limits);
    }
    reqs.push({ id: r.id, rev, ...(r.atts_since ? { atts_since: r.atts_since as string[] } : {}) });
  }
  // The revision each request names (`latest` may name a newer one), all read at once; then each
  // answer is checked against, and falls back to, the revision of its own request.
  const trees = new Map<string, Promise<OpenRevResult[]>>();
  const wants = await mapLimit(reqs, 6, (req, i) =>
    pre[i] ? Promise.resolve(req.rev) : target(d, req.id, req.rev, latest, trees),
  );
  const toRead = reqs.flatMap((req, i) =>
    pre[i] ? [] : [{ id: req.id, rev: wants[i]!, ...(req.atts_since ? { atts_since: req.atts_since } : {}) }],
  );
  const read = await d.readRevisions(toRead, { revs, attachments });
  let k = 0;
  const results = await mapLimit(reqs, 6, async (req, i): Promise<{ id: string; docs: BulkGetDoc[] }> => {
    const p = pre[i];
    if (p) return { id: req.id, docs: [p] };
    const want = wants[i]!;
    const one = read[k++];
    if (one && one._id === req.id && (await readable(d, req.id, one, reader)))
      return { id: req.id, docs: [{ ok: one }] };
    // The latest leaf is not the reader's (any more): the revision asked for, if it may see it.
    const exact =
      one && want !== req.rev
        ? await getOrUndefined(d, req.id, {
            rev: req.rev,
            ...(revs ? { revs: true } : {}),
            ...(attachments ? { attachments: true } : {}),
          })
        : undefined;
    if (exact && exact._id === req.id && (await readable(d, req.id, exact, reader))) {
      return { id: req.id, docs: [{ ok: exact }] };
    }
    return { id: req.id, docs: [missing(req.id, req.rev)] };
  });
  sendJson(ctx.res, 200, { results });
  return results.reduce((n, r) => n + r.docs.filter((x) => "ok" in x).length, 0);
}

// ---- _all_docs ----------------------------------------------------------------------------------

export async function allDocs(ctx: Ctx): Promise<number> {
  const { d, reader, query: q } = ctx;
  let keys: unknown = q.json("keys");
  if (ctx.req.method === "POST") {
    const body = await readJsonObject(ctx.req, ctx.limits.listBodyBytes);
    if (body.keys !== undefined) keys = body.keys;
  }
  if (keys !== undefined && !Array.isArray(keys)) throw badRequest("keys must be a JSON array.");
  if (keys) checkEntries("keys", keys.length, ctx.limits);
  await d.flushSoon();
  const includeDocs = q.bool("include_docs");
  const conflicts = q.bool("conflicts");
  const descending = q.bool("descending");
  const limit = q.int("limit");
  const skip = q.int("skip") ?? 0;
  type Row = { id: string; key: string; value: { rev: string; deleted?: true }; doc?: Doc | null };
  type ErrRow = { key: unknown; error: string };
  // What the index proposes: documents, each with the leaves it says the reader sees.
  const proposed: { id: string; key: unknown; vis: LeafEntry[]; error?: true }[] = [];
  let total = 0;
  if (keys) {
    for (const [n, key] of (keys as unknown[]).entries()) {
      if (n % CHUNK === CHUNK - 1) await yieldToLoop();
      const vis = typeof key === "string" ? visibleIndexLeaves(d, key, reader) : [];
      proposed.push({
        id: typeof key === "string" ? key : "",
        key,
        vis,
        ...(vis.length ? {} : { error: true as const }),
      });
    }
  } else {
    const list: { id: string; w: LeafEntry; vis: LeafEntry[] }[] = [];
    for (const [id, e] of d.index.documentsOf(reader.principals)) {
      const vis = e.leaves.filter((l) => visibleTo(l.p, reader.set));
      const w = winnerOf(vis);
      if (w && !w.deleted) list.push({ id, w, vis });
    }
    total = list.length;
    list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (descending) list.reverse();
    const key = q.json("key");
    let start = q.json("startkey") ?? q.json("start_key");
    let end = q.json("endkey") ?? q.json("end_key");
    if (key !== undefined) start = end = key;
    for (const [n, v] of [
      ["startkey", start],
      ["endkey", end],
    ] as const) {
      if (v !== undefined && typeof v !== "string") throw badRequest(`${n} must be a document id (a JSON string).`);
    }
    const inclusiveEnd = q.bool("inclusive_end", true);
    const after = (id: string, bound: string) => (descending ? id < bound : id > bound);
    let selected = list.filter((x) => {
      if (typeof start === "string" && after(start, x.id)) return false;
      if (typeof end === "string") {
        if (after(x.id, end)) return false;
        if (!inclusiveEnd && x.id === end) return false;
      }
      return true;
    });
    selected = selected.slice(skip, limit === undefined ? undefined : skip + limit);
    for (const x of selected) proposed.push({ id: x.id, key: x.id, vis: x.vis });
  }
  // Only leaves confirmed against the database are named (confirm.ts).
  const confirmed = await confirmLeaves(
    d,
    reader,
    proposed.map((x) => ({ id: x.id, leaves: x.vis })),
    { bodies: includeDocs },
  );
  const out: (Row | ErrRow)[] = [];
  proposed.forEach((x, i) => {
    const { leaves, doc } = confirmed[i]!;
    const w = leaves[0];
    if (x.error !== undefined || !w || (!keys && w.deleted)) {
      if (keys) out.push({ key: x.key, error: "not_found" });
      return;
    }
    const row: Row = { id: x.id, key: x.id, value: { rev: w.rev, ...(w.deleted ? { deleted: true } : {}) } };
    if (includeDocs) {
      const others = leaves.slice(1).filter((l) => !l.deleted);
      const body = w.deleted ? null : (doc ?? null);
      if (body && conflicts && others.length) body._conflicts = others.map((l) => l.rev);
      row.doc = body;
    }
    out.push(row);
  });
  sendJson(ctx.res, 200, {
    total_rows: keys ? out.length : total,
    offset: keys ? 0 : skip,
    rows: out,
    ...(q.bool("update_seq") ? { update_seq: d.currentSeq(reader) } : {}),
  });
  // Documents sent: with their bodies only.
  return includeDocs ? out.filter((r) => "doc" in r && r.doc).length : 0;
}

// ---- _revs_diff ---------------------------------------------------------------------------------

export async function revsDiff(ctx: Ctx): Promise<void> {
  const { d, reader } = ctx;
  const body = await readJsonObject(ctx.req, ctx.limits.listBodyBytes);
  const out: Record<string, { missing: string[] }> = {};
  const check: Record<string, string[]> = {};
  const partial = new Set<string>();
  let listed = 0;
  for (const [id, revs] of Object.entries(body)) {
    if (!Array.isArray(revs) || !revs.every((r) => typeof r === "string")) {
      throw badRequest(`_revs_diff: the revisions of ${JSON.stringify(id)} must be an array of strings.`);
    }
    listed += 1 + revs.length;
  }
  // Documents and revisions together: each costs a read.
  checkEntries("_revs_diff", listed, ctx.limits);
  // From the database, not the index: whether a revision exists is never told on its word. The
  // document's revision tree (its metadata, no body) says which revisions and leaves it holds;
  // the principals of a leaf come from the index only when the index holds exactly those leaves,
  // each computed by this process from that revision's own body (`v`): what `_changes` trusts.
  // Otherwise every leaf's body is read and judged (loadLeaves).
  const entries = Object.entries(body) as [string, string[]][];
  const trees = d.canReadRevisionTrees
    ? await (async () => {
        const own = entries.filter(([id]) => !id.startsWith("_")).map(([id]) => id);
        const got = await d.revisionTrees(own);
        const byId = new Map(own.map((id, i) => [id, got[i]]));
        return entries.map(([id]) => byId.get(id));
      })()
    : undefined;
  const leavesOf = await mapLimit(entries, 8, async ([id], i): Promise<{ principals: readonly string[] }[]> => {
    if (id.startsWith("_")) return [];
    const tree = trees?.[i];
    if (trees && !tree) return []; // not in the database
    if (tree) {
      const e = d.index.docs.get(id);
      if (
        e &&
        e.leaves.length === tree.leaves.length &&
        e.leaves.every((l) => l.v === true && tree.leaves.includes(l.rev))
      ) {
        return e.leaves.map((l) => ({ principals: l.p }));
      }
    }
    return d.loadLeaves(id);
  });
  for (const [i, [id, revs]] of entries.entries()) {
    const list = [...new Set(revs)];
    const leaves = leavesOf[i]!;
    const all = leaves.every((l) => visibleTo(l.principals, reader.set));
    const any = leaves.some((l) => visibleTo(l.principals, reader.set));
    if (!any) {
      // Unknown, or not the reader's: everything is missing (no probing).
      if (list.length) out[id] = { missing: list };
      continue;
    }
    check[id] = list;
    if (!all) partial.add(id);
  }
  let diff: Record<string, { missing?: string[] }> = {};
  if (trees) {
    // As PouchDB's revsDiff: missing when not in the tree, or its body is not available.
    entries.forEach(([id], i) => {
      const tree = trees[i];
      if (!check[id] || !tree) return;
      const missing = check[id].filter((r) => tree.available.get(r) !== true);
      if (missing.length) diff[id] = { missing };
    });
  } else if (Object.keys(check).length) diff = await d.db.revsDiff(check);
  for (const id of Object.keys(check)) {
    const missing = new Set(diff[id]?.missing ?? []);
    if (partial.has(id)) {
      // Revisions the reader cannot reach through a leaf they see count as missing.
      const reachable = new Set<string>();
      for (const leaf of await visibleDbLeaves(d, id, reader)) {
        const withRevs = await getOrUndefined(d, id, { rev: leaf.rev, revs: true });
        const path = withRevs?._revisions;
        if (path) path.ids.forEach((h, i) => reachable.add(`${path.start - i}-${h}`));
      }
      for (const rev of check[id]!) if (!reachable.has(rev)) missing.add(rev);
    }
    if (missing.size) out[id] = { missing: check[id]!.filter((r) => missing.has(r)) };
  }
  sendJson(ctx.res, 200, out);
}

// ---- attachments, _design/c8o -------------------------------------------------------------------

export async function getAttachment(ctx: Ctx, id: string, name: string): Promise<void> {
  const { d, reader, query: q } = ctx;
  const rev = q.str("rev");
  let doc: Doc | undefined;
  if (rev) {
    doc = await getOrUndefined(d, id, { rev });
    if (doc && !(await readable(d, id, doc, reader))) doc = undefined;
  } else {
    const w = winnerOf(await visibleDbLeaves(d, id, reader));
    if (w && !w.deleted) doc = w.body as Doc;
  }
  const meta = doc?._attachments?.[name];
  if (!doc || !meta) throw notFound("Document or attachment is missing.");
  const data = await d.db.getAttachment(id, name, { rev: doc._rev });
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
  ctx.res.writeHead(200, {
    "Content-Type": meta.content_type || "application/octet-stream",
    "Content-Length": String(buf.length),
    "Content-Security-Policy": "sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "must-revalidate",
    ...(meta.digest ? { ETag: `"${meta.digest}"` } : {}),
  });
  ctx.res.end(ctx.req.method === "HEAD" ? undefined : buf);
}

export async function getC8oDesign(ctx: Ctx): Promise<void> {
  const doc = await getOrUndefined(ctx.d, "_design/c8o", {});
  if (!doc) throw notFound("missing");
  sendJson(ctx.res, 200, doc, { ETag: `"${doc._rev}"` });
}
