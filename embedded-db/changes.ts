/**
 * `_changes` of the FullSync layer, built from the principal index: the reader's feed is the
 * merge of their principals' lists from `since`, so its cost follows what the reader may see.
 * Feeds: normal, longpoll, continuous (`heartbeat`, `timeout`); `style=all_docs`; `limit`;
 * `descending`; `include_docs` (+ `conflicts`, `attachments`); filters `_doc_ids`, `_selector`
 * (evaluated here: express-pouchdb drops a POSTed selector) and `_design` (always empty: design
 * documents do not replicate to devices). A filter only narrows the reader's feed.
 *
 * A device's selector is compiled by selector.ts (never by pouchdb-selector-core, whose `$regex`
 * is a backtracking JavaScript RegExp: a ReDoS on the event loop), and its evaluation yields to
 * the event loop every few milliseconds, so a costly selector slows only its own request.
 */
import { visibleTo } from "./acl.ts";
import { badRequest, checkEntries, hasBody, readJson, yieldToLoop, type Ctx } from "./http-util.ts";
import { confirmLeaves } from "./confirm.ts";
import { isObject } from "./json.ts";
import type { FeedEntry } from "./principal-index.ts";
import type { Doc } from "./pouch.ts";
import { winnerOf } from "./reads.ts";
import { compileSelector, type CompiledSelector } from "./selector.ts";

/** Longest a selector's evaluation holds the event loop before yielding (ms). */
const SELECTOR_SLICE_MS = 8;

interface ChangeOut {
  seq: string;
  id: string;
  changes: { rev: string }[];
  deleted?: true;
  doc?: Doc | null;
}

interface FeedSpec {
  style: "main_only" | "all_docs";
  limit: number;
  descending: boolean;
  includeDocs: boolean;
  conflicts: boolean;
  attachments: boolean;
  docIds?: Set<string>;
  selector?: CompiledSelector;
  designOnly: boolean;
}

export async function changes(ctx: Ctx, maxFeedMs: number): Promise<void> {
  const { d, reader, query: q, req, res } = ctx;
  let body: Record<string, unknown> = {};
  if (req.method === "POST") {
    if (hasBody(req)) {
      // A list of ids or a selector: the small limit of list bodies.
      const v = await readJson(req, ctx.limits.listBodyBytes).catch((e: unknown) => {
        if (e instanceof Error && /empty/.test(e.message)) return {};
        throw e;
      });
      if (!isObject(v)) throw badRequest("The _changes request body must be a JSON object.");
      body = v;
    }
  }
  const feed = q.str("feed") ?? "normal";
  if (!["normal", "longpoll", "continuous"].includes(feed)) {
    throw badRequest(`feed=${feed} is not supported (normal, longpoll or continuous).`);
  }
  const style = q.str("style") ?? "main_only";
  if (style !== "main_only" && style !== "all_docs") throw badRequest("style must be main_only or all_docs.");
  const filter = q.str("filter");
  const spec: FeedSpec = {
    style,
    limit: Infinity,
    descending: q.bool("descending"),
    includeDocs: q.bool("include_docs"),
    conflicts: q.bool("conflicts"),
    attachments: q.bool("attachments"),
    designOnly: false,
  };
  const limit = q.int("limit");
  if (limit !== undefined) spec.limit = Math.max(1, limit);
  if (filter === "_doc_ids") {
    const ids = body.doc_ids ?? q.json("doc_ids");
    if (!Array.isArray(ids) || !ids.every((x) => typeof x === "string")) {
      throw badRequest("filter=_doc_ids needs doc_ids, a JSON array of document ids.");
    }
    checkEntries("doc_ids", ids.length, ctx.limits);
    spec.docIds = new Set(ids as string[]);
  } else if (filter === "_selector") {
    const sel = body.selector ?? q.json("selector");
    if (!isObject(sel)) throw badRequest("filter=_selector needs a selector object in the request body.");
    spec.selector = compileSelector(sel);
  } else if (filter === "_design") {
    spec.designOnly = true;
  } else if (filter !== undefined && filter !== "") {
    throw badRequest(`filter=${filter} is not available through FullSync (use _doc_ids or _selector).`);
  }
  if (q.has("view")) throw badRequest("filter=_view is not available through FullSync.");
  const from = d.parseSince(q.str("since") ?? body.since, reader);
  if ("error" in from) throw badRequest(`since: ${from.error}.`);
  const sinceFloor = Math.max(0, ...from.values());
  const heartbeatRaw = q.str("heartbeat");
  const heartbeat =
    heartbeatRaw === undefined || heartbeatRaw === "false"
      ? 0
      : heartbeatRaw === "true"
        ? 60_000
        : Math.max(1000, Number(q.int("heartbeat")));
  const timeout = Math.min(q.int("timeout") ?? maxFeedMs, maxFeedMs);

  await d.flushSoon();
  const seenSeq = d.index.lastSeq;
  const first = await compute(ctx, from, spec);

  if (feed === "normal" || (feed === "longpoll" && (first.rows.length || spec.descending))) {
    const last = Math.max(first.lastN, sinceFloor);
    const text = `{"results":[${first.rows.map((r) => JSON.stringify(r)).join(",\n")}],\n"last_seq":${JSON.stringify(d.formatSeq(last, reader))}}\n`;
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Cache-Control": "must-revalidate",
      "Content-Length": String(Buffer.byteLength(text)),
    });
    res.end(text);
    return;
  }

  // Longpoll with nothing yet, or continuous: hold the request open.
  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "must-revalidate" });
  let cursor = new Map(from);
  let lastN = Math.max(first.lastN, sinceFloor);
  let done = false;
  let busy = false;
  let again = false;
  const advance = (n: number) => {
    cursor = new Map([...cursor].map(([p, s]) => [p, Math.max(s, n)] as [string, number]));
  };
  const emit = (rows: ChangeOut[]) => {
    for (const r of rows) res.write(JSON.stringify(r) + "\n");
  };
  if (feed === "continuous") emit(first.rows);
  // Past what was read, listed or not (a revision the database refused is not read again).
  advance(first.scannedN);
  const finish = (lastSeqN: number, rows: ChangeOut[] = []) => {
    if (done) return;
    done = true;
    cleanup();
    if (feed === "longpoll") {
      res.end(
        `{"results":[${rows.map((r) => JSON.stringify(r)).join(",\n")}],\n"last_seq":${JSON.stringify(d.formatSeq(lastSeqN, reader))}}\n`,
      );
    } else {
      res.end(JSON.stringify({ last_seq: d.formatSeq(lastSeqN, reader) }) + "\n");
    }
  };
  const check = async () => {
    if (done) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        const next = await compute(ctx, cursor, spec);
        if (done) return;
        lastN = Math.max(lastN, next.lastN);
        advance(next.scannedN);
        if (!next.rows.length) continue;
        if (feed === "longpoll") {
          finish(next.lastN, next.rows);
          return;
        }
        emit(next.rows);
        if (spec.limit !== Infinity) {
          spec.limit -= next.rows.length;
          if (spec.limit <= 0) {
            finish(next.maxRowN);
            return;
          }
        }
      } while (again && !done);
    } catch (e) {
      if (!done) {
        done = true;
        cleanup();
        res.destroy(e instanceof Error ? e : new Error(String(e)));
      }
    } finally {
      busy = false;
    }
  };
  const unsubscribe = d.index.onApply((principals) => {
    for (const p of principals) {
      if (reader.set.has(p)) {
        void check();
        return;
      }
    }
  });
  // A change applied while the first read was waiting on the database: read again.
  if (d.index.lastSeq !== seenSeq) void check();
  const beat = heartbeat
    ? setInterval(() => {
        if (!done) res.write("\n");
      }, heartbeat)
    : undefined;
  const timer = setTimeout(() => finish(Math.max(lastN, d.index.lastSeq)), timeout);
  const end = () => finish(Math.max(lastN, d.index.lastSeq));
  d.feeds.set(end, reader.user);
  const onClose = () => {
    if (!done) {
      done = true;
      cleanup();
    }
  };
  req.on("close", onClose);
  res.on("close", onClose);
  function cleanup() {
    unsubscribe();
    if (beat) clearInterval(beat);
    clearTimeout(timer);
    d.feeds.delete(end);
  }
  if (feed === "continuous" && spec.limit !== Infinity) {
    spec.limit -= first.rows.length;
    if (spec.limit <= 0) finish(first.maxRowN);
  }
}

/** The reader's changes after `from`, filtered by the spec; `lastN` is where the next read starts. */
async function compute(
  ctx: Ctx,
  from: ReadonlyMap<string, number>,
  spec: FeedSpec,
): Promise<{ rows: ChangeOut[]; lastN: number; maxRowN: number; scannedN: number }> {
  const { d } = ctx;
  if (spec.designOnly) return { rows: [], lastN: d.index.lastSeq, maxRowN: 0, scannedN: 0 };
  let entries: FeedEntry[];
  let truncated = false;
  let lastN = d.index.lastSeq;
  if (!spec.selector) {
    const ids = spec.docIds;
    entries = d.index.feed(from, spec.limit, ids ? (e) => ids.has(e.id) : undefined, spec.descending);
    if (entries.length >= spec.limit) {
      truncated = true;
      lastN = entries[entries.length - 1]!.seq;
    }
  } else {
    // Selector: read the feed in slices, test the visible winner's body, until `limit` matches.
    entries = [];
    let cursor = new Map(from);
    const selector = spec.selector;
    for (;;) {
      const slice = d.index.feed(cursor, 200, spec.docIds ? (e) => spec.docIds!.has(e.id) : undefined, spec.descending);
      if (!slice.length) break;
      const bodies = await winnerBodies(ctx, slice);
      let since = performance.now();
      for (let i = 0; i < slice.length; i++) {
        const b = bodies[i];
        if (b && selector.matches(b)) entries.push(slice[i]!);
        // Each evaluation is bounded (selector.ts); many in a row must not hold the loop either.
        if (performance.now() - since > SELECTOR_SLICE_MS) {
          await yieldToLoop();
          since = performance.now();
        }
        if (entries.length >= spec.limit) {
          truncated = true;
          lastN = slice[i]!.seq;
          break;
        }
      }
      if (truncated || spec.descending) break;
      const n = slice[slice.length - 1]!.seq;
      cursor = new Map([...cursor].map(([p, s]) => [p, Math.max(s, n)] as [string, number]));
    }
  }
  const { rows, maxRowN } = await checkedRows(ctx, entries, spec);
  const scannedN = entries.reduce((m, e) => Math.max(m, e.seq), 0);
  return { rows, lastN: truncated ? lastN : Math.max(lastN, d.index.lastSeq), maxRowN, scannedN };
}

/** The rows of feed entries: only leaves confirmed against the database (confirm.ts). */
async function checkedRows(
  ctx: Ctx,
  entries: readonly FeedEntry[],
  spec: FeedSpec,
): Promise<{ rows: ChangeOut[]; maxRowN: number }> {
  const { d, reader } = ctx;
  const confirmed = await confirmLeaves(
    d,
    reader,
    entries.map((e) => ({ id: e.id, leaves: e.entry.leaves })),
    { bodies: spec.includeDocs, attachments: spec.attachments },
  );
  const rows: ChangeOut[] = [];
  let maxRowN = 0;
  entries.forEach((e, i) => {
    const { leaves, doc } = confirmed[i]!;
    const w = leaves[0];
    if (!w) return;
    const row: ChangeOut = {
      seq: d.formatSeq(e.seq, reader),
      id: e.id,
      changes: (spec.style === "all_docs" ? leaves : [w]).map((l) => ({ rev: l.rev })),
      ...(w.deleted ? { deleted: true as const } : {}),
    };
    if (spec.includeDocs) {
      const others = leaves.slice(1).filter((l) => !l.deleted);
      if (doc && spec.conflicts && others.length) doc._conflicts = others.map((l) => l.rev);
      row.doc = doc ?? null;
    }
    rows.push(row);
    maxRowN = Math.max(maxRowN, e.seq);
  });
  return { rows, maxRowN };
}

/** Bodies of the visible winners of feed entries (null when gone or not the reader's by their body). */
async function winnerBodies(ctx: Ctx, entries: readonly FeedEntry[]): Promise<(Doc | null)[]> {
  const { d, reader } = ctx;
  const wins = entries.map((e) => winnerOf(e.entry.leaves.filter((l) => visibleTo(l.p, reader.set))));
  const got = await d.checkRevisions(entries.flatMap((e, i) => (wins[i] ? [{ id: e.id, rev: wins[i].rev }] : [])));
  let k = 0;
  return entries.map((_, i) => {
    if (!wins[i]) return null;
    const c = got[k++];
    return c && visibleTo(c.p, reader.set) ? c.doc : null;
  });
}
