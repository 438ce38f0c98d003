/**
 * How long FullSync takes to index an external database at start: a CouchDB-compatible peer
 * (couch-server.ts in a child process, LevelDB files, admin password) holding N documents of
 * about 1 KB with ACL keys, then two starts of FullSync in front of it: the first builds the
 * principal index from the change feed, the second loads the snapshot the first saved at close
 * (when `snapshotDir` is given; without it both rebuild).
 *
 *   node --import tsx embedded-db/test/external-index-start.ts [--docs 100000] [--no-snapshot]
 *
 * Prints one JSON line per start: `{"start": 1, "source": "rebuilt", "ms": ..., "docs": ...}`
 * (`ms`: opening the database and its index, as `indexStats` says; `wallMs`: the whole start).
 */
import { mkdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createFullSync } from "../index.ts";
import { PouchDB } from "../pouch.ts";
import { decl, startCouchPeer } from "./harness.ts";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const docs = Number(arg("docs") ?? 100_000);
const withSnapshot = !process.argv.includes("--no-snapshot");
const credentials = { username: "admin", password: `pw-${process.pid}` };

const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-index-start-"));
try {
  // The data, written straight into the peer's LevelDB files (faster than over HTTP).
  const couchDir = path.join(dir, "couch");
  const Local = PouchDB.defaults({ prefix: couchDir + "/" });
  mkdirSync(couchDir, { recursive: true });
  const db = new Local("big");
  const payload = "x".repeat(900);
  const t0 = performance.now();
  for (let i = 0; i < docs; i += 2000) {
    const batch: Record<string, unknown>[] = [];
    for (let k = i; k < Math.min(docs, i + 2000); k++) {
      const acl = k % 10 === 0 ? { c8oGrp: `group${k % 7}` } : k % 97 === 0 ? {} : { "~c8oAcl": `user${k % 100}` };
      batch.push({ _id: `d${String(k).padStart(7, "0")}`, n: k, payload, ...acl });
    }
    await db.bulkDocs(batch);
  }
  await db.close();
  process.stderr.write(`written ${docs} documents in ${Math.round(performance.now() - t0)} ms\n`);

  const peer = await startCouchPeer({ dir: couchDir, ...credentials });
  try {
    for (const start of [1, 2]) {
      const t = performance.now();
      const fs = await createFullSync({
        couch: { url: peer.url, ...credentials },
        ...(withSnapshot ? { snapshotDir: path.join(dir, "snapshots") } : {}),
        resolvePrincipal: () => undefined,
        log: (level, m) => {
          if (level !== "debug") process.stderr.write(`${level}: ${m}\n`);
        },
      });
      await fs.setDatabases([decl("big")]);
      const stats = fs.indexStats("big");
      const wall = Math.round(performance.now() - t);
      process.stdout.write(JSON.stringify({ start, ...stats, ms: Math.round(stats?.ms ?? 0), wallMs: wall }) + "\n");
      await fs.close();
    }
  } finally {
    await peer.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
