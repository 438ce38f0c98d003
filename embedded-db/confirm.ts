/**
 * What a row may name. The principal index proposes the leaves of a document a reader sees;
 * before `_changes` or `_all_docs` names one (or sends a body), it is confirmed here:
 *
 * - a leaf whose principals this process computed from that revision's body, read from the
 *   database (the change feed's documents, an earlier check), is taken as the index holds it;
 * - any other leaf (loaded from a snapshot file, or entered by any other path) is read from the
 *   database and judged by its own body (a key-less tombstone: by the revision it deletes); a
 *   disagreement is reported to the database, which corrects its entry;
 * - a body that is sent is always read from the database and judged by itself.
 *
 * So an index that is wrong (a damaged or stale snapshot) or lagging (it proposes an older leaf,
 * whose principals are those of that older revision's own body) never makes a row name, or a
 * response carry, a revision the reader may not see.
 */
import { visibleTo } from "./acl.ts";
import type { CheckedRevision, FullSyncDatabase, Reader } from "./database.ts";
import type { LeafEntry } from "./principal-index.ts";
import { compareLeaves, type Doc } from "./pouch.ts";

export interface Confirmed {
  /** The leaves the reader may see, in CouchDB's order: the winner first. */
  leaves: LeafEntry[];
  /** The winner's body when asked for; null when it is gone or not the reader's by itself. */
  doc?: Doc | null;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

export async function confirmLeaves(
  d: FullSyncDatabase,
  reader: Reader,
  items: readonly { id: string; leaves: readonly LeafEntry[] }[],
  opts: { bodies?: boolean; attachments?: boolean } = {},
): Promise<Confirmed[]> {
  const proposed = items.map((it) => it.leaves.filter((l) => visibleTo(l.p, reader.set)));
  const reqs: { id: string; rev: string; leaf: LeafEntry }[] = [];
  items.forEach((it, i) => {
    for (const leaf of proposed[i]!) if (leaf.v !== true) reqs.push({ id: it.id, rev: leaf.rev, leaf });
  });
  const got = await d.checkRevisions(reqs);
  const read = new Map<LeafEntry, CheckedRevision | undefined>();
  const readByRev = new Map<string, CheckedRevision>();
  reqs.forEach((r, k) => {
    const c = got[k];
    read.set(r.leaf, c);
    if (c) readByRev.set(`${r.id}\n${r.rev}`, c);
    if (!c) return; // not in the database (any more): nothing to name
    if (sameSet(c.p, r.leaf.p)) {
      r.leaf.v = true;
      d.index.verify(r.id, r.rev, r.leaf.p);
    } else d.disagreement(r.id, `principals of ${r.rev}`);
  });
  const out: Confirmed[] = items.map((_, i) => {
    const leaves: LeafEntry[] = [];
    for (const l of proposed[i]!) {
      if (l.v === true && !read.has(l)) {
        leaves.push(l);
        continue;
      }
      const c = read.get(l);
      if (c && visibleTo(c.p, reader.set))
        leaves.push({ rev: l.rev, deleted: c.doc._deleted === true, p: c.p, v: true });
    }
    return { leaves: leaves.sort(compareLeaves) };
  });
  if (!opts.bodies) return out;

  // The winners' bodies, each judged by itself (a body read above is used again).
  const wanted: { i: number; id: string; rev: string }[] = [];
  out.forEach((o, i) => {
    const w = o.leaves[0];
    if (!w) return;
    const again = opts.attachments ? undefined : readByRev.get(`${items[i]!.id}\n${w.rev}`);
    if (again) o.doc = again.doc;
    else wanted.push({ i, id: items[i]!.id, rev: w.rev });
  });
  const bodies = await d.checkRevisions(wanted, { attachments: opts.attachments });
  wanted.forEach((w, k) => {
    const c = bodies[k];
    out[w.i]!.doc = c && visibleTo(c.p, reader.set) ? c.doc : null;
  });
  return out;
}
