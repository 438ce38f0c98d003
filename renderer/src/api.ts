import {
  STUDIO_API,
  STUDIO_HEADER,
  type ApiErrorBody,
  type ChangeResult,
  type DebugAction,
  type FindResult,
  type HistoryState,
  type LogEntry,
  type OpenWorkspaceResult,
  type ProjectTree,
  type RunStart,
  type RunStreamEvent,
  type StudioEvent,
  type TestResult,
  type WorkspaceInfo,
} from "../../engine/common/studio/api.ts";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";

/** This window's id: the engine tags the events of its changes with it. */
export const clientId = Math.random().toString(36).slice(2, 12);

/** A refusal from the engine, with its code and HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(STUDIO_API + path, {
      method,
      headers: {
        [STUDIO_HEADER]: "1",
        "x-atelier-client": clientId,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      credentials: "same-origin",
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
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
  return json as T;
}

const enc = encodeURIComponent;

/** The Studio API, one function per route. */
export const api = {
  types: () => request<TypeSchema[]>("GET", "/types"),
  workspace: () => request<WorkspaceInfo>("GET", "/workspace"),
  history: () => request<HistoryState>("GET", "/history"),
  tree: (project: string) => request<ProjectTree>("GET", `/projects/${enc(project)}/tree`),
  createProject: (name: string) => request<ChangeResult>("POST", "/projects", { name }),
  openWorkspace: (dir: string, create: boolean) =>
    request<OpenWorkspaceResult>("POST", "/workspace/open", { dir, create }),
  addExample: (name: string) => request<ChangeResult>("POST", `/examples/${enc(name)}`),
  importConvertigo: (src: string, name?: string) =>
    request<ChangeResult & { warnings: string[] }>("POST", "/import/convertigo", { src, ...(name ? { name } : {}) }),
  create: (
    project: string,
    body: { parent: string; type: string; name?: string; index?: number; props?: Record<string, unknown> },
  ) => request<ChangeResult>("POST", `/projects/${enc(project)}/objects`, body),
  update: (
    project: string,
    id: string,
    body: { rev?: string; name?: string; set?: Record<string, unknown>; unset?: string[] },
  ) => request<ChangeResult>("PATCH", `/projects/${enc(project)}/objects/${enc(id)}`, body),
  remove: (project: string, ids: string[]) =>
    request<ChangeResult>("POST", `/projects/${enc(project)}/delete`, { ids }),
  move: (project: string, ids: string[], parent: string, index?: number, toProject?: string) =>
    request<ChangeResult>("POST", `/projects/${enc(project)}/move`, {
      ids,
      parent,
      ...(index !== undefined ? { index } : {}),
      ...(toProject ? { toProject } : {}),
    }),
  duplicate: (project: string, ids: string[]) =>
    request<ChangeResult>("POST", `/projects/${enc(project)}/duplicate`, { ids }),
  paste: (project: string, parent: string, nodes: unknown[], index?: number) =>
    request<ChangeResult>("POST", `/projects/${enc(project)}/paste`, {
      parent,
      nodes,
      ...(index !== undefined ? { index } : {}),
    }),
  undo: () => request<ChangeResult>("POST", "/undo"),
  redo: () => request<ChangeResult>("POST", "/redo"),
  find: (q: string, opts: { project?: string; in?: string[] } = {}) =>
    request<{ results: FindResult[]; truncated: boolean }>(
      "GET",
      `/find?q=${enc(q)}${opts.project ? `&project=${enc(opts.project)}` : ""}${opts.in?.length ? `&in=${opts.in.join(",")}` : ""}`,
    ),
  references: (project: string, id: string) =>
    request<FindResult[]>("GET", `/projects/${enc(project)}/references/${enc(id)}`),
  log: (after = 0) => request<LogEntry[]>("GET", `/log?after=${after}`),
  runTests: (project: string, ids?: string[]) =>
    request<TestResult[]>("POST", `/projects/${enc(project)}/tests/run`, ids ? { ids } : {}),
  debug: (runId: string, action: DebugAction) =>
    request<{ ok: boolean }>("POST", `/runs/${enc(runId)}/debug`, { action }),
  breakpoints: (runId: string, ids: string[]) =>
    request<{ ok: boolean }>("PUT", `/runs/${enc(runId)}/breakpoints`, { ids }),

  /** Starts a run and calls `onEvent` for each event of its stream, until the run ends. */
  async run(req: RunStart, onEvent: (ev: RunStreamEvent) => void, signal?: AbortSignal): Promise<void> {
    const res = await fetch(STUDIO_API + "/runs", {
      method: "POST",
      headers: { [STUDIO_HEADER]: "1", "x-atelier-client": clientId, "content-type": "application/json" },
      body: JSON.stringify(req),
      credentials: "same-origin",
      ...(signal ? { signal } : {}),
    });
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => undefined)) as ApiErrorBody | undefined;
      throw new ApiError(res.status, body?.error.code ?? "http_error", body?.error.message ?? `HTTP ${res.status}`);
    }
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) onEvent(JSON.parse(line) as RunStreamEvent);
      }
    }
  },

  /** Listens to the workspace's live events; answers a function that stops listening. */
  events(onEvent: (ev: StudioEvent) => void, onState?: (connected: boolean) => void): () => void {
    const source = new EventSource(STUDIO_API + "/events");
    source.onmessage = (m) => {
      try {
        onEvent(JSON.parse(m.data as string) as StudioEvent);
      } catch {
        // a damaged event is skipped
      }
    };
    source.onopen = () => onState?.(true);
    source.onerror = () => onState?.(false);
    return () => source.close();
  },
};
