// The embedded SQLite database (sql.js, SQLite compiled to WebAssembly) of one file, on a thread
// of its own: a query runs synchronously, so a time limit or a stop ends it by ending this thread
// (sqlite-pool.ts), and the engine's thread never waits on a long query. The database lives in
// memory and is written back to its file (a new file renamed over the old one: never half
// written) after each batch of statements that changed it, outside an open transaction; a file
// saved meanwhile by another process is read again before a batch (outside a transaction). Two
// processes writing at the same instant may still lose one's batch: one server per workspace.
import { parentPort, workerData } from "node:worker_threads";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);
const initSqlJs = require("sql.js");
const SQL = await initSqlJs();
/** @type {string | undefined} */
const file = workerData.file;
let db = file && fs.existsSync(file) ? new SQL.Database(fs.readFileSync(file)) : new SQL.Database();
/** The file as this thread last read or wrote it: another process's save gives it a new inode. */
let seen = fileStamp();

function fileStamp() {
  if (!file) return "";
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return "";
  }
}

/** Another process (an `atelier run` beside a server) saved the file: read it again before going on. */
function reloadIfChanged() {
  if (!file) return;
  const now = fileStamp();
  if (now === seen || now === "" || inTransaction()) return;
  db.close();
  db = new SQL.Database(fs.readFileSync(file));
  seen = now;
}

function totalChanges() {
  const r = db.exec("SELECT total_changes()");
  return r[0]?.values[0]?.[0] ?? 0;
}

function inTransaction() {
  try {
    db.run("BEGIN");
  } catch {
    return true;
  }
  db.run("ROLLBACK");
  return false;
}

function persist() {
  const bytes = db.export();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  seen = fileStamp();
}

parentPort.on("message", (msg) => {
  const results = [];
  let failure;
  let changed = false;
  try {
    reloadIfChanged();
  } catch (e) {
    parentPort.postMessage({
      id: msg.id,
      results,
      failure: { kind: "query", message: `the database file ${file} could not be read: ${e.message}` },
    });
    return;
  }
  const before = file ? totalChanges() : 0;
  for (let i = 0; i < msg.statements.length; i++) {
    const st = msg.statements[i];
    let stmt;
    try {
      stmt = db.prepare(st.text);
      if (st.params.length > 0) stmt.bind(st.params);
      const columns = stmt.getColumnNames();
      if (columns.length > 0) {
        const rows = [];
        while (stmt.step()) rows.push(stmt.getAsObject());
        results.push({ columns, rows });
      } else {
        stmt.step();
        results.push({ affectedRows: db.getRowsModified() });
        changed = true; // DDL changes no row but changes the file
      }
    } catch (e) {
      failure = { kind: "query", message: String(e && e.message ? e.message : e), statement: i };
      break;
    } finally {
      stmt?.free();
    }
  }
  if (failure && inTransaction()) db.run("ROLLBACK");
  if (file && (changed || totalChanges() !== before) && !inTransaction()) {
    try {
      persist();
    } catch (e) {
      failure ??= { kind: "query", message: `the database could not be saved to ${file}: ${e.message}` };
    }
  }
  parentPort.postMessage(failure ? { id: msg.id, results, failure } : { id: msg.id, results });
});
parentPort.postMessage({ ready: true });
