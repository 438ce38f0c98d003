// A device of the FullSyncDemo project (README, "FullSync"): logs in through the Login sequence,
// syncs a PouchDB database with <engine>/fullsync/fullsyncdemo, prints what the user received,
// and optionally changes a document and syncs it back.
// Usage: node examples/fullsync-demo/client.mjs <engine URL> <user> [--set <doc id> <field>=<value>]
import PouchDB from "pouchdb";
import memoryAdapter from "pouchdb-adapter-memory";

PouchDB.plugin(memoryAdapter);

const [engine = "http://127.0.0.1:8080", user = "alice", flag, docId, assignment] = process.argv.slice(2);
const base = engine.endsWith("/") ? engine : engine + "/";

// 1. Log in: the Login sequence puts the user in the session; its cookie opens FullSync.
const login = await fetch(`${base}projects/FullSyncDemo/.json`, {
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ __sequence: "Login", user, password: `${user}-pw` }),
});
if (!login.ok) {
  console.error(`Login refused (HTTP ${login.status}): ${await login.text()}`);
  process.exit(1);
}
const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];

// 2. Sync: the device receives exactly what this user may see.
const remote = new PouchDB(`${base}fullsync/fullsyncdemo`, {
  skip_setup: true,
  fetch: (url, opts) => {
    opts.headers.set("Cookie", cookie);
    return PouchDB.fetch(url, opts);
  },
});
const device = new PouchDB(`device-${user}`, { adapter: "memory" });
await PouchDB.replicate(remote, device);
const { rows } = await device.allDocs({ include_docs: true });
console.log(`${user}'s device holds:`);
for (const { doc } of rows.filter((r) => !r.id.startsWith("_design/"))) {
  const { _id, _rev, ...fields } = doc;
  console.log(`  ${_id}  ${JSON.stringify(fields)}`);
}

// 3. Optionally change a document on the device and push it: the listener sends orders back.
if (flag === "--set") {
  const [field, raw] = (assignment ?? "").split("=");
  if (!docId || !field || raw === undefined) {
    console.error("Usage: --set <doc id> <field>=<value>");
    process.exit(2);
  }
  let value = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // A plain text value.
  }
  const doc = await device.get(docId);
  await device.put({ ...doc, [field]: value });
  const result = await PouchDB.replicate(device, remote);
  console.log(
    result.doc_write_failures
      ? `The server refused the change of ${docId}.`
      : `Changed ${docId}: ${field} = ${JSON.stringify(value)}, synced to the server.`,
  );
}
await device.destroy();
