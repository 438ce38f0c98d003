import { isPlainObject } from "../../common/model/props.ts";
import type { DeployedVersion } from "../../common/admin/routes.ts";

/**
 * The deployments of a cluster, in one CouchDB database every server reads: a document per
 * project (its id the project's name) holding which version serves and the history, with the
 * archive of each kept version as an attachment named by its SHA-256 (`<digest>.car`). A deploy
 * writes the document and the new archive in one request, against the revision it read (so two
 * servers deploying at once cannot both win); every server follows the database's change feed
 * (long poll: no polling interval, no marker file) and swaps to the version it names.
 */

export interface SharedDeployState {
  project: string;
  current: number;
  versions: DeployedVersion[];
  rolledBack?: { to: number; by: string; at: string };
}

export interface CouchTarget {
  url: string;
  username?: string;
  password?: string;
}

/** A project's document as read: its state, revision and archives' stubs. */
export interface StoredState {
  state: SharedDeployState;
  rev: string;
  attachments: Record<string, unknown>;
}

/** Another server changed the document since it was read. */
export class DeployStateConflict extends Error {}

export const DEPLOYMENTS_DB = "atelier_deployments";

/** A change feed answer larger than this is refused (a document is a few KiB of history). */
const MAX_CHANGES_BYTES = 32 * 1024 * 1024;

function checkShared(v: unknown, where: string): SharedDeployState & { _rev?: string; _attachments?: unknown } {
  if (
    !isPlainObject(v) ||
    typeof v.project !== "string" ||
    typeof v.current !== "number" ||
    !Array.isArray(v.versions) ||
    !v.versions.every((x) => isPlainObject(x) && typeof x.version === "number" && typeof x.digest === "string")
  ) {
    throw new Error(`${where} is not a deployment state (project, current, versions)`);
  }
  return v as unknown as SharedDeployState & { _rev?: string; _attachments?: unknown };
}

export class CouchDeployments {
  private readonly base: string;
  private readonly auth: string | undefined;

  constructor(
    target: CouchTarget,
    readonly db = DEPLOYMENTS_DB,
    private readonly timeoutMs = 15_000,
  ) {
    this.base = target.url.replace(/\/+$/, "") + "/" + encodeURIComponent(db);
    this.auth =
      target.username !== undefined
        ? "Basic " + Buffer.from(`${target.username}:${target.password ?? ""}`).toString("base64")
        : undefined;
  }

  /** Where it is, safe to print. */
  describe(): string {
    return this.base.replace(/\/\/[^@/]*@/, "//***@");
  }

  private async request(pathAndQuery: string, init: RequestInit = {}, timeoutMs = this.timeoutMs): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.auth) headers.set("authorization", this.auth);
    if (!headers.has("accept")) headers.set("accept", "application/json");
    try {
      return await fetch(this.base + pathAndQuery, {
        ...init,
        headers,
        signal: init.signal ?? AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const cause = (e as { cause?: Error }).cause;
      throw new Error(
        `the deployments database at ${this.describe()} cannot be reached: ${cause?.message ?? (e as Error).message}`,
      );
    }
  }

  private async fail(res: Response, what: string): Promise<never> {
    const body = (await res.text().catch(() => "")).slice(0, 300);
    throw new Error(`the deployments database (${this.describe()}) refused to ${what}: HTTP ${res.status} ${body}`);
  }

  /** Creates the database when it does not exist yet; answers its current update sequence. */
  async open(): Promise<string> {
    const created = await this.request("", { method: "PUT" });
    if (created.status !== 201 && created.status !== 202 && created.status !== 412) {
      await this.fail(created, "create the database");
    }
    const info = await this.request("");
    if (!info.ok) await this.fail(info, "describe the database");
    const body = (await info.json()) as { update_seq?: unknown };
    return String(body.update_seq ?? "0");
  }

  /** Every project's state. */
  async all(): Promise<SharedDeployState[]> {
    const res = await this.request("/_all_docs?include_docs=true");
    if (!res.ok) await this.fail(res, "list the deployments");
    const body = (await res.json()) as { rows?: { id: string; doc?: unknown }[] };
    const out: SharedDeployState[] = [];
    for (const row of body.rows ?? []) {
      if (row.id.startsWith("_")) continue;
      out.push(strip(checkShared(row.doc, `the document ${row.id} of ${this.db}`)));
    }
    return out;
  }

  /** A project's state and revision (undefined: never deployed in this cluster). */
  async get(project: string): Promise<StoredState | undefined> {
    const res = await this.request(`/${encodeURIComponent(project)}`);
    if (res.status === 404) return undefined;
    if (!res.ok) await this.fail(res, `read ${project}`);
    const doc = checkShared(await res.json(), `the document ${project} of ${this.db}`);
    const attachments = isPlainObject(doc._attachments) ? doc._attachments : {};
    return { state: strip(doc), rev: doc._rev ?? "", attachments };
  }

  /**
   * Writes a project's state against the revision read (none: a first deploy), with a new archive
   * when given; the archives of versions no longer in the history are dropped. Throws
   * DeployStateConflict when another server wrote it in between.
   */
  async put(
    state: SharedDeployState,
    prev: StoredState | undefined,
    car?: { digest: string; bytes: Buffer },
  ): Promise<void> {
    const attachments: Record<string, unknown> = {};
    // The kept archives as the revision read describes them (PouchDB finds a stub by its digest).
    for (const v of state.versions) {
      const name = `${v.digest}.car`;
      const stub = prev?.attachments[name];
      if (isPlainObject(stub)) attachments[name] = { ...stub, stub: true };
    }
    if (car) attachments[`${car.digest}.car`] = { content_type: "application/zip", data: car.bytes.toString("base64") };
    const rev = prev?.rev;
    const doc = { _id: state.project, ...(rev ? { _rev: rev } : {}), ...state, _attachments: attachments };
    const res = await this.request(`/${encodeURIComponent(state.project)}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(doc),
    });
    if (res.status === 409) throw new DeployStateConflict(`${state.project} was changed by another server`);
    if (!res.ok) await this.fail(res, `write ${state.project}`);
  }

  /** The archive of a version. */
  async car(project: string, digest: string, maxBytes: number): Promise<Buffer> {
    if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error(`"${digest}" is not an archive digest`);
    const res = await this.request(`/${encodeURIComponent(project)}/${digest}.car`, {
      headers: { accept: "application/zip" },
    });
    if (!res.ok) await this.fail(res, `give the archive ${digest} of ${project}`);
    const length = Number(res.headers.get("content-length") ?? 0);
    if (length > maxBytes) throw new Error(`the archive ${digest} of ${project} is larger than ${maxBytes} bytes`);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > maxBytes)
      throw new Error(`the archive ${digest} of ${project} is larger than ${maxBytes} bytes`);
    return bytes;
  }

  /**
   * Follows the change feed from `since` (long polls, each answered at once when a document
   * changes), calling `onState` for each changed project in order. Errors are reported and
   * retried with a growing wait; `stop()` ends it.
   */
  follow(
    since: string,
    onState: (state: SharedDeployState) => Promise<void>,
    onError: (message: string | undefined) => void,
  ): { stop(): Promise<void> } {
    let stopped = false;
    const abort = new AbortController();
    const loop = (async () => {
      let seq = since;
      let failures = 0;
      while (!stopped) {
        try {
          const res = await this.request(
            `/_changes?feed=longpoll&timeout=25000&include_docs=true&limit=100&since=${encodeURIComponent(seq)}`,
            { signal: AbortSignal.any([abort.signal, AbortSignal.timeout(60_000)]) },
          );
          if (!res.ok) await this.fail(res, "give its change feed");
          const text = await res.text();
          if (text.length > MAX_CHANGES_BYTES) throw new Error("the change feed's answer is too large");
          const body = JSON.parse(text) as {
            results?: { id: string; deleted?: boolean; doc?: unknown }[];
            last_seq?: unknown;
          };
          for (const change of body.results ?? []) {
            if (stopped) return;
            if (change.id.startsWith("_") || change.deleted) continue;
            let state: SharedDeployState;
            try {
              state = strip(checkShared(change.doc, `the document ${change.id} of ${this.db}`));
            } catch (e) {
              onError((e as Error).message);
              continue;
            }
            await onState(state);
          }
          if (body.last_seq !== undefined) seq = String(body.last_seq);
          if (failures) onError(undefined);
          failures = 0;
        } catch (e) {
          if (stopped) return;
          failures++;
          onError((e as Error).message);
          await new Promise<void>((r) => {
            const t = setTimeout(r, Math.min(250 * 2 ** failures, 5000));
            abort.signal.addEventListener("abort", () => {
              clearTimeout(t);
              r();
            });
          });
        }
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        abort.abort();
        await loop.catch(() => undefined);
      },
    };
  }
}

function strip(doc: SharedDeployState & { _rev?: string; _id?: string; _attachments?: unknown }): SharedDeployState {
  const { project, current, versions, rolledBack } = doc;
  return { project, current, versions, ...(rolledBack ? { rolledBack } : {}) };
}
