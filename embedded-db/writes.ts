/**
 * Write endpoints of the FullSync layer: `_bulk_docs` (with and without `new_edits: false`),
 * document PUT/POST/DELETE, attachment PUT/DELETE, and `_local` documents kept per user.
 *
 * Each document is checked against EVERY current leaf of the stored document (acl.ts
 * checkWrite) under a per-document lock, from the same parsed object that is then stored.
 * A refused document answers `{"error": "forbidden"}` for itself; the others go on.
 *
 * A revision without `~c8oAcl` gets the user stamped. With `new_edits: true` the server writes
 * the revision, so the stamp goes in its body. With `new_edits: false` the device already holds
 * that revision: instead of storing a body that differs from the device's under the same
 * revision id, the server stores a child revision carrying the stamp (its id derived from the
 * parent's, so a retried push stores the same one); the device receives it on its next pull.
 *
 * An attachment stub (`{"stub": true, "digest": ...}`) keeps an attachment of an earlier
 * revision without sending it again. PouchDB resolves a stub by its digest across the whole
 * database, so a stub naming another user's attachment would copy it into the writer's document
 * (and `missing_stub` would confirm a guessed digest). Here a stub must name an attachment of a
 * revision of the same document that the writer may read, in the new revision's own ancestry:
 * its parent (`new_edits: true`), or the ancestors listed in `_revisions` that this server holds
 * (`new_edits: false`). Anything else is refused for that document with `forbidden`, the same
 * answer whether the digest exists elsewhere or nowhere.
 */
import { createHash, randomUUID } from "node:crypto";
import { checkWrite, visibleTo, type ExistingLeaf } from "./acl.ts";
import { mapLimit } from "./database.ts";
import {
  HttpError,
  badRequest,
  checkEntries,
  notFound,
  readBody,
  readJson,
  readJsonObject,
  sendJson,
  type Ctx,
} from "./http-util.ts";
import { isObject } from "./json.ts";
import { errorStatus, type Doc, type WriteResult } from "./pouch.ts";

export interface WriteOutcome {
  id: string;
  rev?: string;
  ok?: true;
  error?: string;
  reason?: string;
}

const REV = /^(\d+)-([0-9a-zA-Z]+)$/;

/** The child revision carrying a stamp on top of a replicated revision (see the file comment). */
export function graft(doc: Record<string, unknown>, stamp: Record<string, unknown>): Record<string, unknown> {
  const rev = doc._rev as string;
  const m = REV.exec(rev)!;
  const gen = Number(m[1]);
  const revisions = doc._revisions;
  let ids: string[] = [m[2]!];
  if (
    isObject(revisions) &&
    revisions.start === gen &&
    Array.isArray(revisions.ids) &&
    revisions.ids[0] === m[2] &&
    revisions.ids.every((x) => typeof x === "string")
  ) {
    ids = revisions.ids as string[];
  }
  const hash = createHash("md5")
    .update(`${rev}\n${JSON.stringify(stamp)}\nc8o-stamp`)
    .digest("hex");
  return { ...doc, ...stamp, _rev: `${gen + 1}-${hash}`, _revisions: { start: gen + 1, ids: [hash, ...ids] } };
}

/** The parent revision a replicated revision names (from `_revisions`), if any. */
function parentOf(doc: Record<string, unknown>): string | undefined {
  const r = doc._revisions;
  if (isObject(r) && typeof r.start === "number" && Array.isArray(r.ids) && typeof r.ids[1] === "string") {
    return `${r.start - 1}-${r.ids[1]}`;
  }
  return undefined;
}

/** Special members a device may send (the others are refused, or dropped when read-only). */
const SPECIAL_MEMBERS = new Set(["_id", "_rev", "_deleted", "_attachments", "_revisions"]);
/** Members a read adds (`conflicts=true`, `revs_info`...): ignored on write, as CouchDB does. */
const READ_ONLY_MEMBERS = new Set(["_conflicts", "_deleted_conflicts", "_revs_info", "_local_seq"]);

/**
 * Why a document cannot be stored as sent, if it cannot. PouchDB reads special members itself:
 * an unknown one fails the whole batch with a 500; `_rev_tree` (with `new_edits: false` and
 * no `_revisions`) becomes the document's revision tree as sent; and with `new_edits: false`
 * the revision stored is the one `_revisions` names, whatever `_rev` says. So only the members
 * replication uses pass, each of the right type, and `_revisions` must name `_rev`.
 */
function docProblem(doc: Record<string, unknown>, newEdits: boolean): string | undefined {
  for (const key of Object.keys(doc)) {
    if (key.startsWith("_") && !SPECIAL_MEMBERS.has(key) && !READ_ONLY_MEMBERS.has(key)) {
      return `Bad special document member: ${key}`;
    }
  }
  if (doc._deleted !== undefined && typeof doc._deleted !== "boolean") return "_deleted must be true or false.";
  if (!newEdits && doc._revisions !== undefined) {
    const r = doc._revisions;
    const m = typeof doc._rev === "string" ? REV.exec(doc._rev) : null;
    if (
      !m ||
      !isObject(r) ||
      !Number.isSafeInteger(r.start) ||
      !Array.isArray(r.ids) ||
      r.ids.length === 0 ||
      (r.start as number) < r.ids.length ||
      !r.ids.every((x) => typeof x === "string" && /^[0-9a-zA-Z]+$/.test(x)) ||
      r.start !== Number(m[1]) ||
      r.ids[0] !== m[2]
    ) {
      return "_revisions must be {start, ids} naming _rev: start its generation, ids its hash first, then its ancestors'.";
    }
  }
  return attachmentsProblem(doc);
}

/** The body PouchDB receives: read-only members dropped (and `_revisions` when it is ignored). */
function cleaned(doc: Record<string, unknown>, newEdits: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (READ_ONLY_MEMBERS.has(k) || (newEdits && k === "_revisions")) continue;
    out[k] = v;
  }
  return out;
}

/** Why a document's `_attachments` cannot be stored as sent, if it cannot. */
function attachmentsProblem(doc: Record<string, unknown>): string | undefined {
  const atts = doc._attachments;
  if (atts === undefined) return undefined;
  if (!isObject(atts)) return "_attachments must be an object.";
  for (const [name, att] of Object.entries(atts)) {
    const bad = attachmentNameProblem(name);
    if (bad) return bad;
    if (!isObject(att)) return `The attachment ${JSON.stringify(name)} must be an object.`;
    if (att.stub !== undefined && att.stub !== false) {
      if (att.stub !== true || typeof att.digest !== "string" || !att.digest) {
        return `The attachment stub ${JSON.stringify(name)} needs "stub": true and its digest.`;
      }
    } else if (typeof att.data !== "string") {
      return `The attachment ${JSON.stringify(name)} needs its data (base64), or "stub": true and a digest of an earlier revision (multipart "follows" is not supported).`;
    }
  }
  return undefined;
}

/** CouchDB's rule: attachment names are non-empty and do not start with `_`. */
function attachmentNameProblem(name: string): string | undefined {
  if (!name) return "An attachment name cannot be empty.";
  if (name.startsWith("_")) return `Attachment name ${JSON.stringify(name)} starts with the prohibited character "_".`;
  return undefined;
}

/** Digests of the stubs of a document's `_attachments` (already checked by attachmentsProblem). */
function stubDigests(doc: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  if (!isObject(doc._attachments)) return out;
  for (const att of Object.values(doc._attachments)) {
    if (isObject(att) && att.stub === true && typeof att.digest === "string") out.add(att.digest);
  }
  return out;
}

/** The revisions a new revision descends from, nearest first (see the file comment). */
function ancestry(doc: Record<string, unknown>, newEdits: boolean, max: number): string[] {
  if (newEdits) return typeof doc._rev === "string" ? [doc._rev] : [];
  const r = doc._revisions;
  const m = typeof doc._rev === "string" ? REV.exec(doc._rev) : null;
  if (!m || !isObject(r) || !Array.isArray(r.ids) || r.start !== Number(m[1]) || r.ids[0] !== m[2]) return [];
  const out: string[] = [];
  for (let i = 1; i < r.ids.length && out.length < max; i++) {
    const h = r.ids[i];
    if (typeof h !== "string" || !/^[0-9a-zA-Z]+$/.test(h) || r.start - i < 1) break;
    out.push(`${r.start - i}-${h}`);
  }
  return out;
}

/**
 * Whether every stub of a new revision names an attachment of one of its ancestors held here
 * that the writer may read. Reads at most the ancestors the database holds (a few: revsLimit).
 */
async function stubsAllowed(
  ctx: Ctx,
  id: string,
  doc: Record<string, unknown>,
  newEdits: boolean,
  stubs: Set<string>,
): Promise<boolean> {
  const { d, reader } = ctx;
  let revs = ancestry(doc, newEdits, ctx.limits.listEntries);
  if (!revs.length) return false;
  if (!newEdits) {
    // Only those the database holds (one call), nearest first.
    const missing = new Set((await d.db.revsDiff({ [id]: revs }))[id]?.missing ?? []);
    revs = revs.filter((r) => !missing.has(r));
  }
  const left = new Set(stubs);
  for (const rev of revs) {
    let body: Doc;
    try {
      body = (await d.db.get(id, { rev })) as Doc;
    } catch (e) {
      const status = errorStatus(e);
      if (status === 404 || status === 400) continue; // compacted, or not a revision of it
      throw e;
    }
    if (body._id !== id || !visibleTo(await d.principalsOf(id, body), reader.set)) continue;
    for (const att of Object.values(body._attachments ?? {})) if (att.digest) left.delete(att.digest);
    if (!left.size) return true;
  }
  return false;
}

const STUB_REFUSED =
  "An attachment stub must name an attachment of an earlier revision of this document that you may read (its parent revision; with new_edits=false, an ancestor listed in _revisions that the server holds). Send the attachment's data instead.";

/**
 * Checks and stores documents written by a device. Answers one outcome per input document, in
 * order, and reports the stored ids to the device push listeners.
 */
export async function writeDocs(
  ctx: Ctx,
  input: unknown[],
  newEdits: boolean,
  emit: (ids: string[]) => void,
): Promise<WriteOutcome[]> {
  const { d, reader } = ctx;
  const out: (WriteOutcome | undefined)[] = new Array(input.length);
  const todo: { i: number; id: string; doc: Record<string, unknown> }[] = [];
  input.forEach((raw, i) => {
    if (!isObject(raw)) {
      out[i] = { id: "", error: "bad_request", reason: "A document must be a JSON object." };
      return;
    }
    let id = raw._id;
    if (id === undefined && newEdits) id = randomUUID().replace(/-/g, "");
    const rev = raw._rev;
    if (typeof id !== "string" || !id) {
      out[i] = { id: String(id ?? ""), error: "bad_request", reason: "_id must be a non-empty string." };
    } else if (id.startsWith("_design/")) {
      out[i] = { id, error: "forbidden", reason: "Design documents cannot be written through FullSync." };
    } else if (id.startsWith("_local/")) {
      out[i] = { id, error: "forbidden", reason: "Write _local documents with PUT /db/_local/<id>." };
    } else if (id.startsWith("_")) {
      out[i] = { id, error: "bad_request", reason: "Only reserved document ids may start with underscore." };
    } else if (rev !== undefined && (typeof rev !== "string" || !REV.test(rev))) {
      out[i] = { id, error: "bad_request", reason: "_rev must be a revision id like 1-abc." };
    } else if (!newEdits && rev === undefined) {
      out[i] = { id, error: "bad_request", reason: "With new_edits=false every document needs its _rev." };
    } else if (!reader.user) {
      out[i] = {
        id,
        ...(typeof rev === "string" ? { rev } : {}),
        error: "forbidden",
        reason: "Anonymous sessions cannot write.",
      };
    } else if (docProblem(raw, newEdits)) {
      out[i] = {
        id,
        ...(typeof rev === "string" ? { rev } : {}),
        error: "bad_request",
        reason: docProblem(raw, newEdits)!,
      };
    } else {
      todo.push({ i, id, doc: { ...cleaned(raw, newEdits), _id: id } });
    }
  });
  if (!todo.length) return out as WriteOutcome[];

  const ids = [...new Set(todo.map((t) => t.id))];
  await d.lock.with(ids, async () => {
    const leaves = new Map<string, ExistingLeaf[]>();
    await mapLimit(ids, 8, async (id) => {
      leaves.set(id, await d.loadLeaves(id));
    });
    // With new_edits=false, revisions already stored need no write (a retried push).
    let present = new Set<string>();
    if (!newEdits) {
      const ask: Record<string, string[]> = {};
      for (const t of todo) (ask[t.id] ??= []).push(t.doc._rev as string);
      const diff = await d.db.revsDiff(ask);
      // A set per document: a batch repeating one id many times stays linear.
      const missing = new Map(Object.entries(diff).map(([id, r]) => [id, new Set(r.missing ?? [])]));
      present = new Set(
        todo
          .filter((t) => !missing.get(t.id)?.has(t.doc._rev as string))
          .map((t) => `${t.id}\n${t.doc._rev as string}`),
      );
    }
    const store: { i: number; id: string; body: Record<string, unknown> }[] = [];
    for (const t of todo) {
      const ls = leaves.get(t.id) ?? [];
      const parentRev = newEdits ? (t.doc._rev as string | undefined) : parentOf(t.doc);
      const parent = parentRev ? ls.find((l) => l.rev === parentRev) : undefined;
      const verdict = checkWrite({ user: reader.user, groups: reader.groups, doc: t.doc, leaves: ls, parent });
      const rev = typeof t.doc._rev === "string" ? t.doc._rev : undefined;
      if (!verdict.ok) {
        out[t.i] = { id: t.id, ...(rev ? { rev } : {}), error: "forbidden", reason: verdict.reason };
        continue;
      }
      if (!newEdits && present.has(`${t.id}\n${rev}`)) {
        out[t.i] = { id: t.id, ok: true, ...(rev ? { rev } : {}) };
        continue;
      }
      const stubs = stubDigests(t.doc);
      if (stubs.size && !(await stubsAllowed(ctx, t.id, t.doc, newEdits, stubs))) {
        out[t.i] = { id: t.id, ...(rev ? { rev } : {}), error: "forbidden", reason: STUB_REFUSED };
        continue;
      }
      const stamped = Object.keys(verdict.stamp).length > 0;
      const body = !stamped ? t.doc : newEdits ? { ...t.doc, ...verdict.stamp } : graft(t.doc, verdict.stamp);
      store.push({ i: t.i, id: t.id, body });
    }
    if (!store.length) return;
    let res: WriteResult[];
    try {
      res = await d.db.bulkDocs(
        store.map((s) => s.body),
        { new_edits: newEdits },
      );
    } catch (e) {
      const status = errorStatus(e);
      if (status && status >= 400 && status < 500) {
        const err = e as { name?: string; message?: string };
        for (const s of store)
          out[s.i] = { id: s.id, error: err.name ?? "bad_request", reason: err.message ?? "rejected" };
        return;
      }
      throw e;
    }
    const stored = new Set<string>();
    // new_edits=false answers only the errors (each with its id); new_edits=true one row per doc.
    const errorsById = new Map<string, WriteResult>();
    if (!newEdits) for (const r of res) if (r.error) errorsById.set(r.id, r);
    store.forEach((s, k) => {
      const r = newEdits ? res[k] : (errorsById.get(s.id) ?? { ok: true, id: s.id, rev: s.body._rev as string });
      if (!r || r.error || r.ok === false) {
        const name = r?.name ?? (typeof r?.error === "string" ? r.error : "bad_request");
        out[s.i] = {
          id: s.id,
          ...(typeof s.body._rev === "string" ? { rev: s.body._rev } : {}),
          error: name,
          reason: r?.reason ?? r?.message ?? "The document was not stored.",
        };
      } else {
        out[s.i] = { id: s.id, ok: true, rev: r.rev ?? (s.body._rev as string) };
        stored.add(s.id);
      }
    });
    if (stored.size) emit([...stored]);
  });
  return out as WriteOutcome[];
}

const STATUS: Record<string, number> = {
  forbidden: 403,
  conflict: 409,
  bad_request: 400,
  not_found: 404,
  unauthorized: 401,
};

function single(o: WriteOutcome, okStatus: number, ctx: Ctx): void {
  if (o.error) {
    const status = o.error === "forbidden" && !ctx.reader.user ? 401 : (STATUS[o.error] ?? 400);
    throw new HttpError(status, status === 401 ? "unauthorized" : o.error, o.reason ?? o.error);
  }
  sendJson(ctx.res, okStatus, { ok: true, id: o.id, rev: o.rev }, o.rev ? { ETag: `"${o.rev}"` } : {});
}

// ---- endpoints ----------------------------------------------------------------------------------

export async function bulkDocs(ctx: Ctx, emit: (ids: string[]) => void): Promise<void> {
  const body = await readJsonObject(ctx.req, ctx.limits.docBodyBytes);
  if (!Array.isArray(body.docs)) throw badRequest('_bulk_docs needs a body {"docs": [...]}.');
  checkEntries("_bulk_docs", body.docs.length, ctx.limits);
  if (body.all_or_nothing === true) throw badRequest("all_or_nothing is not supported.");
  if (body.new_edits !== undefined && typeof body.new_edits !== "boolean")
    throw badRequest("new_edits must be true or false.");
  const newEdits = body.new_edits !== false;
  const outcomes = await writeDocs(ctx, body.docs, newEdits, emit);
  const answer = newEdits
    ? outcomes.map((o) =>
        o.error ? { id: o.id, error: o.error, reason: o.reason } : { ok: true, id: o.id, rev: o.rev },
      )
    : outcomes.filter((o) => o.error).map((o) => ({ id: o.id, rev: o.rev, error: o.error, reason: o.reason }));
  sendJson(ctx.res, 201, answer);
}

export async function putDocument(ctx: Ctx, id: string, emit: (ids: string[]) => void): Promise<void> {
  const doc = await readJsonObject(ctx.req, ctx.limits.docBodyBytes);
  if (doc._id !== undefined && doc._id !== id)
    throw badRequest("The _id of the body differs from the document id of the URL.");
  const rev = ctx.query.str("rev");
  if (rev !== undefined && doc._rev !== undefined && doc._rev !== rev)
    throw badRequest("_rev of the body differs from ?rev.");
  const newEdits = ctx.query.bool("new_edits", true);
  const [o] = await writeDocs(ctx, [{ ...doc, _id: id, ...(rev ? { _rev: rev } : {}) }], newEdits, emit);
  single(o!, 201, ctx);
}

export async function postDocument(ctx: Ctx, emit: (ids: string[]) => void): Promise<void> {
  const doc = await readJsonObject(ctx.req, ctx.limits.docBodyBytes);
  const [o] = await writeDocs(ctx, [doc], true, emit);
  single(o!, 201, ctx);
}

function revOf(ctx: Ctx): string | undefined {
  const fromQuery = ctx.query.str("rev");
  const ifMatch = ctx.req.headers["if-match"];
  return fromQuery ?? (typeof ifMatch === "string" ? ifMatch.replace(/"/g, "") : undefined);
}

export async function deleteDocument(ctx: Ctx, id: string, emit: (ids: string[]) => void): Promise<void> {
  const rev = revOf(ctx);
  if (!rev) throw new HttpError(409, "conflict", "Document update conflict: give the revision to delete (?rev=).");
  const [o] = await writeDocs(ctx, [{ _id: id, _rev: rev, _deleted: true }], true, emit);
  single(o!, 200, ctx);
}

/** The current body at `rev` for an attachment change, if the reader may see it. */
async function baseForAttachment(ctx: Ctx, id: string, rev: string | undefined): Promise<Record<string, unknown>> {
  if (!rev) {
    const leaves = await ctx.d.loadLeaves(id);
    if (leaves.some((l) => !l.deleted)) throw new HttpError(409, "conflict", "Document update conflict: give ?rev=.");
    return { _id: id };
  }
  let doc: Doc;
  try {
    doc = (await ctx.d.db.get(id, { rev })) as Doc;
  } catch (e) {
    const status = errorStatus(e);
    if (status === 404 || status === 400) throw new HttpError(409, "conflict", "Document update conflict.");
    throw e;
  }
  // Its stubs are checked like any stub (writeDocs): they must be the writer's to read.
  const { _revisions: _r, _conflicts: _c, ...rest } = doc;
  return rest;
}

export async function putAttachment(ctx: Ctx, id: string, name: string, emit: (ids: string[]) => void): Promise<void> {
  const rev = revOf(ctx);
  const bad = attachmentNameProblem(name);
  if (bad) throw badRequest(bad);
  const data = await readBody(ctx.req, ctx.limits.docBodyBytes);
  const type = String(ctx.req.headers["content-type"] ?? "application/octet-stream");
  const base = await baseForAttachment(ctx, id, rev);
  const atts: Record<string, unknown> = { ...((base._attachments as Record<string, unknown> | undefined) ?? {}) };
  atts[name] = { content_type: type, data: data.toString("base64") };
  const [o] = await writeDocs(ctx, [{ ...base, _attachments: atts }], true, emit);
  single(o!, 201, ctx);
}

export async function deleteAttachment(
  ctx: Ctx,
  id: string,
  name: string,
  emit: (ids: string[]) => void,
): Promise<void> {
  const rev = revOf(ctx);
  if (!rev) throw new HttpError(409, "conflict", "Document update conflict: give ?rev=.");
  const base = await baseForAttachment(ctx, id, rev);
  const atts: Record<string, unknown> = { ...((base._attachments as Record<string, unknown> | undefined) ?? {}) };
  if (!Object.prototype.hasOwnProperty.call(atts, name)) throw notFound("Document is missing attachment.");
  delete atts[name];
  const [o] = await writeDocs(ctx, [{ ...base, _attachments: atts }], true, emit);
  single(o!, 200, ctx);
}

// ---- _local -------------------------------------------------------------------------------------

const LOCAL_LIMIT = 1024 * 1024;

/** Where a reader's `_local/<id>` is stored: a namespace per user. */
export function localId(ctx: Ctx, id: string): string {
  const ns = ctx.reader.user ? `u:${encodeURIComponent(ctx.reader.user)}` : "anonymous";
  return `_local/c8o:${ns}:${id}`;
}

export async function localDocument(ctx: Ctx, id: string): Promise<void> {
  const { d, req } = ctx;
  if (!id) throw badRequest("A _local document needs an id.");
  const stored = localId(ctx, id);
  const method = req.method ?? "GET";
  if (method === "GET" || method === "HEAD") {
    let doc: Record<string, unknown>;
    try {
      doc = (await d.db.get(stored)) as Record<string, unknown>;
    } catch (e) {
      if (errorStatus(e) === 404) throw notFound("missing");
      throw e;
    }
    sendJson(ctx.res, 200, { ...doc, _id: `_local/${id}` });
    return;
  }
  if (!ctx.reader.user) throw new HttpError(403, "forbidden", "Anonymous sessions cannot write _local documents.");
  if (method === "PUT") {
    const body = await readJson(req, LOCAL_LIMIT);
    if (!isObject(body)) throw badRequest("A _local document must be a JSON object.");
    const rev = ctx.query.str("rev") ?? body._rev;
    const { _id: _ignored, _attachments: _a, ...rest } = body;
    try {
      const r = await d.db.put({ ...rest, _id: stored, ...(rev ? { _rev: rev } : {}) });
      sendJson(ctx.res, 201, { ok: true, id: `_local/${id}`, rev: r.rev });
    } catch (e) {
      if (errorStatus(e) === 409) throw new HttpError(409, "conflict", "Document update conflict.");
      throw e;
    }
    return;
  }
  if (method === "DELETE") {
    const rev = revOf(ctx);
    try {
      const cur = (await d.db.get(stored)) as { _rev: string };
      if (rev && rev !== cur._rev) throw new HttpError(409, "conflict", "Document update conflict.");
      const r = await d.db.remove(stored, cur._rev);
      sendJson(ctx.res, 200, { ok: true, id: `_local/${id}`, rev: r.rev });
    } catch (e) {
      if (errorStatus(e) === 404) throw notFound("missing");
      throw e;
    }
    return;
  }
  throw new HttpError(405, "method_not_allowed", "Only GET, HEAD, PUT, DELETE allowed for _local documents.");
}
