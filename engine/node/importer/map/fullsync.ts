import type { ObjNode } from "../../../common/model/node.ts";
import { isFileName } from "../../../common/model/naming.ts";
import { getType } from "../../../common/model/registry.ts";
import type { BuiltInVariable } from "../../../common/model/typedef.ts";
import type { TypeName } from "../../../common/types/index.ts";
import { contentText, type C8oBean } from "../c8o-yaml.ts";
import type { Builder } from "./builder.ts";
import type { ClassMapper, ClassMappers, Decision } from "./class-mapper.ts";
import { foreignReason } from "./foreign.ts";
import { beanStr } from "./prop-bag.ts";

/**
 * Convertigo's FullSync: the connector, its CouchDB transactions (`q_`/`p_` parameters become
 * variables with that default, `_use_name` variables the built-in `name`), design documents
 * (views from `docdata`) and listeners.
 */

/** Convertigo's CouchDB transaction classes and the Atelier types they become (when defined). */
const FULLSYNC_TRANSACTIONS: Readonly<Record<string, TypeName>> = {
  "transactions.couchdb.GetDocumentTransaction": "FullSyncGetDocument",
  "transactions.couchdb.PostDocumentTransaction": "FullSyncPostDocument",
  "transactions.couchdb.PostBulkDocumentsTransaction": "FullSyncPostBulkDocuments",
  "transactions.couchdb.DeleteDocumentTransaction": "FullSyncDeleteDocument",
  "transactions.couchdb.AllDocsTransaction": "FullSyncAllDocs",
  "transactions.couchdb.GetViewTransaction": "FullSyncGetView",
  "transactions.couchdb.PostFindTransaction": "FullSyncFind",
};

export const fullSyncClasses: ClassMappers = {
  "connectors.FullSyncConnector": {
    types: ["FullSyncConnector"],
    decide: () => ({ type: "FullSyncConnector" }),
    build: fullSyncConnector,
  },
  ...Object.fromEntries(
    Object.entries(FULLSYNC_TRANSACTIONS).map(([cls, type]): [string, ClassMapper] => [
      cls,
      { types: [type], decide: (bean) => fullSyncTransactionDecision(bean, type), build: fullSyncTransaction },
    ]),
  ),
  "couchdb.DesignDocument": {
    types: ["FullSyncDesignDocument", "FullSyncView"],
    decide: designDocumentDecision,
    build: designDocument,
  },
  "couchdb.FullSyncListener": {
    types: ["FullSyncListener"],
    decide: (bean) => {
      const view = beanStr(bean, "targetView", "");
      if (!/^[A-Za-z_][\w.-]*\/[A-Za-z_][\w.-]*$/.test(view)) {
        return { type: "Foreign", reason: `its target view "${view}" is not "design/view"` };
      }
      return { type: "FullSyncListener" };
    },
    build: fullSyncListener,
  },
};

/** The built-in variable of an Atelier FullSync type for a Convertigo parameter name. */
export function fullSyncVariable(type: string, param: string): BuiltInVariable | undefined {
  const name = param === "json_base" ? "data" : param;
  return getType(type)?.variables?.find((v) => v.name === name);
}

function fullSyncTransactionDecision(bean: C8oBean, fs: TypeName): Decision {
  const cls = bean.cls;
  if (!getType(fs)) return { type: "Foreign", reason: foreignReason(cls) };
  if (cls === "transactions.couchdb.GetViewTransaction") {
    // Empty: callers give it (its _use_ddoc and _use_view variables, Atelier's ddoc and view).
    const view = beanStr(bean, "viewname", "");
    if (view !== "" && !/^[A-Za-z_][\w.-]*\/[A-Za-z_][\w.-]*$/.test(view)) {
      return { type: "Foreign", reason: `its view "${view}" is not "design/view"` };
    }
  }
  // Variables as Atelier will name them: `_use_x` is the built-in x; two alike clash, and a
  // Post transaction's field named "data" would be taken for the whole document.
  const names = bean.children
    .filter((c) => c.cls.startsWith("variables."))
    .map((c) => (c.name.startsWith("_use_") ? (fullSyncVariable(fs, c.name.slice(5))?.name ?? c.name) : c.name));
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash) return { type: "Foreign", reason: `two of its variables would both be "${clash}" in Atelier` };
  if (fs.startsWith("FullSyncPost") && bean.children.some((c) => c.name === "data")) {
    return { type: "Foreign", reason: 'its document field "data" is the name of Atelier\'s document variable' };
  }
  return { type: fs };
}

function typedDefault(value: string, dataType: string): unknown {
  if (dataType === "boolean") return value === "true";
  if ((dataType === "integer" || dataType === "number") && Number.isFinite(Number(value))) return Number(value);
  return value;
}

/**
 * Reads a design document's JSON as Convertigo writes it: function sources may hold raw line
 * breaks after their \n escapes (its pretty-printing); those are dropped before parsing.
 */
function parseDesignDocument(text: string): Record<string, unknown> | undefined {
  for (const candidate of [text, text.replace(/(\\[rn])\r?\n/g, "$1")]) {
    try {
      const v: unknown = JSON.parse(candidate);
      if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // next candidate
    }
  }
  return undefined;
}

function normalizeCode(code: string): string {
  return code.replace(/\r\n?/g, "\n");
}

function designDocumentDecision(bean: C8oBean): Decision {
  if (!getType("FullSyncDesignDocument") || !getType("FullSyncView")) {
    return { type: "Foreign", reason: foreignReason(bean.cls) };
  }
  if (!isFileName(bean.name) || bean.name === "c8o") {
    return { type: "Foreign", reason: `"${bean.name}" cannot name an Atelier design document` };
  }
  const doc = parseDesignDocument(contentText(bean.props.find((p) => p.name === "docdata")?.value) ?? "{}");
  if (!doc) return { type: "Foreign", reason: "its JSON (docdata) does not parse" };
  const extra = Object.entries(doc).filter(
    ([k, v]) =>
      !["_id", "_rev", "language", "views"].includes(k) &&
      !(v && typeof v === "object" && Object.keys(v as object).length === 0),
  );
  if (extra.length) {
    return {
      type: "Foreign",
      reason: `it holds ${extra.map(([k]) => k).join(", ")}, which Atelier's design documents do not`,
    };
  }
  const views = doc.views && typeof doc.views === "object" ? (doc.views as Record<string, unknown>) : {};
  for (const [name, v] of Object.entries(views)) {
    const ok = isFileName(name) && v && typeof v === "object" && typeof (v as { map?: unknown }).map === "string";
    if (!ok) return { type: "Foreign", reason: `its view "${name}" is not a map/reduce view Atelier can hold` };
  }
  return { type: "FullSyncDesignDocument" };
}

function fullSyncConnector(b: Builder): void {
  b.comment();
  let db = b.node.name;
  const declared = b.bag.str("databaseName", "");
  if (!/^[a-z][a-z0-9_$()+/-]*$/.test(db)) {
    db = db
      .toLowerCase()
      .replace(/[^a-z0-9_$()+/-]/g, "_")
      .replace(/^([^a-z])/, "db$1");
    b.note(
      `Convertigo names the database after the connector; "${b.node.name}" is not a valid CouchDB name, so it is "${db}"`,
      true,
    );
  }
  if (declared !== "" && declared !== db)
    b.note(`its databaseName property ("${declared}") is not used by Convertigo: the database is "${db}"`);
  b.set("databaseName", db);
  const dflt = b.convertigoAtLeast("7.9.0") ? "deny" : "allow";
  const anon = b.bag.str("anonymousReplication", dflt);
  b.set("anonymousReplication", anon === "allow" ? "allow" : "deny");
  if (b.isDefaultAttr()) b.set("isDefault", true);
  // Convertigo's CouchDB transactions answer CouchDB's errors (conflict, not_found) as data.
  b.set("documentErrors", "answer");
  const pass = b.bag.secret("couchPassword");
  if (pass) b.note(`couchPassword moved to the secret setting ${pass}: Atelier's FullSync does not use it`);
}

/** A FullSync/CouchDB transaction: q_/p_ parameters and _use_ variables to built-in variables. */
function fullSyncTransaction(b: Builder): void {
  const bean = b.bean;
  const def = getType(b.node.type);
  b.comment();
  const dfltAccess = b.convertigoAtLeast("8.0.0") ? "Private" : "Public";
  b.set("accessibility", b.bag.str("accessibility", dfltAccess));
  b.set("authenticatedContextRequired", b.bag.bool("authenticatedContextRequired", false));
  if (bean.cls === "transactions.couchdb.GetViewTransaction") {
    const [ddoc, view] = b.bag.str("viewname", "").split("/");
    if (ddoc && view) {
      b.set("designDocument", ddoc);
      b.set("view", view);
    }
  }
  if (b.bag.has("fullSyncAclPolicy")) {
    const acl = b.bag.str("fullSyncAclPolicy", "fromAuthenticatedUser");
    const allowed = def?.props.find((p) => p.name === "aclPolicy")?.values ?? [];
    if (allowed.includes(acl)) b.set("aclPolicy", acl);
    else b.note(`fullSyncAclPolicy ${acl} has no Atelier equivalent`, true);
  }
  if (b.bag.has("policy")) {
    const policy = b.bag.str("policy", "none");
    const allowed = def?.props.find((p) => p.name === "writePolicy")?.values ?? [];
    if (allowed.includes(policy)) b.set("writePolicy", policy);
    else b.note(`policy ${policy} has no Atelier equivalent`, true);
  }
  if (b.isDefaultAttr()) b.note("it was the connector's default transaction");
  // Fixed parameters (q_name, p_name) become variables with that default.
  const fixed: ObjNode[] = [];
  for (const p of bean.props) {
    const m = /^[qp]_(.+)$/.exec(p.name);
    if (!m) continue;
    const value = contentText(p.value) ?? "";
    if (value === "") {
      b.bag.skip(p.name);
      continue;
    }
    const builtIn = fullSyncVariable(b.node.type, m[1] as string);
    if (!builtIn) continue; // left over: listed in the comment
    b.bag.skip(p.name);
    const name = builtIn.name;
    if (bean.children.some((c) => c.name === `_use_${m[1]}` || c.name === name)) {
      b.note(`${p.name} = ${value}: the default of its variable`);
    }
    fixed.push({
      id: `${b.node.id}-${name}`,
      type: "Variable",
      name,
      props: {
        ...(builtIn.dataType !== "string" ? { dataType: builtIn.dataType } : {}),
        default: typedDefault(value, builtIn.dataType),
        ...(builtIn.multiValued ? { multiValued: true } : {}),
        description: `Convertigo's fixed parameter ${p.name}.`,
      },
      children: [],
    });
  }
  b.childrenDone = true;
  const kids = b.m.buildChildren(bean, b.ancestors, b.seq, b.notes);
  const names = new Set(kids.map((k) => k.name));
  b.node.children = [...fixed.filter((f) => !names.has(f.name)), ...kids];
  if (fixed.length && b.node.props.accessibility !== "Private") {
    b.note("its fixed parameters are variables in Atelier: callers may override them", true);
  }
}

/** A design document: its views become FullSyncView children (Convertigo keeps them in docdata). */
function designDocument(b: Builder): void {
  b.comment();
  b.bag.skip("_id", "_rev");
  const doc = parseDesignDocument(contentText(b.bag.raw("docdata")) ?? "") ?? {};
  const views = (doc.views ?? {}) as Record<string, { map?: string; reduce?: string }>;
  b.childrenDone = true;
  b.notes.push(...b.bean.children.map((c) => `child ${c.name} (${c.cls}) not expected in a design document`));
  b.node.children = Object.entries(views).map(([name, v]) => ({
    id: `${b.node.id}-${name}`,
    type: "FullSyncView",
    name,
    props: {
      map: normalizeCode(String(v.map ?? "")),
      ...(v.reduce ? { reduce: normalizeCode(String(v.reduce)) } : {}),
    },
    children: [],
  }));
}

function fullSyncListener(b: Builder): void {
  b.comment();
  const [ddoc, view] = b.bag.str("targetView", "").split("/");
  const target = b.bag.str("targetSequence", "");
  const i = target.indexOf(".");
  const project = i >= 0 ? target.slice(0, i) : "";
  const seq = i >= 0 ? target.slice(i + 1) : target;
  if (b.m.projectRef(project))
    b.note(`its target sequence is in the project ${project}: Atelier calls one of this project`, true);
  b.set("targetSequence", b.m.sequenceName(seq));
  b.set("designDocument", ddoc);
  b.set("view", view);
  b.set("chunkSize", b.bag.int("chunk", 10));
  if (!b.bag.bool("isEnabled", true)) b.set("enabled", false);
}
