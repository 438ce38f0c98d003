/**
 * "Generate REST API from sequences": proposes a UrlMapper for a project, one path and operation
 * per sequence callable from outside (Public and Hidden ones; Private ones are left out), its
 * variables as parameters. Pure: it reads the project tree and answers the objects to add, which
 * the Studio (one undoable paste) and the CLI (`atelier api generate`) add and save.
 *
 * - Method: GET for a read-only sequence, POST otherwise. A sequence is read-only when none of its
 *   steps has effects (TypeDef.effects), looking through Call Sequence into the called sequence
 *   of the same project and through Call Transaction into the called transaction. A call into
 *   another project, or to something missing, may do anything: it counts as a write.
 * - Path: a read-only sequence named like a read (GetOrders, ListOrders, FindOrders...) is
 *   served at the resource it reads (/orders); any other at its name in kebab-case
 *   (CreateOrder: /create-order, an action). A path already used (in the mapper or by another
 *   generated one) falls back to the kebab name, then gets a suffix (-2, -3...): never a clash.
 * - Parameters: one per variable, in the query for GET and in the body (form: JSON object or
 *   form fields) for POST, required when the variable is. Its type stays "auto": the variable's.
 * - Responses: 200 for a successful run; one per Error step of the sequence with a code, at its
 *   HTTP status (condition `error.code == <code>`). Other failures keep the engine's answer: an
 *   RFC 9457 problem with the failure's own status (a catch-all `error` response would turn a
 *   401 or a 404 into one fixed status).
 *
 * An existing mapper (the project's first) is added to, never changed: its paths and operations
 * stay as they are, a path any of the project's mappers serves is not taken again, and a sequence
 * that an operation already runs is left out. Without a mapper, one is made, named "api", its
 * prefix the project's name in kebab-case (projects' APIs share one namespace).
 */
import { joinPaths, parsePathTemplate, PathTemplateError } from "./rest-paths.ts";
import { newId as randomId, walk, type ObjNode } from "../model/node.ts";
import { getType, propOrDefault } from "../model/registry.ts";
import type { Effects } from "../model/typedef.ts";

/** Whether a sequence has effects, and which object makes it write. */
export interface EffectsVerdict {
  effects: Effects;
  /** The first object found that writes, e.g. `Session Set "remember" in sequence Login`. */
  because?: string;
}

/** The effects of one object by its type (absent: none; an unknown type may do anything). */
export function typeEffects(node: ObjNode): Effects {
  const def = getType(node.type);
  if (!def) return "write";
  const e = def.effects;
  if (e === undefined) return "none";
  return typeof e === "function" ? e(node) : e;
}

function label(node: ObjNode): string {
  return `${getType(node.type)?.label ?? node.type} "${node.name}"`;
}

function connectorsOf(project: ObjNode): ObjNode[] {
  return project.children.filter((c) => getType(c.type)?.category === "connector");
}

/** The transaction a Call Transaction (or an operation) names in this project: by connector, or the default one. */
function findTransaction(project: ObjNode, connector: string, transaction: string): ObjNode | undefined {
  const connectors = connectorsOf(project);
  const c = connector
    ? connectors.find((x) => x.name === connector)
    : (connectors.find((x) => propOrDefault<boolean>(x, "isDefault")) ??
      (connectors.length === 1 ? connectors[0] : undefined));
  return c?.children.find((t) => t.name === transaction && getType(t.type)?.category === "transaction");
}

function sequencesOf(project: ObjNode): ObjNode[] {
  return project.children.filter((c) => c.type === "Sequence");
}

/**
 * Decides, for every sequence of a project, whether it writes (memoized; a sequence calling
 * itself, directly or not, adds nothing to what it does).
 */
export function effectsOfSequences(project: ObjNode): (sequence: ObjNode) => EffectsVerdict {
  const memo = new Map<string, EffectsVerdict>();
  const visiting = new Set<string>();
  const sameProject = (p: unknown) => typeof p !== "string" || p === "" || p === project.name;

  const ofSequence = (seq: ObjNode): EffectsVerdict => {
    const known = memo.get(seq.id);
    if (known) return known;
    if (visiting.has(seq.id)) return { effects: "none" };
    visiting.add(seq.id);
    let verdict: EffectsVerdict = { effects: "none" };
    walk(seq, (n) => {
      if (verdict.effects === "write") return false;
      if (n === seq) return undefined;
      const where = `in sequence ${seq.name}`;
      if (n.type === "CallSequence") {
        const name = String(n.props.sequence ?? "");
        if (!sameProject(n.props.project)) {
          verdict = {
            effects: "write",
            because: `${label(n)} ${where} calls another project, whose effects are not looked into`,
          };
          return false;
        }
        const called = sequencesOf(project).find((s) => s.name === name);
        if (!called) {
          verdict = { effects: "write", because: `${label(n)} ${where} calls a sequence "${name}" that is not found` };
          return false;
        }
        const inner = ofSequence(called);
        if (inner.effects === "write") verdict = inner;
        return undefined;
      }
      if (n.type === "CallTransaction") {
        const name = String(n.props.transaction ?? "");
        if (!sameProject(n.props.project)) {
          verdict = {
            effects: "write",
            because: `${label(n)} ${where} calls another project, whose effects are not looked into`,
          };
          return false;
        }
        const tx = findTransaction(project, String(n.props.connector ?? ""), name);
        if (!tx) {
          verdict = {
            effects: "write",
            because: `${label(n)} ${where} calls a transaction "${name}" that is not found`,
          };
          return false;
        }
        if (typeEffects(tx) === "write")
          verdict = { effects: "write", because: `${label(tx)} (called by ${label(n)} ${where}) writes` };
        return undefined;
      }
      if (typeEffects(n) === "write") {
        verdict = { effects: "write", because: `${label(n)} ${where} writes` };
        return false;
      }
      return undefined;
    });
    visiting.delete(seq.id);
    memo.set(seq.id, verdict);
    return verdict;
  };
  return ofSequence;
}

/** GetOrdersByID: get-orders-by-id (letters and digits kept, words joined by -). */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .toLowerCase();
}

/** Words that start the name of a sequence reading a resource: GetOrders reads /orders. */
const READ_VERBS = new Set(["get", "list", "find", "search", "fetch", "read", "load", "query", "show", "lookup"]);

/** The paths a sequence may be served at, preferred first. */
export function candidatePaths(sequenceName: string, readOnly: boolean): string[] {
  const kebab = kebabCase(sequenceName) || "sequence";
  const out: string[] = [];
  const dash = kebab.indexOf("-");
  if (readOnly && dash > 0 && READ_VERBS.has(kebab.slice(0, dash))) out.push(`/${kebab.slice(dash + 1)}`);
  out.push(`/${kebab}`);
  return out;
}

/** The key of a path's shape: two paths with the same key match the same URLs. */
function shapeKey(path: string): string | undefined {
  try {
    return parsePathTemplate(path)
      .segments.map((s) => ("literal" in s ? s.literal : "{}"))
      .join("/");
  } catch (e) {
    if (e instanceof PathTemplateError) return undefined;
    throw e;
  }
}

/** One operation the generation adds. */
export interface GeneratedOperation {
  sequence: string;
  method: "GET" | "POST";
  /** The path in the mapper (without its prefix). */
  path: string;
  /** The path with the mapper's prefix (what follows the server's /api). */
  url: string;
  parameters: string[];
  /** For POST: why the sequence is not read-only. */
  because?: string;
}

export interface MapperPlan {
  /** Where the nodes go: the project (a new mapper), or the existing mapper (new paths). */
  parent: string;
  /** The mapper's name and prefix. */
  mapper: string;
  prefix: string;
  /** A mapper is made (nodes holds it, with its paths). */
  created: boolean;
  /** The objects to add under `parent`, in order; empty when there is nothing to add. */
  nodes: ObjNode[];
  operations: GeneratedOperation[];
  skipped: { sequence: string; reason: string }[];
}

/** What a generation did, as the Studio route and the CLI say it (the plan without its objects). */
export type GeneratedApiSummary = Pick<MapperPlan, "mapper" | "prefix" | "created" | "operations" | "skipped">;

/** A plan's summary. */
export function summarize(plan: MapperPlan): GeneratedApiSummary {
  const { mapper, prefix, created, operations, skipped } = plan;
  return { mapper, prefix, created, operations, skipped };
}

export interface GenerateOptions {
  /** Makes ids (the project format's random ids by default). */
  newId?: () => string;
}

/** The objects "Generate REST API from sequences" adds to a project (see the module's comment). */
export function generateMapper(project: ObjNode, opts: GenerateOptions = {}): MapperPlan {
  const id = opts.newId ?? randomId;
  const existing = project.children.find((c) => c.type === "UrlMapper");
  const prefix = existing ? String(existing.props.prefix ?? "") : `/${kebabCase(project.name) || "api"}`;
  const mapperName = existing?.name ?? "api";

  // What the project's mappers already hold: the shapes of their full paths (prefix included: two
  // mappers may share a prefix), the sequences their operations run.
  const full = (mapperPrefix: string, path: string) =>
    mapperPrefix.trim() === "" ? path : joinPaths(mapperPrefix, path);
  const taken = new Set<string>();
  const served = new Map<string, string>();
  for (const mapper of project.children.filter((c) => c.type === "UrlMapper")) {
    const own = String(mapper.props.prefix ?? "");
    for (const path of mapper.children) {
      if (path.type !== "RestPath") continue;
      const text = String(path.props.path ?? "");
      const key = shapeKey(full(own, text));
      if (key !== undefined) taken.add(key);
      for (const op of path.children) {
        if (op.type !== "RestOperation" || typeof op.props.sequence !== "string" || op.props.sequence === "") continue;
        if (typeof op.props.project === "string" && op.props.project !== "" && op.props.project !== project.name)
          continue;
        if (!served.has(op.props.sequence))
          served.set(op.props.sequence, `${propOrDefault<string>(op, "method")} ${full(own, text)}`);
      }
    }
  }
  const free = (path: string) => !taken.has(shapeKey(full(prefix, path))!);

  const effects = effectsOfSequences(project);
  const paths: ObjNode[] = [];
  const operations: GeneratedOperation[] = [];
  const skipped: MapperPlan["skipped"] = [];
  for (const seq of sequencesOf(project)) {
    if (propOrDefault<string>(seq, "accessibility") === "Private") {
      skipped.push({ sequence: seq.name, reason: "Private: callable from other sequences only" });
      continue;
    }
    const already = served.get(seq.name);
    if (already) {
      skipped.push({ sequence: seq.name, reason: `already served by ${already}` });
      continue;
    }
    const verdict = effects(seq);
    const readOnly = verdict.effects === "none";
    const method = readOnly ? "GET" : "POST";
    const candidates = candidatePaths(seq.name, readOnly);
    let path = candidates.find(free);
    if (path === undefined) {
      const base = candidates[candidates.length - 1]!;
      for (let i = 2; path === undefined; i++) if (free(`${base}-${i}`)) path = `${base}-${i}`;
    }
    taken.add(shapeKey(full(prefix, path))!);

    const variables = seq.children.filter((c) => c.type === "Variable");
    const parameters: ObjNode[] = variables.map((v) => ({
      id: id(),
      type: "RestParameter",
      name: v.name,
      props: { in: readOnly ? "query" : "form", ...(propOrDefault<boolean>(v, "required") ? { required: true } : {}) },
      children: [],
    }));
    const responses: ObjNode[] = [
      {
        id: id(),
        type: "RestResponse",
        name: "ok",
        props: { statusCode: 200, description: `The output of ${seq.name}` },
        children: [],
      },
    ];
    const codes = new Set<string>();
    walk(seq, (n) => {
      if (n.type !== "Error") return undefined;
      const code = String(n.props.code ?? propOrDefault(n, "code"));
      if (!/^[\w.-]{1,100}$/.test(code) || codes.has(code)) return undefined;
      codes.add(code);
      const message = typeof n.props.message === "string" && n.props.message !== "" ? `: ${n.props.message}` : "";
      responses.push({
        id: id(),
        type: "RestResponse",
        name: `error_${code}`,
        props: {
          statusCode: propOrDefault<number>(n, "httpStatus"),
          condition: `error.code == ${code}`,
          description: `The error "${code}" of ${label(n)}${message}`,
        },
        children: [],
      });
      return undefined;
    });
    const comment = typeof seq.props.comment === "string" && seq.props.comment.trim() !== "" ? seq.props.comment : "";
    paths.push({
      id: id(),
      type: "RestPath",
      name: path,
      props: { path },
      children: [
        {
          id: id(),
          type: "RestOperation",
          name: seq.name,
          props: {
            method,
            sequence: seq.name,
            summary: comment.split("\n")[0]!.slice(0, 200) || `Runs the sequence ${seq.name}`,
            tags: [project.name],
          },
          children: [...parameters, ...responses],
        },
      ],
    });
    operations.push({
      sequence: seq.name,
      method,
      path,
      url: joinPaths(prefix, path),
      parameters: variables.map((v) => v.name),
      ...(verdict.because ? { because: verdict.because } : {}),
    });
  }

  if (existing) {
    return { parent: existing.id, mapper: mapperName, prefix, created: false, nodes: paths, operations, skipped };
  }
  const nodes: ObjNode[] =
    paths.length === 0
      ? []
      : [
          {
            id: id(),
            type: "UrlMapper",
            name: mapperName,
            props: { prefix, title: project.name, description: `The REST API of the project ${project.name}.` },
            children: paths,
          },
        ];
  return { parent: project.id, mapper: mapperName, prefix, created: nodes.length > 0, nodes, operations, skipped };
}
