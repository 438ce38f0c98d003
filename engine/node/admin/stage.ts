/**
 * Staging a deploy: the archive extracted into a folder, the project in it read and checked. Runs
 * in a worker thread at a lower priority (stage-worker.ts) so that serving keeps the CPU first;
 * in this thread when a worker cannot be started.
 */
import { Worker } from "node:worker_threads";
import { walk, type ObjNode } from "../../common/model/node.ts";
import { CarError, extractCar, type CarLimits } from "../deploy/car.ts";
import { loadProject, type LoadedProject } from "../project/project-files.ts";
import { DeployError } from "./deployment-error.ts";

export interface StageRequest {
  bytes: Uint8Array;
  /** The project folder to create (must not exist). */
  dir: string;
  limits: CarLimits;
}

export interface StageResult {
  loaded: LoadedProject;
  /** What keeps the project from being deployed (file errors, invalid objects); empty when none. */
  problems: string[];
  /** Where the work ran: a low-priority worker, or this thread (no worker could start). */
  ran?: "worker" | "thread";
}

/** What keeps a project from being deployed: file errors (newer type versions...) and invalid objects. */
export function problemsOf(p: LoadedProject): string[] {
  const out: string[] = [];
  for (const e of p.errors) {
    out.push(`${e.location?.file ?? ""}${e.location?.line ? `:${e.location.line}` : ""}: ${e.message}`);
  }
  walk(p.root, (n: ObjNode) => {
    for (const i of n.issues ?? []) {
      // Foreign objects (imported, not runnable) are refused at run time by name, not at deploy.
      if (n.type === "Foreign") continue;
      out.push(
        `${n.location?.file ?? n.name}${n.location?.line ? `:${n.location.line}` : ""}: ${n.type} "${n.name}": ${i.message}`,
      );
    }
  });
  return out;
}

/** The staging work itself (what the worker runs). */
export async function stageInProcess(req: StageRequest): Promise<StageResult> {
  await extractCar(Buffer.from(req.bytes), req.dir, req.limits).catch((e: unknown) => {
    if (e instanceof CarError) throw new DeployError(400, e.code, e.message);
    throw e;
  });
  const loaded = await loadProject(req.dir);
  return { loaded, problems: problemsOf(loaded) };
}

/** The worker's script: the compiled one beside the bundle, or the sources through tsx. */
function workerUrl(): URL {
  return import.meta.url.endsWith(".ts")
    ? new URL("./stage-worker-boot.mjs", import.meta.url)
    : new URL("./stage-worker.mjs", import.meta.url);
}

let workersUnavailable: string | undefined;

/** Stages in a low-priority worker thread; in this thread when no worker can start. */
export async function stage(req: StageRequest, log?: (message: string) => void): Promise<StageResult> {
  if (workersUnavailable) return { ...(await stageInProcess(req)), ran: "thread" };
  return new Promise<StageResult>((resolve, reject) => {
    let settled = false;
    const worker = new Worker(workerUrl(), { workerData: req });
    worker.once(
      "message",
      (m: {
        ok: boolean;
        result?: StageResult;
        error?: { message: string; status?: number; code?: string; details?: unknown };
      }) => {
        settled = true;
        void worker.terminate();
        if (m.ok) resolve({ ...m.result!, ran: "worker" });
        else if (m.error?.status)
          reject(new DeployError(m.error.status, m.error.code ?? "deploy_failed", m.error.message, m.error.details));
        else reject(new Error(m.error?.message ?? "staging failed"));
      },
    );
    worker.once("error", (e) => {
      if (settled) return;
      settled = true;
      // A worker that cannot even start (its script missing): stage here, and remember.
      if (
        /Cannot find module|ERR_MODULE_NOT_FOUND|ERR_UNKNOWN_FILE_EXTENSION/.test(
          `${(e as NodeJS.ErrnoException).code} ${e.message}`,
        )
      ) {
        workersUnavailable = e.message;
        log?.(`deploys are staged in the serving thread: no staging worker (${e.message})`);
        stageInProcess(req).then((r) => resolve({ ...r, ran: "thread" }), reject);
      } else reject(e);
    });
    worker.once("exit", (code) => {
      if (!settled) {
        settled = true;
        reject(new Error(`the staging worker stopped (exit code ${code})`));
      }
    });
  });
}
