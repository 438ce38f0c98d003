import {
  STUDIO_API,
  STUDIO_HEADER,
  type DebugAction,
  type RunStart,
  type RunStreamEvent,
  type StudioEvent,
} from "../../engine/common/studio/api.ts";
import { ApiError, type ApiErrorBody } from "../../engine/common/http/api-error.ts";
import { streamNdjson } from "./run-stream.ts";
import {
  routePath,
  studioRoutes,
  type PathParams,
  type RouteAnswer,
  type RouteRequest,
  type StudioRouteName,
  type StudioRoutes,
} from "../../engine/common/studio/routes.ts";

/** This window's id: the engine tags the events of its changes with it. */
export const clientId = Math.random().toString(36).slice(2, 12);

/** A refusal from the engine, with its code and HTTP status (the engine's own error class). */
export { ApiError };

type Route<K extends StudioRouteName> = StudioRoutes[K];
type Body<K extends StudioRouteName> = RouteRequest<Route<K>>["body"];
type Query<K extends StudioRouteName> = RouteRequest<Route<K>>["query"];

/** What calling route K takes: its path parameters, body and query, as the route table types them. */
type CallInput<K extends StudioRouteName> = (keyof PathParams<Route<K>["path"]> extends never
  ? { params?: undefined }
  : { params: PathParams<Route<K>["path"]> }) &
  (Body<K> extends undefined ? { body?: undefined } : { body: Body<K> }) &
  (Query<K> extends undefined ? { query?: undefined } : { query: Query<K> });

/** The URL of route K with its parameters and query. */
function urlOf<K extends StudioRouteName>(name: K, input: CallInput<K>): string {
  const def = studioRoutes[name];
  let url = STUDIO_API + routePath(def.path, (input.params ?? {}) as Record<string, string>);
  const query = input.query as Record<string, string | undefined> | undefined;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") qs.set(k, v);
    const text = qs.toString();
    if (text) url += `?${text}`;
  }
  return url;
}

function init(method: string, body: unknown, signal?: AbortSignal): RequestInit {
  return {
    method,
    headers: {
      [STUDIO_HEADER]: "1",
      "x-atelier-client": clientId,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    credentials: "same-origin",
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    ...(signal ? { signal } : {}),
  };
}

/** Calls route K of the Studio API; answers what the table says it answers, or throws an ApiError. */
async function call<K extends StudioRouteName>(name: K, input: CallInput<K>): Promise<RouteAnswer<Route<K>>> {
  const def = studioRoutes[name];
  let res: Response;
  try {
    res = await fetch(urlOf(name, input), init(def.method, input.body));
  } catch (e) {
    throw new ApiError(0, "offline", `The engine cannot be reached (${(e as Error).message})`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json as ApiErrorBody | undefined)?.error;
    throw new ApiError(
      res.status,
      err?.code ?? "http_error",
      err?.message ?? (text || `HTTP ${res.status}`),
      err?.details,
    );
  }
  return json as RouteAnswer<Route<K>>;
}

/** Delay before listening again to events the browser gave up on. */
const RECONNECT_MS = 2000;

/** The Studio API, one function per route of the route table. */
export const api = {
  types: () => call("types", {}),
  workspace: () => call("workspace", {}),
  history: () => call("history", {}),
  tree: (project: string) => call("tree", { params: { project } }),
  createProject: (name: string) => call("createProject", { body: { name } }),
  openWorkspace: (dir: string, create: boolean) => call("openWorkspace", { body: { dir, create } }),
  addExample: (name: string, as?: string) => call("addExample", { params: { name }, body: as ? { as } : {} }),
  importConvertigo: (src: string, name?: string) =>
    call("importConvertigo", { body: { src, ...(name ? { name } : {}) } }),
  create: (project: string, body: Body<"create">) => call("create", { params: { project }, body }),
  update: (project: string, id: string, body: Body<"update">) => call("update", { params: { project, id }, body }),
  remove: (project: string, ids: string[]) => call("remove", { params: { project }, body: { ids } }),
  move: (project: string, ids: string[], parent: string, index?: number, toProject?: string) =>
    call("move", {
      params: { project },
      body: { ids, parent, ...(index !== undefined ? { index } : {}), ...(toProject ? { toProject } : {}) },
    }),
  duplicate: (project: string, ids: string[]) => call("duplicate", { params: { project }, body: { ids } }),
  paste: (project: string, parent: string, nodes: unknown[], index?: number, label?: "Add") =>
    call("paste", {
      params: { project },
      body: { parent, nodes, ...(index !== undefined ? { index } : {}), ...(label ? { label } : {}) },
    }),
  importWsdl: (project: string, id: string) => call("importWsdl", { params: { project, id }, body: {} }),
  generateRestApi: (project: string) => call("generateRestApi", { params: { project }, body: {} }),
  outputSchemas: (project: string) => call("outputSchemas", { params: { project } }),
  buildApp: (project: string) => call("buildApp", { params: { project }, body: {} }),
  sqlTest: (project: string, id: string) => call("sqlTest", { params: { project, id }, body: {} }),
  sqlSchema: (project: string, id: string) => call("sqlSchema", { params: { project, id } }),
  undo: () => call("undo", {}),
  redo: () => call("redo", {}),
  find: (q: string, opts: { project?: string; in?: string[] } = {}) =>
    call("find", {
      query: {
        q,
        ...(opts.project ? { project: opts.project } : {}),
        ...(opts.in?.length ? { in: opts.in.join(",") } : {}),
      },
    }),
  references: (project: string, id: string) => call("references", { params: { project, id } }),
  rename: (project: string, id: string, body: Body<"rename">) => call("rename", { params: { project, id }, body }),
  renamePreview: (project: string, id: string, body: Body<"renamePreview">) =>
    call("renamePreview", { params: { project, id }, body }),
  log: (after = 0) => call("log", { query: { after: String(after) } }),
  runTests: (project: string, ids?: string[]) => call("runTests", { params: { project }, body: ids ? { ids } : {} }),
  debug: (runId: string, action: DebugAction) => call("debug", { params: { id: runId }, body: { action } }),
  breakpoints: (runId: string, ids: string[], lines?: Record<string, number[]>) =>
    call("breakpoints", { params: { id: runId }, body: lines ? { ids, lines } : { ids } }),

  // Whole projects, and the folder picker of the import dialog.
  renameProject: (project: string, name: string) => call("renameProject", { params: { project }, body: { name } }),
  copyProject: (project: string, name: string) => call("copyProject", { params: { project }, body: { name } }),
  deleteProject: (project: string) => call("deleteProject", { params: { project } }),
  folders: (path?: string) => call("folders", { query: path ? { path } : {} }),
  /** The project's .car archive (a download: the bytes and the file name the engine gives). */
  async exportProject(project: string): Promise<{ blob: Blob; fileName: string }> {
    const res = await fetch(urlOf("exportProject", { params: { project } }), init("GET", undefined));
    if (!res.ok) {
      const body = (await res.json().catch(() => undefined)) as ApiErrorBody | undefined;
      throw new ApiError(res.status, body?.error.code ?? "http_error", body?.error.message ?? `HTTP ${res.status}`);
    }
    const disposition = res.headers.get("content-disposition") ?? "";
    const fileName = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${project}.car`;
    return { blob: await res.blob(), fileName };
  },

  // Deployment targets, deploys, and the servers behind the targets (the engine calls them).
  targets: () => call("targets", {}),
  importTarget: (psc: string) => call("importTarget", { body: { psc } }),
  removeTarget: (target: string) => call("removeTarget", { params: { target } }),
  startDeploy: (body: Body<"startDeploy">) => call("startDeploy", { body }),
  deployStatus: (id: string) => call("deployStatus", { params: { id } }),
  serverInfo: (target: string) => call("serverInfo", { params: { target } }),
  serverProjects: (target: string) => call("serverProjects", { params: { target } }),
  serverLogs: (target: string, project: string) => call("serverLogs", { params: { target, project } }),
  serverRollback: (target: string, project: string, to?: number) =>
    call("serverRollback", { params: { target, project }, body: to !== undefined ? { to } : {} }),
  serverSettings: (target: string, project: string) => call("serverSettings", { params: { target, project } }),
  serverSetSetting: (target: string, project: string, name: string, value: string, secret: boolean) =>
    call("serverSetSetting", { params: { target, project, name }, body: { value, secret } }),
  serverAudit: (target: string) => call("serverAudit", { params: { target } }),
  serverJobs: (target: string) => call("serverJobs", { params: { target } }),

  // This workspace's scheduled jobs, run by this engine.
  jobs: () => call("jobs", {}),
  createJob: (body: Body<"createJob">) => call("createJob", { body }),
  updateJob: (id: string, body: Body<"updateJob">) => call("updateJob", { params: { id }, body }),
  removeJob: (id: string) => call("removeJob", { params: { id } }),
  runJob: (id: string) => call("runJob", { params: { id } }),
  jobRuns: (id: string, lines?: number) =>
    call("jobRuns", { params: { id }, query: lines !== undefined ? { lines: String(lines) } : {} }),

  // The engine's status and its request history (HTTP calls to /projects and /services).
  status: () => call("status", {}),
  requests: (query: Query<"requests">) => call("requests", { query }),
  request: (id: number) => call("request", { params: { id: String(id) } }),
  requestTracing: (on: boolean) => call("requestTracing", { body: { on } }),
  clearRequests: () => call("clearRequests", {}),

  /** Starts a run and calls `onEvent` for each event of its stream, until the run ends. */
  run(req: RunStart, onEvent: (ev: RunStreamEvent) => void, signal?: AbortSignal): Promise<void> {
    const def = studioRoutes.run;
    const headers = init(def.method, req).headers as Record<string, string>;
    return streamNdjson<RunStreamEvent>(
      { method: def.method, url: urlOf("run", { body: req }), headers, body: JSON.stringify(req) },
      onEvent,
      (status, text) => {
        let body: ApiErrorBody | undefined;
        try {
          body = JSON.parse(text) as ApiErrorBody;
        } catch {
          body = undefined;
        }
        return new ApiError(status, body?.error?.code ?? "http_error", body?.error?.message ?? `HTTP ${status}`);
      },
      signal,
    );
  },

  /** Listens to the workspace's live events; answers a function that stops listening. */
  events(onEvent: (ev: StudioEvent) => void, onState?: (connected: boolean) => void): () => void {
    const source = new EventSource(urlOf("events", {}));
    source.onmessage = (m) => {
      try {
        onEvent(JSON.parse(m.data as string) as StudioEvent);
      } catch {
        // a damaged event is skipped
      }
    };
    source.onopen = () => onState?.(true);
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stop = () => source.close();
    source.onerror = () => {
      onState?.(false);
      // The browser retries by itself after a network error, but gives up after an HTTP error
      // (an engine restarting answers 503, one restarted with another token 401): start again.
      if (source.readyState === EventSource.CLOSED && !stopped) {
        retry = setTimeout(() => {
          if (!stopped) stop = api.events(onEvent, onState);
        }, RECONNECT_MS);
      }
    };
    return () => {
      stopped = true;
      clearTimeout(retry);
      stop();
    };
  },
};
