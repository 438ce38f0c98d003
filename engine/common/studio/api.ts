/**
 * The Studio API contract: what the engine's Studio routes (engine/node/studio) answer and what
 * the React Studio (renderer/) sends. Types only, plus two pure helpers both sides share.
 */
import type { Issue, ObjNode } from "../model/node.ts";
import type { RunEvent, TraceEntry } from "../model/trace.ts";
import type { ErrorInfo } from "../model/typedef.ts";

/** The prefix of every Studio API route. */
export const STUDIO_API = "/api/studio";
/** The path the Studio page is served at. */
export const STUDIO_PATH = "/studio/";
/**
 * The header every Studio API call carries. A cross-site page cannot add it without a CORS
 * preflight, which the engine never grants: that is the CSRF guard (with SameSite cookies).
 */
export const STUDIO_HEADER = "x-atelier-studio";

/** One object of a project as the Studio holds it: flat, children by id. */
export interface FlatNode {
  id: string;
  type: string;
  name: string;
  props: Record<string, unknown>;
  /** Ids of the children, in order. */
  children: string[];
  /** Id of the parent; undefined for the project's root. */
  parent?: string;
  issues?: Issue[];
  /** Where the object was read from (file relative to the workspace, line). */
  file?: string;
  line?: number;
}

export interface ProjectSummary {
  name: string;
  /** Revision: bumped at every change, from the Studio or from the files. */
  rev: number;
  rootId: string;
  objectCount: number;
  invalidCount: number;
  /** Problems that kept whole files from loading. */
  errors: Issue[];
}

export interface WorkspaceInfo {
  dir: string;
  projects: ProjectSummary[];
  /** Project folders that could not be loaded at all, with the reason. */
  failures: { name: string; reason: string }[];
  /** Where the example projects are (a one-click copy into the workspace). */
  examples: string[];
  /** The engine can open another workspace folder (POST /workspace/open) and restart on it. */
  canOpenWorkspace?: boolean;
  /** Where the projects' REST APIs are served (rest.prefix of atelier.config.yaml; /api when absent). */
  restPrefix?: string;
}

/** The answer of POST /workspace/open: where the Studio will be once the engine has restarted. */
export interface OpenWorkspaceResult {
  /** The Studio's URL (never a token: the window's cookie stays valid across the restart). */
  url: string;
  dir: string;
}

export interface ProjectTree {
  project: string;
  rev: number;
  rootId: string;
  nodes: FlatNode[];
}

/** What changed in a project after an operation: objects to replace or add, objects gone. */
export interface ProjectDelta {
  project: string;
  rev: number;
  upserts: FlatNode[];
  removed: string[];
  /** The whole project must be fetched again (changed on disk, reloaded). */
  reload?: boolean;
  /** The project itself was created or removed. */
  created?: boolean;
  deleted?: boolean;
}

/** The answer of every change: deltas of the projects touched and the history state. */
export interface ChangeResult {
  deltas: ProjectDelta[];
  history: HistoryState;
  /** The object the operation created or moved (to select it). */
  focus?: { project: string; id: string };
}

export interface HistoryState {
  canUndo: boolean;
  canRedo: boolean;
  undoLabel?: string;
  redoLabel?: string;
}

/** Events pushed to every Studio window (server-sent events on /api/studio/events). */
export type StudioEvent =
  | { kind: "hello"; workspace: string }
  | { kind: "delta"; delta: ProjectDelta; origin?: string }
  | { kind: "workspace"; reason: string }
  | { kind: "history"; history: HistoryState }
  | { kind: "log"; record: LogEntry };

export interface LogEntry {
  seq: number;
  at: number;
  level: "debug" | "info" | "warn" | "error";
  message: string;
  project?: string;
}

/** Starting a run from the Studio. */
export interface RunStart {
  project: string;
  sequence?: string;
  connector?: string;
  transaction?: string;
  inputs: Record<string, unknown>;
  debug?: boolean;
  /** Step ids to pause before. */
  breakpoints?: string[];
  /** Lines of JavaScript steps to pause at: step id → 1-based lines. */
  lineBreakpoints?: Record<string, number[]>;
}

/** Lines of a run's stream: the engine's run events, plus the run id first. */
export type RunStreamEvent = { kind: "run"; runId: string } | RunEvent;

export type DebugAction = "continue" | "step" | "stop";

export interface RunSummary {
  runId: string;
  ok: boolean;
  output?: unknown;
  error?: ErrorInfo & { step?: { id: string; name: string; type: string; project: string } };
  trace: TraceEntry[];
  durationMs: number;
}

export interface FindResult {
  project: string;
  id: string;
  name: string;
  type: string;
  /** Names from the project down to the object. */
  path: string[];
  /** What matched: "name", "type" or the property's name. */
  field: string;
  /** The matched text (a short excerpt for long values). */
  excerpt: string;
}

export interface TestResult {
  requestable: string;
  testCase: string;
  id: string;
  ok: boolean;
  durationMs: number;
  differences: { path: string; expected: unknown; actual: unknown; message: string }[];
  actual: unknown;
  problem?: string;
}

export type { ApiErrorBody } from "../http/api-error.ts";

/**
 * The revision of one object's own content (name and properties, not its children): the Studio
 * sends the one it edited from, the engine refuses a change made on top of a stale copy (409).
 */
export function objectRevision(node: { name: string; props: Record<string, unknown> }): string {
  const text = node.name + "\u0000" + stableJson(node.props);
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return h1.toString(36) + h2.toString(36);
}

/** JSON with object keys sorted, so equal values give equal text whatever their key order. */
export function stableJson(v: unknown): string {
  if (v === undefined) return "null";
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(",")}}`;
}

/** A flat view of a tree (the root first, depth-first). */
export function flattenTree(root: ObjNode): FlatNode[] {
  const out: FlatNode[] = [];
  const visit = (n: ObjNode, parent: string | undefined) => {
    out.push(toFlat(n, parent));
    for (const c of n.children) visit(c, n.id);
  };
  visit(root, undefined);
  return out;
}

/** One object as a FlatNode. */
export function toFlat(n: ObjNode, parent: string | undefined): FlatNode {
  const f: FlatNode = { id: n.id, type: n.type, name: n.name, props: n.props, children: n.children.map((c) => c.id) };
  if (parent !== undefined) f.parent = parent;
  if (n.issues?.length) f.issues = n.issues;
  if (n.location?.file) f.file = n.location.file;
  if (n.location?.line) f.line = n.location.line;
  return f;
}
