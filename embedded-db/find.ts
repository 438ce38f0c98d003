/**
 * `find` of the trusted data API (the FullSync connector's Find transaction), without running a
 * caller's `$regex` as a JavaScript RegExp. The transaction's selector is a variable its caller
 * gives, and pouchdb-find evaluates `$regex` with a backtracking RegExp on the event loop (the
 * ReDoS of `_changes?filter=_selector`, reachable through any sequence that passes a selector on).
 *
 * A selector without `$regex` goes to pouchdb-find as it is. One with `$regex` is relaxed first:
 * each `$regex` condition becomes one pouchdb-find evaluates without a regular expression and
 * that matches at least as much (`$type: "string"` where the condition counts positively; where
 * it is negated by `$not`/`$nor`, a condition matching nothing, so its negation matches all).
 * pouchdb-find picks the candidates (its indexes and sort), then selector.ts judges each one by
 * the exact selector ($regex on RE2, bounded work), and `skip`, `limit` and `fields` apply last.
 * In an external CouchDB, `_find` runs there, not in this process: passed through.
 */
import { isObject } from "./json.ts";
import type { PouchDb } from "./pouch.ts";
import { compileSelector, parseField } from "./selector.ts";
import { HttpError, yieldToLoop } from "./http-util.ts";

/** A condition pouchdb-find evaluates, matching nothing (`$in` of no value). */
const NOTHING = { $in: [] };

function hasRegex(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasRegex);
  if (!isObject(v)) return false;
  return Object.entries(v).some(([k, x]) => k === "$regex" || hasRegex(x));
}

/** A selector (or an object of conditions) with every `$regex` relaxed; `positive` is its polarity. */
function relax(o: Record<string, unknown>, positive: boolean): Record<string, unknown> {
  if ("$regex" in o) {
    if (!positive) return NOTHING;
    const { $regex: _dropped, ...rest } = o;
    return relax({ ...rest, ...("$type" in rest ? {} : { $type: "string" }) }, true);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if ((k === "$and" || k === "$or") && Array.isArray(v)) {
      out[k] = v.map((x) => (isObject(x) ? relax(x, positive) : x));
    } else if (k === "$nor" && Array.isArray(v)) {
      out[k] = v.map((x) => (isObject(x) ? relax(x, !positive) : x));
    } else if (k === "$not" && isObject(v)) {
      out[k] = relax(v, !positive);
    } else if (isObject(v)) {
      // A field's conditions, or the argument of $elemMatch/$allMatch: same polarity.
      out[k] = relax(v, positive);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** pouchdb-find's `fields`: only these (dotted) fields of each document. */
function project(doc: Record<string, unknown>, fields: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (typeof f !== "string") continue;
    const path = parseField(f);
    let v: unknown = doc;
    for (const k of path) v = isObject(v) && Object.prototype.hasOwnProperty.call(v, k) ? v[k] : undefined;
    if (v === undefined) continue;
    let at = out;
    for (const k of path.slice(0, -1)) {
      if (!isObject(at[k])) at[k] = {};
      at = at[k] as Record<string, unknown>;
    }
    at[path[path.length - 1]!] = v;
  }
  return out;
}

export async function findWithoutJsRegex(db: PouchDb, request: Record<string, unknown>): Promise<unknown> {
  if (!db.find) throw new Error("find is not available on this database");
  const selector = request.selector;
  if (db.adapter === "http" || db.adapter === "https" || !isObject(selector) || !hasRegex(selector)) {
    return db.find(request);
  }
  let exact;
  try {
    exact = compileSelector(selector);
  } catch (e) {
    // A trusted caller gets an Error naming the problem (status 400, like pouchdb-find's).
    if (e instanceof HttpError) throw Object.assign(new Error(e.reason), { status: 400, name: "bad_request" });
    throw e;
  }
  const { limit, skip, fields, ...rest } = request;
  const res = (await db.find({ ...rest, selector: relax(selector, true) })) as {
    docs: Record<string, unknown>[];
  } & Record<string, unknown>;
  const docs: Record<string, unknown>[] = [];
  let since = performance.now();
  for (const d of res.docs) {
    if (exact.matches(d)) docs.push(d);
    if (performance.now() - since > 8) {
      await yieldToLoop();
      since = performance.now();
    }
  }
  const from = typeof skip === "number" && skip > 0 ? skip : 0;
  const page = docs.slice(from, typeof limit === "number" && limit >= 0 ? from + limit : undefined);
  return { ...res, docs: Array.isArray(fields) ? page.map((d) => project(d, fields)) : page };
}
