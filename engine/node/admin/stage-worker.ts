/**
 * The heavy part of a deploy, in a worker thread at a lower priority: extracting the archive and
 * reading (parsing, validating) the project it holds. On a busy server the kernel then gives the
 * serving thread the CPU first, and a deploy never slows the answers to users much; it takes a
 * little longer instead. Started by stage.ts; one deploy per worker.
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { stageInProcess, type StageRequest } from "./stage.ts";

// On Linux a thread id is a valid target of setpriority(): this thread only.
try {
  const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, 10);
} catch {
  // Not Linux, or not permitted: the deploy runs at the usual priority.
}

const req = workerData as StageRequest;
stageInProcess({ ...req, bytes: Buffer.from(req.bytes) }).then(
  (result) => parentPort!.postMessage({ ok: true, result }),
  (e: unknown) => {
    const err = e as Error & { status?: number; code?: string; details?: unknown };
    parentPort!.postMessage({
      ok: false,
      error: { name: err.name, message: err.message, status: err.status, code: err.code, details: err.details },
    });
  },
);
