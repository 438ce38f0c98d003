import type { ObjNode } from "../../common/model/node.ts";
import type { SourceRef } from "../../common/model/props.ts";
import { acceptsChild, getType } from "../../common/model/registry.ts";
import type { BuiltInVariable } from "../../common/model/typedef.ts";
import { stableHash } from "../../common/format/project-format.ts";
import { NAME_PATTERN } from "../../common/types/shared-props.ts";
import { decipherC8o, looksCiphered } from "./c8o-crypto.ts";
import { contentAttr, contentText, type C8oBean, type C8oContent, type C8oItem } from "./c8o-yaml.ts";
import {
  describeContent,
  readSmartType,
  readVector,
  sourceOfVector,
  type C8oSource,
  type SmartValue,
  type Vector,
} from "./c8o-values.ts";
import { parsePlainXPath, toJsAccessor, toJsonPath, type Segment } from "./xpath.ts";

/**
 * Turns a Convertigo project (read by c8o-yaml.ts) into an Atelier object tree. Objects of a kind
 * Atelier runs become native objects; every other one becomes a Foreign object that keeps its
 * class and all its properties. Nothing is dropped: what a native object cannot hold is written
 * in its comment under "Imported from Convertigo", and listed as a warning.
 */

export interface PendingSecret {
  /** The Setting that will hold the value (encrypted by the caller). */
  setting: string;
  plain: string;
  description: string;
}

export interface MapResult {
  root: ObjNode;
  objects: number;
  mapped: number;
  foreign: number;
  byClass: Record<string, number>;
  warnings: string[];
  secrets: PendingSecret[];
}

export interface MapOptions {
  /** The Atelier project's name (the folder name). */
  projectName: string;
  /** Convertigo's crypto passphrase (the default one unless the server changed it). */
  passphrase: string;
  /** The `↑convertigo:` version of the files, for version-dependent defaults. */
  version?: string;
}

const NAME_RE = new RegExp(`^${NAME_PATTERN}$`);
const JS_IDENT = /^[A-Za-z_$][\w$]*$/;
const JS_RESERVED = new Set(
  "break case catch class const continue debugger default delete do else export extends finally for function if import in instanceof new return super switch this throw try typeof var void while with yield let static enum await implements package protected interface private public null true false undefined".split(
    " ",
  ),
);

/** Properties of Convertigo objects that always hold a ciphered secret. */
const SECRET_PROPS: Record<string, readonly string[]> = {
  authPassword: ["connectors.HttpConnector", "connectors.ProxyHttpConnector", "connectors.SiteClipperConnector"],
  couchPassword: ["connectors.CouchDbConnector", "connectors.FullSyncConnector"],
  jdbcUserPassword: ["connectors.SqlConnector"],
  password: ["connectors.SapJcoConnector", "steps.LDAPAuthenticationStep"],
  adminPassword: ["steps.LDAPAuthenticationStep"],
  userPassword: ["connectors.CicsConnector", "transactions.CicsTransaction"],
  smtpPassword: ["steps.SmtpStep"],
};

/** Convertigo's `output` default per class (true where the step writes to the response). */
const OUTPUT_TRUE_BY_DEFAULT = new Set([
  "steps.ElementStep",
  "steps.XMLElementStep",
  "steps.AttributeStep",
  "steps.XMLAttributeStep",
  "steps.JsonFieldStep",
  "steps.JsonObjectStep",
  "steps.JsonArrayStep",
  "steps.XMLErrorStep",
  "steps.SessionGetStep",
  "steps.SessionGetObjectStep",
]);
/** Classes whose `output` flag is compared with what the Atelier type does. */
const OUTPUT_CHECKED = new Set([
  ...OUTPUT_TRUE_BY_DEFAULT,
  "steps.TransactionStep",
  "steps.SequenceStep",
  "steps.SetAuthenticatedUserStep",
  "steps.InputVariablesStep",
  "steps.SimpleSourceStep",
]);
/** Atelier types that add to the response. */
const EMITTING = new Set(["Element", "JsonObject", "JsonArray", "Error"]);

const ELEMENT_LIKE = new Set([
  "steps.ElementStep",
  "steps.XMLElementStep",
  "steps.AttributeStep",
  "steps.XMLAttributeStep",
]);
const ATTRIBUTE_LIKE = new Set(["steps.AttributeStep", "steps.XMLAttributeStep"]);
/** XML-schema typing hints of steps: meaningful for XML/WSDL output only. */
const XML_ONLY_PROPS = new Set(["xmlComplexTypeAffectation", "xmlElementRefAffectation", "xmlSimpleTypeAffectation"]);

/** Is `a` at least version `b` (dotted numbers, qualifiers ignored)? */
function versionAtLeast(a: string | undefined, b: string): boolean {
  if (!a) return true;
  const pa = a.split(".").map((x) => parseInt(x, 10));
  const pb = b.split(".").map((x) => parseInt(x, 10));
  for (let i = 0; i < pb.length; i++) {
    const x = Number.isFinite(pa[i]) ? (pa[i] as number) : 0;
    const y = pb[i] as number;
    if (x !== y) return x > y;
  }
  return true;
}

function hashId(seed: string): string {
  return "c8o" + stableHash(seed).slice(0, 12);
}

/** Finds what in JavaScript code needs a rewrite for Atelier's sandbox. */
export function jsInteropProblems(code: string): string[] {
  const out: string[] = [];
  const java =
    /(?:^|[^\w$.])(Packages\.[\w$.]+|(?:java|javax)\.[a-z][\w$]*(?:\.[\w$]+)*|(?:org|com|net)\.(?:apache|w3c|mozilla|twinsoft|convertigo|json|xml|sun|google)(?:\.[\w$]+)+)/g;
  const found = new Set<string>();
  for (const m of code.matchAll(java)) found.add((m[1] as string).split(".").slice(0, 3).join("."));
  if (found.size)
    out.push(`uses Java interop (${[...found].slice(0, 4).join(", ")}), which Atelier's sandbox does not have`);
  const apis = new Set<string>();
  for (const m of code.matchAll(
    /(?:^|[^\w$.])(context\.[\w$]+|log\.(?:message|info|warn|warning|error|debug|trace|fatal))\b/g,
  )) {
    apis.add(m[1] as string);
  }
  if (apis.size) out.push(`uses Convertigo's JavaScript API (${[...apis].slice(0, 4).join(", ")})`);
  return out;
}

interface Decision {
  /** Atelier type, "Foreign", or the pseudo-type "TestCaseVariable" (folded into its test case). */
  type: string;
  reason?: string;
}

interface IndexEntry {
  bean: C8oBean;
  id: string;
  decision: Decision;
  ancestors: C8oBean[];
}

class Mapper {
  readonly warnings: string[] = [];
  readonly secrets: PendingSecret[] = [];
  readonly byClass = new Map<string, number>();
  mapped = 0;
  foreign = 0;
  objects = 0;
  private readonly decisions = new Map<C8oBean, Decision>();
  private readonly ids = new Map<C8oBean, string>();
  private readonly index = new Map<string, IndexEntry>();
  private readonly usedIds = new Set<string>();
  private readonly settingNames = new Set<string>();
  private readonly connectorNames = new Map<string, string>();
  private readonly sequenceNames = new Map<string, string>();
  /** This project's transactions by "connector.transaction" (Convertigo names). */
  private readonly transactions = new Map<string, C8oBean>();
  private c8oProjectName = "";

  constructor(readonly opts: MapOptions) {}

  versionOf(): string | undefined {
    return this.opts.version;
  }

  /** Would Convertigo run another step after this one (loops aside)? */
  runsAfter(bean: C8oBean, parent: C8oBean | undefined, ancestors: C8oBean[]): boolean {
    let cur = bean;
    let par = parent;
    let depth = ancestors.length - 1;
    while (par) {
      const sibs = par.children.filter((c) => c.cls.startsWith("steps."));
      const after = sibs
        .slice(sibs.indexOf(cur) + 1)
        .filter((c) => !(cur.cls === "steps.ThenStep" && c.cls === "steps.ElseStep"));
      if (after.length) return after[0]!.cls !== "steps.ReturnStep";
      if (par.cls.startsWith("sequences.")) return false;
      cur = par;
      depth--;
      par = depth >= 0 ? ancestors[depth] : undefined;
    }
    return false;
  }

  // ---------------------------------------------------------------- reporting

  private where(bean: C8oBean): string {
    return `${bean.location.file}:${bean.location.line}: ${bean.name} (${bean.cls})`;
  }

  warn(bean: C8oBean, message: string): void {
    this.warnings.push(`${this.where(bean)}: ${message}`);
  }

  // ---------------------------------------------------------------- pass 1: decisions and ids

  prepare(project: C8oBean): void {
    this.c8oProjectName = project.name;
    const taken = new Set<string>();
    const atelierName = (raw: string, what: string, bean: C8oBean): string => {
      let name = NAME_RE.test(raw) ? raw : raw.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^([^A-Za-z_])/, "_$1");
      let i = 2;
      while (taken.has(`${what}:${name}`)) name = `${name}_${i++}`;
      taken.add(`${what}:${name}`);
      if (name !== raw) this.warn(bean, `renamed "${name}": Atelier names must match ${NAME_PATTERN} and be unique`);
      return name;
    };
    for (const c of project.children) {
      if (c.cls.startsWith("connectors.")) {
        this.connectorNames.set(c.name, atelierName(c.name, "connector", c));
        for (const t of c.children)
          if (t.cls.startsWith("transactions.")) this.transactions.set(`${c.name}.${t.name}`, t);
      } else if (c.cls.startsWith("sequences.")) {
        this.sequenceNames.set(c.name, atelierName(c.name, "sequence", c));
      }
    }
    this.decideTree(project, undefined, [], "");
  }

  private decideTree(bean: C8oBean, parentType: string | undefined, ancestors: C8oBean[], path: string): void {
    const decision = this.decide(bean, parentType);
    this.decisions.set(bean, decision);
    const treePath = `${path}/${bean.cls}:${bean.name}`;
    let id: string;
    if (bean.priority !== undefined && bean.priority !== "0") {
      id = bean.priority;
      if (this.usedIds.has(id)) {
        let i = 2;
        while (this.usedIds.has(`${bean.priority}-${i}`)) i++;
        id = `${bean.priority}-${i}`;
        this.warn(bean, `its priority ${bean.priority} is also the priority of another object: its id is ${id}`);
      } else {
        this.index.set(bean.priority, { bean, id, decision, ancestors });
      }
    } else {
      id = hashId(treePath);
      let i = 2;
      while (this.usedIds.has(id)) id = hashId(`${treePath}#${i++}`);
    }
    this.usedIds.add(id);
    this.ids.set(bean, id);
    const childParentType = decision.type === "TestCaseVariable" ? "Foreign" : decision.type;
    for (const c of bean.children) this.decideTree(c, childParentType, [...ancestors, bean], treePath);
  }

  private bool(bean: C8oBean, prop: string, dflt: boolean): boolean {
    const v = contentText(bean.props.find((p) => p.name === prop)?.value);
    return v === undefined ? dflt : v === "true";
  }

  private str(bean: C8oBean, prop: string, dflt: string): string {
    const p = bean.props.find((x) => x.name === prop);
    return p === undefined ? dflt : (contentText(p.value) ?? dflt);
  }

  private nativeType(bean: C8oBean): Decision {
    const cls = bean.cls;
    const hasSteps = bean.children.some((c) => c.cls.startsWith("steps."));
    switch (cls) {
      case "core.Project":
        return { type: "Project" };
      case "connectors.HttpConnector":
        return { type: "HttpConnector" };
      case "connectors.FullSyncConnector":
        return { type: "FullSyncConnector" };
      case "transactions.JsonHttpTransaction":
        return { type: "JsonHttpTransaction" };
      case "sequences.GenericSequence":
        return { type: "Sequence" };
      case "couchdb.DesignDocument":
        return designDocumentDecision(bean);
      case "couchdb.FullSyncListener": {
        const view = this.str(bean, "targetView", "");
        if (!/^[A-Za-z_][\w.-]*\/[A-Za-z_][\w.-]*$/.test(view)) {
          return { type: "Foreign", reason: `its target view "${view}" is not "design/view"` };
        }
        return { type: "FullSyncListener" };
      }
      case "core.TestCase":
        return { type: "TestCase" };
      case "variables.RequestableVariable":
      case "variables.RequestableMultiValuedVariable":
      case "variables.RequestableHttpVariable":
      case "variables.RequestableHttpMultiValuedVariable":
        return { type: "Variable" };
      case "variables.StepVariable":
      case "variables.StepMultiValuedVariable":
        return { type: "StepVariable" };
      case "variables.TestCaseVariable":
      case "variables.TestCaseMultiValuedVariable":
        return { type: "TestCaseVariable" };
      case "steps.SimpleStep":
      case "steps.InputVariablesStep":
        return { type: "SequenceJS" };
      case "steps.TransactionStep":
        return { type: "CallTransaction" };
      case "steps.SequenceStep":
        return { type: "CallSequence" };
      case "steps.ElementStep":
      case "steps.XMLElementStep":
      case "steps.AttributeStep":
      case "steps.XMLAttributeStep": {
        const nonAttr = bean.children.filter((c) => !ATTRIBUTE_LIKE.has(c.cls));
        if (
          nonAttr.some((c) => c.cls.startsWith("steps.") && !ELEMENT_LIKE.has(c.cls) && !c.cls.startsWith("steps.Json"))
        ) {
          return { type: "Foreign", reason: "an element holding steps other than elements and attributes" };
        }
        if (hasSteps) return { type: "JsonObject" };
        // Kept out of the response: a JavaScript step whose output is the value, for sources.
        if (!this.bool(bean, "output", true)) return { type: "SequenceJS" };
        return { type: "Element" };
      }
      case "steps.JsonFieldStep":
      case "steps.JsonObjectStep":
      case "steps.JsonArrayStep": {
        const dflt = cls === "steps.JsonFieldStep" ? "field" : cls === "steps.JsonObjectStep" ? "object" : "array";
        const key = readSmartType(bean.props.find((p) => p.name === "key")?.value, { mode: "PLAIN", text: dflt });
        if (key.mode !== "PLAIN") return { type: "Foreign", reason: "its key is computed (JavaScript or source)" };
        return {
          type: cls === "steps.JsonFieldStep" ? "Element" : cls === "steps.JsonObjectStep" ? "JsonObject" : "JsonArray",
        };
      }
      case "steps.IfStep":
        return { type: "If" };
      case "steps.IfThenElseStep":
        return { type: "IfThenElse" };
      case "steps.ThenStep":
        return { type: "Then" };
      case "steps.ElseStep":
        return { type: "Else" };
      case "steps.IteratorStep":
      case "steps.SimpleIteratorStep": {
        const start = this.str(bean, "startIndex", "0").trim();
        const stop = this.str(bean, "condition", "").trim();
        if (start !== "" && start !== "0") return { type: "Foreign", reason: `it starts at index ${start}` };
        if (stop !== "" && !/^\d+$/.test(stop)) return { type: "Foreign", reason: "its stop condition is computed" };
        return { type: "Iterator" };
      }
      case "steps.WhileStep":
        return { type: "While" };
      case "steps.XMLErrorStep":
      case "steps.ExceptionStep":
        return { type: "Error" };
      case "steps.ReturnStep":
        return { type: "Return" };
      case "steps.LogStep":
        return { type: "Log" };
      case "steps.SetAuthenticatedUserStep":
        return { type: "SetAuthenticatedUser" };
      case "steps.RemoveAuthenticatedUserStep":
        return { type: "RemoveAuthenticatedUser" };
      case "steps.SessionSetStep":
      case "steps.SessionSetObjectStep":
        return { type: "SessionSet" };
      case "steps.SessionGetStep":
      case "steps.SessionGetObjectStep":
        return { type: "SessionGet" };
      case "steps.SessionRemoveStep":
        return { type: "SessionRemove" };
      case "steps.SimpleSourceStep": {
        const src = sourceOfVector(readVector(bean.props.find((p) => p.name === "sourceDefinition")?.value));
        if (src && !parsePlainXPath(src.xpath))
          return { type: "Foreign", reason: `its XPath ${src.xpath} is not a plain path` };
        return { type: "SequenceJS" };
      }
      default: {
        const fs = FULLSYNC_TRANSACTIONS[cls];
        if (fs && getType(fs)) {
          if (cls === "transactions.couchdb.GetViewTransaction") {
            const view = this.str(bean, "viewname", "");
            if (!/^[A-Za-z_][\w.-]*\/[A-Za-z_][\w.-]*$/.test(view)) {
              return { type: "Foreign", reason: `its view "${view}" is not "design/view"` };
            }
          }
          // Variables as Atelier will name them: `_use_x` is the built-in x; two alike clash, and a
          // Post transaction's field named "data" would be taken for the whole document.
          const names = bean.children
            .filter((c) => c.cls.startsWith("variables."))
            .map((c) =>
              c.name.startsWith("_use_") ? (fullSyncVariable(fs, c.name.slice(5))?.name ?? c.name) : c.name,
            );
          const clash = names.find((n, i) => names.indexOf(n) !== i);
          if (clash) return { type: "Foreign", reason: `two of its variables would both be "${clash}" in Atelier` };
          if (fs.startsWith("FullSyncPost") && bean.children.some((c) => c.name === "data")) {
            return { type: "Foreign", reason: 'its document field "data" is the name of Atelier\'s document variable' };
          }
          return { type: fs };
        }
        return { type: "Foreign", reason: foreignReason(cls) };
      }
    }
  }

  private decide(bean: C8oBean, parentType: string | undefined): Decision {
    const d = this.nativeType(bean);
    if (d.type === "Foreign") return d;
    if (parentType === undefined) return d;
    if (d.type === "TestCaseVariable") {
      return parentType === "TestCase" ? d : { type: "Foreign", reason: "its test case is kept as foreign" };
    }
    if (!getType(d.type)) return { type: "Foreign", reason: `Atelier has no ${d.type} type` };
    if (!acceptsChild(parentType, d.type)) {
      return {
        type: "Foreign",
        reason:
          parentType === "Foreign"
            ? `its parent is kept as foreign, and an Atelier ${d.type} cannot be placed there`
            : `an Atelier ${parentType} cannot hold a ${d.type}`,
      };
    }
    return d;
  }

  // ---------------------------------------------------------------- pass 2: building

  build(project: C8oBean): ObjNode {
    const nodes = this.buildBean(project, undefined, [], undefined);
    return nodes[0] as ObjNode;
  }

  private count(bean: C8oBean, native: boolean): void {
    this.objects++;
    this.byClass.set(bean.cls, (this.byClass.get(bean.cls) ?? 0) + 1);
    if (native) this.mapped++;
    else this.foreign++;
  }

  private buildBean(
    bean: C8oBean,
    parent: C8oBean | undefined,
    ancestors: C8oBean[],
    seq: SeqInfo | undefined,
  ): ObjNode[] {
    const decision = this.decisions.get(bean)!;
    const id = this.ids.get(bean)!;
    const disabled = bean.cls.startsWith("steps.") && !this.bool(bean, "isEnabled", true);
    const seqInfo = bean.cls.startsWith("sequences.") ? collectSeqInfo(bean) : seq;
    let node: ObjNode;
    let notes: string[] = [];
    if (decision.type === "Foreign") {
      this.count(bean, false);
      node = this.foreignNode(bean, id, decision.reason ?? "no Atelier equivalent");
      node.children = this.buildChildren(bean, ancestors, seqInfo, notes);
    } else if (decision.type === "TestCaseVariable") {
      this.count(bean, true);
      return [];
    } else {
      this.count(bean, true);
      const bag = new PropBag(bean, this);
      node = { id, type: decision.type, name: bean.name, props: {}, children: [] };
      const b = new Builder(this, bean, bag, node, notes, ancestors, seqInfo, parent);
      b.run();
      if (!b.childrenDone) node.children = this.buildChildren(bean, ancestors, seqInfo, notes);
      b.finish();
      notes = b.notes;
    }
    if (notes.length) this.attachNotes(node, notes);
    if (disabled) {
      const wrapper: ObjNode = {
        id: `${id}-disabled`,
        type: "If",
        name: `${node.name} (disabled)`,
        props: {
          comment: `Imported from Convertigo: "${bean.name}" is disabled there (isEnabled: false), so it never runs.`,
          condition: "false",
        },
        children: [node],
      };
      return [wrapper];
    }
    return [node];
  }

  buildChildren(bean: C8oBean, ancestors: C8oBean[], seq: SeqInfo | undefined, notes: string[]): ObjNode[] {
    const out: ObjNode[] = [];
    for (const c of bean.children) {
      const built = this.buildBean(c, bean, [...ancestors, bean], seq);
      for (const n of built) {
        const orphan = (n as ObjNode & { orphanNotes?: string[] }).orphanNotes;
        if (orphan) {
          notes.push(...orphan.map((x) => `${c.name}: ${x}`));
          delete (n as ObjNode & { orphanNotes?: string[] }).orphanNotes;
        }
        out.push(n);
      }
    }
    return out;
  }

  /** Appends notes to the object's comment (or its description, or hands them to its parent). */
  private attachNotes(node: ObjNode, notes: string[]): void {
    const def = getType(node.type);
    const field = def?.props.some((p) => p.name === "comment")
      ? "comment"
      : def?.props.some((p) => p.name === "description")
        ? "description"
        : node.type === "Foreign"
          ? "note"
          : undefined;
    if (!field) {
      (node as ObjNode & { orphanNotes?: string[] }).orphanNotes = notes;
      return;
    }
    const before = typeof node.props[field] === "string" ? (node.props[field] as string) : "";
    const block = `Imported from Convertigo:\n${notes.map((n) => `- ${n}`).join("\n")}`;
    node.props[field] = before ? `${before}\n\n${block}` : block;
  }

  // ---------------------------------------------------------------- foreign objects

  private foreignNode(bean: C8oBean, id: string, reason: string): ObjNode {
    const properties: Record<string, unknown> = {};
    const put = (key: string, value: unknown) => {
      let k = key;
      let i = 2;
      while (Object.prototype.hasOwnProperty.call(properties, k)) k = `${key}#${i++}`;
      properties[k] = value;
    };
    for (const [k, v] of bean.attrs) put(`↑${k}`, v);
    for (const p of bean.props) put(p.name, this.protectSecrets(bean, p.name, p.value));
    for (const t of bean.texts) put(t.kind, t.value);
    return {
      id,
      type: "Foreign",
      name: bean.name,
      props: {
        class: bean.cls,
        properties,
        note: `Kept from Convertigo: ${reason}. Atelier shows it and saves it unchanged, but cannot run it.`,
      },
      children: [],
    };
  }

  /** Replaces ciphered or secret values in a foreign property by a ${setting} placeholder. */
  private protectSecrets(bean: C8oBean, prop: string, value: C8oContent): C8oContent {
    const flagged = contentAttr(value, "ciphered") === "true";
    const known = SECRET_PROPS[prop]?.includes(bean.cls) ?? false;
    const maskedVar = prop === "value" && bean.cls.startsWith("variables.") && this.isMaskedVariable(bean);
    if (!flagged && !known && !maskedVar) return value;
    const text = contentText(value);
    if (text === undefined || text === "") return value;
    const placeholder = this.secretSetting(bean, prop, text);
    if (placeholder === text) return value;
    if (typeof value === "string") return placeholder;
    return value.map((item) => ("→→" in item ? { "→→": placeholder } : "→" in item ? { "→": placeholder } : item));
  }

  isMaskedVariable(bean: C8oBean): boolean {
    const vis = Number(this.str(bean, "visibility", "0"));
    return Number.isFinite(vis) && (vis & 0x08) !== 0;
  }

  /**
   * Moves a secret to a secret Setting; answers the `${name}` placeholder, or the value unchanged
   * when it is ciphered with another passphrase (then it stays ciphered and is flagged).
   */
  secretSetting(bean: C8oBean, prop: string, stored: string): string {
    let plain: string | undefined = stored;
    if (looksCiphered(stored)) {
      plain = decipherC8o(stored, this.opts.passphrase);
      if (plain === undefined) {
        this.warn(
          bean,
          `${prop} is ciphered with a passphrase other than the one given (Convertigo's default unless --c8o-passphrase): kept ciphered, set it again in Atelier`,
        );
        return stored;
      }
    }
    if (plain === "") return "";
    const base = `${bean.name}_${prop}`.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^([^A-Za-z_])/, "_$1");
    let name = base;
    let i = 2;
    while (this.settingNames.has(name)) name = `${base}_${i++}`;
    this.settingNames.add(name);
    this.secrets.push({
      setting: name,
      plain,
      description: `Imported from Convertigo: ${prop} of ${bean.name} (${bean.cls})${looksCiphered(stored) ? ", deciphered" : ""}.`,
    });
    return `\${${name}}`;
  }

  // ---------------------------------------------------------------- references and sources

  connectorName(c8o: string): string {
    return this.connectorNames.get(c8o) ?? c8o;
  }

  sequenceName(c8o: string): string {
    return this.sequenceNames.get(c8o) ?? c8o;
  }

  /** The project part of a reference: empty for this project. */
  projectRef(c8o: string): string {
    return c8o === "" || c8o === this.c8oProjectName ? "" : c8o;
  }

  /** The Atelier type of the transaction a TransactionStep calls, when it is in this project. */
  calledTransactionType(step: C8oBean): string | undefined {
    const ref = contentText(step.props.find((p) => p.name === "sourceTransaction")?.value) ?? "";
    const parts = ref.split(".");
    if (parts.length < 3 || this.projectRef(parts[0] as string)) return undefined;
    const tx = this.transactions.get(`${parts[1]}.${parts.slice(2).join(".")}`);
    return tx ? this.decisions.get(tx)?.type : undefined;
  }

  decisionOf(bean: C8oBean): Decision {
    return this.decisions.get(bean)!;
  }

  /**
   * Translates a Convertigo source for the object `from` (with its ancestors): into an Atelier
   * source, or a JavaScript expression (for a loop's current item); or explains why not.
   */
  translateSource(
    src: C8oSource,
    from: C8oBean,
    ancestors: C8oBean[],
  ): { ref?: SourceRef; js?: string; guessed: string[]; problem?: string } {
    const target = this.index.get(src.step);
    const orig = `source (step ${src.step}, XPath ${src.xpath})`;
    if (!target) return { guessed: [], problem: `${orig} points at a step that is not in the project` };
    const plain = parsePlainXPath(src.xpath);
    if (!plain) return { guessed: [], problem: `${orig}: the XPath is not a plain child path` };
    let segs: Segment[] = plain.segments;
    const guessed = [...plain.guessed];
    const t = target.decision.type;
    const tName = `${target.bean.name} (${target.bean.cls})`;
    if (t === "Foreign") return { guessed, problem: `${orig} points at ${tName}, which Atelier keeps as foreign` };
    if (t === "Iterator") {
      const nearest = [...ancestors].reverse().find((a) => this.decisions.get(a)?.type === "Iterator");
      if (nearest === target.bean) return { js: toJsAccessor("item", segs), guessed };
      return {
        guessed,
        problem: ancestors.includes(target.bean)
          ? `${orig} reads the item of an outer loop, which Atelier's "item" variable hides`
          : `${orig} reads a loop's item from outside the loop`,
      };
    }
    if (t === "CallTransaction" || t === "CallSequence") {
      if (segs[0] !== "document") {
        return { guessed, problem: `${orig}: a call's output starts with "document"` };
      }
      segs = t === "CallTransaction" ? ["data", ...segs.slice(1)] : segs.slice(1);
      // Convertigo wraps CouchDB answers in couchdb_output; Atelier's FullSync transactions do not.
      if (
        t === "CallTransaction" &&
        segs[1] === "couchdb_output" &&
        this.calledTransactionType(target.bean)?.startsWith("FullSync")
      ) {
        segs.splice(1, 1);
      }
      if (segs[segs.length - 1] === "item") {
        segs = segs.slice(0, -1);
        guessed.push(`"item" read as the items of a JSON array`);
      }
      if (segs.includes("item")) {
        return { guessed, problem: `${orig}: goes through the items of a list ("item"), which a JSON path cannot` };
      }
    } else if (t === "SequenceJS" && target.bean.cls === "steps.SimpleStep") {
      return { guessed, problem: `${orig} points at a JavaScript step, which has no output` };
    } else if (t === "SessionGet" && segs.length === 1 && segs[0] === "expression") {
      segs = [];
    } else if (t === "JsonObject" && segs.length === 0 && hasElementText(target.bean)) {
      segs = ["text"];
    }
    const ref: SourceRef = { step: target.id, path: toJsonPath(segs) };
    return { ref, js: toJsAccessor(`step(${JSON.stringify(target.id)})`, segs), guessed };
  }
}

/** Convertigo's CouchDB transaction classes and the Atelier types they become (when defined). */
const FULLSYNC_TRANSACTIONS: Record<string, string> = {
  "transactions.couchdb.GetDocumentTransaction": "FullSyncGetDocument",
  "transactions.couchdb.PostDocumentTransaction": "FullSyncPostDocument",
  "transactions.couchdb.PostBulkDocumentsTransaction": "FullSyncPostBulkDocuments",
  "transactions.couchdb.DeleteDocumentTransaction": "FullSyncDeleteDocument",
  "transactions.couchdb.AllDocsTransaction": "FullSyncAllDocs",
  "transactions.couchdb.GetViewTransaction": "FullSyncGetView",
  "transactions.couchdb.PostFindTransaction": "FullSyncFind",
};

/** The built-in variable of an Atelier FullSync type for a Convertigo parameter name. */
function fullSyncVariable(type: string, param: string): BuiltInVariable | undefined {
  const name = param === "json_base" ? "data" : param;
  return getType(type)?.variables?.find((v) => v.name === name);
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
  if (!new RegExp(`^${NAME_PATTERN}$`).test(bean.name) || bean.name === "c8o") {
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
    const ok =
      new RegExp(`^${NAME_PATTERN}$`).test(name) &&
      v &&
      typeof v === "object" &&
      typeof (v as { map?: unknown }).map === "string";
    if (!ok) return { type: "Foreign", reason: `its view "${name}" is not a map/reduce view Atelier can hold` };
  }
  return { type: "FullSyncDesignDocument" };
}

/** Does an element step carry its own text (source, expression or text)? */
function hasElementText(bean: C8oBean): boolean {
  return bean.props.some(
    (p) =>
      ((p.name === "expression" || p.name === "nodeText") && contentText(p.value) !== "") ||
      (p.name === "sourceDefinition" && sourceOfVector(readVector(p.value)) !== undefined),
  );
}

function foreignReason(cls: string): string {
  if (cls.startsWith("connectors.")) return "a connector of a kind Atelier does not run";
  if (cls.startsWith("transactions.couchdb.")) return "a FullSync/CouchDB transaction, not yet an Atelier type";
  if (cls.startsWith("transactions.")) return "a transaction of a kind Atelier does not run";
  if (cls.startsWith("steps.")) return "a step with no Atelier equivalent";
  if (cls.startsWith("mobile.") || cls.startsWith("ngx.")) return "a mobile application component";
  if (cls.startsWith("couchdb.")) return "a FullSync design document or listener, not yet an Atelier type";
  if (cls.startsWith("rest.") || cls === "core.UrlMapper") return "a URL mapper object, not yet an Atelier type";
  if (cls.startsWith("references.")) return "a schema or project reference";
  return "no Atelier equivalent";
}

/** What builders need to know of the enclosing sequence. */
interface SeqInfo {
  /** Identifiers used in its JavaScript or declared as its variables. */
  identifiers: Set<string>;
}

function collectSeqInfo(seq: C8oBean): SeqInfo {
  const ids = new Set<string>();
  const visit = (b: C8oBean) => {
    if (b.cls.startsWith("variables.Requestable")) ids.add(b.name);
    for (const p of b.props) {
      const texts: string[] = [];
      if (typeof p.value === "string") texts.push(p.value);
      else if (/expression|condition|value|userid|message|details|code|key/.test(p.name)) {
        const s = readSmartType(p.value, { mode: "PLAIN", text: "" });
        if (s.mode === "JS") texts.push(s.text);
      }
      for (const t of texts) for (const m of t.matchAll(/[A-Za-z_$][\w$]*/g)) ids.add(m[0]);
    }
    b.children.forEach(visit);
  };
  visit(seq);
  return { identifiers: ids };
}

/** Reads a Convertigo object's properties, remembering which were used. */
class PropBag {
  private readonly used = new Set<string>();
  constructor(
    readonly bean: C8oBean,
    private readonly m: Mapper,
  ) {}

  has(name: string): boolean {
    return this.bean.props.some((p) => p.name === name);
  }

  raw(name: string): C8oContent | undefined {
    this.used.add(name);
    return this.bean.props.find((p) => p.name === name)?.value;
  }

  str(name: string, dflt: string): string {
    const v = this.raw(name);
    return v === undefined ? dflt : (contentText(v) ?? dflt);
  }

  bool(name: string, dflt: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    return contentText(v) === "true";
  }

  int(name: string, dflt: number): number {
    const t = this.str(name, String(dflt)).trim();
    const n = Number(t);
    return t !== "" && Number.isInteger(n) ? n : dflt;
  }

  smart(name: string, dflt: SmartValue = { mode: "PLAIN", text: "" }): SmartValue {
    return readSmartType(this.raw(name), dflt);
  }

  source(name = "sourceDefinition"): C8oSource | undefined {
    return sourceOfVector(readVector(this.raw(name)));
  }

  vector(name: string): Vector | undefined {
    return readVector(this.raw(name));
  }

  /** Marks properties as handled without reading them. */
  skip(...names: string[]): void {
    for (const n of names) this.used.add(n);
  }

  /** Properties given in the file that nothing used. */
  leftovers(): { name: string; value: C8oContent }[] {
    return this.bean.props.filter((p) => !this.used.has(p.name)).map((p) => ({ name: p.name, value: p.value }));
  }

  secret(name: string): string | undefined {
    const v = this.raw(name);
    const text = contentText(v);
    if (text === undefined || text === "") return undefined;
    return this.m.secretSetting(this.bean, name, text);
  }
}

/** Builds one native object from its Convertigo object. */
class Builder {
  childrenDone = false;
  private readonly jsTexts: { what: string; code: string }[] = [];

  constructor(
    readonly m: Mapper,
    readonly bean: C8oBean,
    readonly bag: PropBag,
    readonly node: ObjNode,
    readonly notes: string[],
    readonly ancestors: C8oBean[],
    readonly seq: SeqInfo | undefined,
    readonly parent: C8oBean | undefined,
  ) {}

  /** The object that set() writes to (the node, or a synthetic child while building it). */
  private out: ObjNode | undefined;

  private set(prop: string, value: unknown): void {
    if (value === undefined) return;
    (this.out ?? this.node).props[prop] = value;
  }

  private note(text: string, warn = false): void {
    this.notes.push(text);
    if (warn) this.m.warn(this.bean, text);
  }

  private js(what: string, code: string): string {
    this.jsTexts.push({ what, code });
    return code;
  }

  private comment(): void {
    const c = this.bag.str("comment", "");
    if (c !== "") this.set("comment", c);
  }

  private renamed(name: string): void {
    if (name !== "" && name !== this.node.name) {
      // Convertigo's generated names (jElement, Attribute1...) say nothing worth keeping.
      if (!/^(?:j|XML)?(?:Element|Attribute|Field|Object|Array)\d*$/i.test(this.node.name)) {
        this.note(`named after its output key "${name}" (its Convertigo name is "${this.node.name}")`);
      }
      this.node.name = name;
    }
  }

  /** Sets a value from a SmartType onto valueProps (source / expression / value). */
  private smartValue(s: SmartValue, what: string): void {
    if (s.mode === "JS") {
      if (s.text.trim() !== "") this.set("expression", this.js(what, s.text));
    } else if (s.mode === "SOURCE") {
      if (s.source) this.useSource(s.source, what);
    } else if (s.text !== "") {
      this.set("value", s.text);
    }
  }

  /** Sets `source` (or `expression` for a loop item) from a Convertigo source. */
  private useSource(src: C8oSource, what: string, expressionOnly = false): string | undefined {
    const t = this.m.translateSource(src, this.bean, this.ancestors);
    if (t.problem) {
      this.note(`${what}: ${t.problem}; not translated, set it again`, true);
      return undefined;
    }
    if (t.guessed.length) {
      this.note(
        `${what}: source (step ${src.step}, XPath ${src.xpath}) translated by a guess: ${t.guessed.join("; ")}`,
        true,
      );
    }
    if (expressionOnly || !t.ref) {
      if (!expressionOnly) this.set("expression", t.js);
      return t.js;
    }
    this.set("source", t.ref);
    return t.js;
  }

  run(): void {
    const b = this.bean;
    switch (this.node.type) {
      case "Project":
        return this.project();
      case "HttpConnector":
        return this.httpConnector();
      case "FullSyncConnector":
        return this.fullSyncConnector();
      case "FullSyncDesignDocument":
        return this.designDocument();
      case "FullSyncListener":
        return this.fullSyncListener();
      case "JsonHttpTransaction":
        return this.jsonHttpTransaction();
      case "Sequence":
        return this.sequence();
      case "Variable":
        return this.variable();
      case "StepVariable":
        return this.stepVariable();
      case "TestCase":
        return this.testCase();
      case "SequenceJS":
        if (b.cls === "steps.InputVariablesStep") {
          this.comment();
          this.bag.skip("nodeName");
          this.set("code", "// Convertigo's Input Variables step: its output is the sequence's variables\nvars");
          return;
        }
        if (b.cls === "steps.SimpleSourceStep") return this.simpleSource();
        if (ELEMENT_LIKE.has(b.cls)) return this.hiddenElement();
        this.comment();
        this.set("code", this.js("code", this.bag.str("expression", "//todo")));
        return;
      case "CallTransaction":
        return this.callTransaction();
      case "CallSequence":
        return this.callSequence();
      case "Element":
      case "JsonObject":
      case "JsonArray":
        return this.element();
      case "If":
      case "IfThenElse":
      case "While": {
        this.comment();
        const cond = this.bag.str("condition", "");
        if (cond.trim() === "") {
          this.set("condition", "false");
          this.note("its condition is empty (false)");
        } else this.set("condition", this.js("condition", cond));
        return;
      }
      case "Then":
      case "Else":
        this.bag.skip("comment");
        if (this.bag.str("comment", "") !== "") this.note(`comment: ${this.bag.str("comment", "")}`);
        return;
      case "Iterator":
        return this.iterator();
      case "Error":
        return this.error();
      case "Return":
        this.comment();
        if (this.bag.str("expression", "") !== "")
          this.note(`its expression is not run: ${this.bag.str("expression", "")}`, true);
        return;
      case "Log": {
        this.comment();
        const level = this.bag.str("level", "INFO").toUpperCase();
        this.set(
          "level",
          level === "WARN"
            ? "warn"
            : level === "ERROR" || level === "FATAL"
              ? "error"
              : level === "INFO"
                ? "info"
                : "debug",
        );
        this.set("expression", this.js("expression", this.bag.str("expression", '""')));
        return;
      }
      case "SetAuthenticatedUser":
        this.comment();
        this.smartValue(this.bag.smart("userid"), "user");
        return;
      case "RemoveAuthenticatedUser":
        this.comment();
        return;
      case "SessionSet":
        this.comment();
        this.set("key", this.bag.str("key", ""));
        this.smartValue(this.bag.smart(b.cls === "steps.SessionSetStep" ? "expression" : "value"), "value");
        return;
      case "SessionGet":
      case "SessionRemove":
        this.comment();
        this.set("key", this.bag.str("key", ""));
        return;
    }
    if (this.node.type.startsWith("FullSync")) this.fullSyncTransaction();
  }

  /** An element kept out of the response (output: false): a JavaScript step answering its value. */
  private hiddenElement(): void {
    this.comment();
    this.bag.skip("output", "nodeName", "nodeNameSpace", "nodeNameSpaceURI");
    const expr = this.bag.has("expression") ? this.bag.str("expression", "") : "";
    const src = this.bag.source();
    const text = this.bag.str("nodeText", "");
    let code = JSON.stringify(text);
    if (expr.trim() !== "") code = this.js("expression", expr);
    else if (src) {
      const t = this.m.translateSource(src, this.bean, this.ancestors);
      if (t.problem) this.note(`text: ${t.problem}; not translated, set it again`, true);
      else code = t.js ?? code;
    }
    this.set("code", code);
    this.note("kept out of the response in Convertigo (output: false): a JavaScript step whose output is its value");
  }

  private project(): void {
    this.comment();
    const version = this.bag.str("version", "");
    if (version) this.set("version", version);
    const timeout = this.bag.int("httpSessionTimeout", 1800);
    if (timeout >= 10 && timeout <= 604800) this.set("sessionTimeout", timeout);
    else
      this.note(`httpSessionTimeout ${timeout} is outside Atelier's range (10 to 604800 s): the default is used`, true);
  }

  private isDefaultAttr(): boolean {
    return this.bean.attrs.some(([k, v]) => k === "default" && v === "true");
  }

  private httpConnector(): void {
    this.comment();
    this.set("https", this.bag.bool("https", false));
    this.set("server", this.bag.str("server", ""));
    this.set("port", this.bag.int("port", 80));
    const base = this.bag.str("baseDir", "/");
    if (base !== "/" && base !== "") this.set("basePath", base);
    if (this.isDefaultAttr()) this.set("isDefault", true);
    const trustAll = this.bag.bool("trustAllServerCertificates", true);
    if (trustAll) {
      this.note(
        "Convertigo trusted every server certificate (trustAllServerCertificates); Atelier verifies them: turn off tlsVerify for a test server with a self-signed certificate",
      );
    }
    const authType = this.bag.str("authenticationType", "None");
    const user = this.bag.str("authUser", "");
    const passRaw = contentText(this.bag.raw("authPassword"));
    if (authType.toLowerCase() === "basic") {
      let pass = passRaw ?? "";
      if (looksCiphered(pass)) pass = decipherC8o(pass, this.m.opts.passphrase) ?? "\u0000";
      if (pass === "\u0000") {
        this.m.secretSetting(this.bean, "authPassword", passRaw ?? "");
        this.note(
          "Basic authentication: the password could not be deciphered; set the Authorization header again",
          true,
        );
      } else {
        const token = Buffer.from(`${user}:${pass}`, "utf8").toString("base64");
        const placeholder = this.m.secretSetting(this.bean, "authorization", `Basic ${token}`);
        this.set("headers", { Authorization: placeholder });
        this.note(`Basic authentication of "${user}": sent as an Authorization header held by a secret setting`);
      }
    } else if (
      authType !== "None" ||
      (passRaw && passRaw !== "" && decipherC8o(passRaw, this.m.opts.passphrase) !== "")
    ) {
      const ph = passRaw ? this.m.secretSetting(this.bean, "authPassword", passRaw) : "";
      this.note(
        `authentication ${authType} (user "${user}"${ph ? `, password in ${ph}` : ""}) is not supported by Atelier's HTTP connector`,
        true,
      );
    }
  }

  private fullSyncConnector(): void {
    this.comment();
    let db = this.node.name;
    const declared = this.bag.str("databaseName", "");
    if (!/^[a-z][a-z0-9_$()+/-]*$/.test(db)) {
      db = db
        .toLowerCase()
        .replace(/[^a-z0-9_$()+/-]/g, "_")
        .replace(/^([^a-z])/, "db$1");
      this.note(
        `Convertigo names the database after the connector; "${this.node.name}" is not a valid CouchDB name, so it is "${db}"`,
        true,
      );
    }
    if (declared !== "" && declared !== db)
      this.note(`its databaseName property ("${declared}") is not used by Convertigo: the database is "${db}"`);
    this.set("databaseName", db);
    const dflt = versionAtLeast(this.m.versionOf(), "7.9.0") ? "deny" : "allow";
    const anon = this.bag.str("anonymousReplication", dflt);
    this.set("anonymousReplication", anon === "allow" ? "allow" : "deny");
    if (this.isDefaultAttr()) this.set("isDefault", true);
    const pass = this.bag.secret("couchPassword");
    if (pass) this.note(`couchPassword moved to the secret setting ${pass}: Atelier's FullSync does not use it`);
  }

  /** A FullSync/CouchDB transaction: q_/p_ parameters and _use_ variables to built-in variables. */
  private fullSyncTransaction(): void {
    const b = this.bean;
    const def = getType(this.node.type);
    this.comment();
    const dfltAccess = versionAtLeast(this.m.versionOf(), "8.0.0") ? "Private" : "Public";
    this.set("accessibility", this.bag.str("accessibility", dfltAccess));
    this.set("authenticatedContextRequired", this.bag.bool("authenticatedContextRequired", false));
    if (b.cls === "transactions.couchdb.GetViewTransaction") {
      const [ddoc, view] = this.bag.str("viewname", "").split("/");
      this.set("designDocument", ddoc);
      this.set("view", view);
    }
    if (this.bag.has("fullSyncAclPolicy")) {
      const acl = this.bag.str("fullSyncAclPolicy", "fromAuthenticatedUser");
      const allowed = def?.props.find((p) => p.name === "aclPolicy")?.values ?? [];
      if (allowed.includes(acl)) this.set("aclPolicy", acl);
      else this.note(`fullSyncAclPolicy ${acl} has no Atelier equivalent`, true);
    }
    if (this.bag.has("policy")) {
      const policy = this.bag.str("policy", "none");
      const allowed = def?.props.find((p) => p.name === "writePolicy")?.values ?? [];
      if (allowed.includes(policy)) this.set("writePolicy", policy);
      else this.note(`policy ${policy} has no Atelier equivalent`, true);
    }
    if (this.isDefaultAttr()) this.note("it was the connector's default transaction");
    // Fixed parameters (q_name, p_name) become variables with that default.
    const fixed: ObjNode[] = [];
    for (const p of b.props) {
      const m = /^[qp]_(.+)$/.exec(p.name);
      if (!m) continue;
      const value = contentText(p.value) ?? "";
      if (value === "") {
        this.bag.skip(p.name);
        continue;
      }
      const builtIn = fullSyncVariable(this.node.type, m[1] as string);
      if (!builtIn) continue; // left over: listed in the comment
      this.bag.skip(p.name);
      const name = builtIn.name;
      if (b.children.some((c) => c.name === `_use_${m[1]}` || c.name === name)) {
        this.note(`${p.name} = ${value}: the default of its variable`);
      }
      fixed.push({
        id: `${this.node.id}-${name}`,
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
    this.childrenDone = true;
    const kids = this.m.buildChildren(b, this.ancestors, this.seq, this.notes);
    const names = new Set(kids.map((k) => k.name));
    this.node.children = [...fixed.filter((f) => !names.has(f.name)), ...kids];
    if (fixed.length && this.node.props.accessibility !== "Private") {
      this.note("its fixed parameters are variables in Atelier: callers may override them", true);
    }
  }

  private designDocument(): void {
    this.comment();
    this.bag.skip("_id", "_rev");
    const doc = parseDesignDocument(contentText(this.bag.raw("docdata")) ?? "") ?? {};
    const views = (doc.views ?? {}) as Record<string, { map?: string; reduce?: string }>;
    this.childrenDone = true;
    this.notes.push(...this.bean.children.map((c) => `child ${c.name} (${c.cls}) not expected in a design document`));
    this.node.children = Object.entries(views).map(([name, v]) => ({
      id: `${this.node.id}-${name}`,
      type: "FullSyncView",
      name,
      props: {
        map: normalizeCode(String(v.map ?? "")),
        ...(v.reduce ? { reduce: normalizeCode(String(v.reduce)) } : {}),
      },
      children: [],
    }));
  }

  private fullSyncListener(): void {
    this.comment();
    const [ddoc, view] = this.bag.str("targetView", "").split("/");
    const target = this.bag.str("targetSequence", "");
    const i = target.indexOf(".");
    const project = i >= 0 ? target.slice(0, i) : "";
    const seq = i >= 0 ? target.slice(i + 1) : target;
    if (this.m.projectRef(project))
      this.note(`its target sequence is in the project ${project}: Atelier calls one of this project`, true);
    this.set("targetSequence", this.m.sequenceName(seq));
    this.set("designDocument", ddoc);
    this.set("view", view);
    this.set("chunkSize", this.bag.int("chunk", 10));
    if (!this.bag.bool("isEnabled", true)) this.set("enabled", false);
  }

  private jsonHttpTransaction(): void {
    this.comment();
    const dfltAccess = versionAtLeast(this.m.versionOf(), "8.0.0") ? "Private" : "Public";
    this.set("accessibility", this.bag.str("accessibility", dfltAccess));
    this.set("authenticatedContextRequired", this.bag.bool("authenticatedContextRequired", false));
    const custom = this.bag.str("customHttpVerb", "").toUpperCase();
    const verb = custom || this.bag.str("httpVerb", "GET").toUpperCase();
    const verbs = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    if (verbs.includes(verb)) this.set("verb", verb);
    else this.note(`HTTP verb ${verb} is not supported: GET is used`, true);
    const sub = this.bag.str("subDir", "");
    if (sub) this.set("path", sub);
    const params = this.bag.vector("httpParameters");
    if (params) {
      const headers: Record<string, string> = {};
      for (const row of params) {
        if (Array.isArray(row) && typeof row[0] === "string" && row[0] !== "") headers[row[0]] = String(row[1] ?? "");
      }
      if (Object.keys(headers).length) this.set("headers", headers);
    }
    if (this.isDefaultAttr()) this.set("isDefault", true);
    const handlers = this.bag.raw("handlers");
    if (handlers !== undefined) {
      const code = contentText(handlers) ?? "";
      this.js("handlers", code);
      this.note(`its handlers (JavaScript run around the call) are not run by Atelier; their code:\n${indent(code)}`);
      this.m.warn(
        this.bean,
        "its handlers (JavaScript run around the call) are not run by Atelier (code kept in its comment)",
      );
    }
    const vars = this.bean.children.filter((c) => c.cls.startsWith("variables.RequestableHttp"));
    if (
      vars.some(
        (v) =>
          this.m.decisionOf(v).type === "Variable" &&
          (contentText(v.props.find((p) => p.name === "httpMethod")?.value) ?? "GET") === "POST",
      )
    ) {
      this.note("Convertigo sends POST variables form-encoded; Atelier sends them as a JSON object", true);
    }
    if (vars.some((v) => v.name === "__body")) this.set("body", '"{__body}"');
  }

  private sequence(): void {
    this.comment();
    this.set("accessibility", this.bag.str("accessibility", "Public"));
    this.set("authenticatedContextRequired", this.bag.bool("authenticatedContextRequired", false));
    const seconds = this.bag.int("responseTimeout", 60);
    if (seconds > 0) this.set("timeoutMs", seconds * 1000);
  }

  private variable(): void {
    const b = this.bean;
    const builtIn = this.fullSyncRename(this.parent ? this.m.decisionOf(this.parent).type : undefined);
    // Keys given by Convertigo callers are plain texts (a user name...), not JSON.
    if (builtIn && builtIn.dataType !== "string" && !/^(?:key|startkey|endkey|docid|rev)$/.test(builtIn.name)) {
      this.set("dataType", builtIn.dataType);
    }
    if (builtIn?.multiValued) this.set("multiValued", true);
    const multi = b.cls.includes("MultiValued");
    if (multi) this.set("multiValued", true);
    this.set("required", this.bag.bool("required", false));
    const desc = this.bag.str("description", "new variable");
    const comment = this.bag.str("comment", "");
    const text = [desc === "new variable" ? "" : desc, comment].filter((x) => x !== "").join("\n\n");
    if (text) this.set("description", text);
    this.bag.skip("visibility");
    if (this.bag.has("value")) {
      if (this.m.isMaskedVariable(b)) {
        const ph = this.bag.secret("value");
        if (ph)
          this.note(
            `its default value is secret: moved to the setting ${ph} (Atelier variables do not read settings)`,
            true,
          );
      } else if (multi) {
        const vec = this.bag.vector("value");
        const list = vec ? vec.filter((x): x is string => typeof x === "string") : [];
        if (list.length) this.set("default", list);
      } else {
        const v = this.bag.str("value", "");
        if (v !== "") this.set("default", v);
        else this.note('its default value is "" (an empty text); Atelier reads an empty default as no value (null)');
      }
    }
    if (this.bag.bool("isFileUpload", false))
      this.note("it was a file upload variable: Atelier receives it as text", true);
    if (b.cls.startsWith("variables.RequestableHttp")) {
      const method = this.bag.str("httpMethod", "GET").toUpperCase();
      const httpName = this.bag.str("httpName", "");
      let use = method === "POST" ? "body" : "query";
      let name = httpName;
      if (b.name === "__body") {
        use = "none";
        this.set("dataType", "json");
        this.note(
          "Convertigo's __body variable (the raw body): read as JSON and sent as the transaction's body template",
        );
      } else if (b.name === "__contentType") {
        use = "header";
        name = "Content-Type";
      } else if (b.name.startsWith("__header_")) {
        use = "header";
        name = b.name.slice("__header_".length);
      } else if (b.name.startsWith("__GET_")) {
        use = "query";
        name = b.name.slice(6);
      } else if (b.name.startsWith("__POST_")) {
        use = "body";
        name = b.name.slice(7);
      } else if (b.name === "__uri") {
        use = "none";
        this.note("Convertigo's __uri variable (overrides the URL) has no Atelier equivalent", true);
      }
      this.set("httpMethod", use);
      if (name && name !== b.name) this.set("httpName", name);
      this.bag.skip("doFileUploadMode", "doFileUploadCharset", "doFileUploadContentType");
    } else if (this.parent?.cls === "transactions.JsonHttpTransaction") {
      this.set("httpMethod", "query");
    }
  }

  private stepVariable(): void {
    const b = this.bean;
    this.fullSyncRename(
      this.parent && this.parent.cls === "steps.TransactionStep"
        ? this.m.calledTransactionType(this.parent)
        : undefined,
    );
    this.bag.skip("description", "comment", "required", "visibility");
    const src = this.bag.source();
    const multi = b.cls.includes("MultiValued");
    let value: unknown = null;
    if (this.bag.has("value")) {
      if (multi) value = (this.bag.vector("value") ?? []).filter((x) => typeof x === "string");
      else value = this.bag.str("value", "");
    }
    if (src) {
      this.useSource(src, `step variable ${b.name}`);
      if (value !== null && value !== "")
        this.note(
          `step variable ${b.name}: its default ${JSON.stringify(value)} is used by Convertigo when the source gives nothing`,
        );
      return;
    }
    // Convertigo takes a variable without source from the JavaScript scope, else its value.
    if (JS_IDENT.test(b.name) && !JS_RESERVED.has(b.name) && this.seq?.identifiers.has(b.name)) {
      this.set(
        "expression",
        `typeof ${b.name} === "undefined" || ${b.name} === null ? ${JSON.stringify(value)} : ${b.name}`,
      );
    } else if (value !== null) {
      this.set("value", value);
    }
  }

  /** Convertigo's `_use_name` variables of CouchDB transactions are Atelier's built-in `name`. */
  private fullSyncRename(targetType: string | undefined): BuiltInVariable | undefined {
    if (!targetType?.startsWith("FullSync") || !this.bean.name.startsWith("_use_")) return undefined;
    const builtIn = fullSyncVariable(targetType, this.bean.name.slice("_use_".length));
    if (builtIn) this.node.name = builtIn.name;
    return builtIn;
  }

  private testCase(): void {
    const inputs: Record<string, unknown> = {};
    const docs: string[] = [];
    const c = this.bag.str("comment", "");
    if (c) docs.push(c);
    const owner = this.parent ? this.m.decisionOf(this.parent).type : "";
    for (const v of this.bean.children) {
      if (this.m.decisionOf(v).type !== "TestCaseVariable") continue;
      const key =
        (owner.startsWith("FullSync") &&
          v.name.startsWith("_use_") &&
          fullSyncVariable(owner, v.name.slice(5))?.name) ||
        v.name;
      const vb = new PropBag(v, this.m);
      const multi = v.cls.includes("MultiValued");
      if (vb.has("value")) {
        if (this.m.isMaskedVariable(v)) {
          const ph = vb.secret("value");
          if (ph)
            this.note(`the value of ${v.name} is secret: moved to the setting ${ph}, not used by the test case`, true);
        } else if (multi) {
          inputs[key] = (vb.vector("value") ?? []).filter((x) => typeof x === "string");
        } else inputs[key] = vb.str("value", "");
      }
      const vdesc = vb.str("description", "new variable");
      const vcomment = vb.str("comment", "");
      for (const t of [vdesc === "new variable" ? "" : vdesc, vcomment]) if (t) docs.push(`${v.name}: ${t}`);
      vb.skip("visibility", "required", "value");
      for (const l of vb.leftovers()) docs.push(`${v.name}: ${l.name} = ${describeContent(l.value)}`);
    }
    this.set("inputs", inputs);
    if (docs.length) this.set("description", docs.join("\n\n"));
  }

  private callTransaction(): void {
    this.comment();
    const ref = this.bag.str("sourceTransaction", "");
    const parts = ref.split(".");
    if (parts.length >= 3) {
      const [p, c, ...t] = parts;
      const project = this.m.projectRef(p as string);
      this.set("project", project || undefined);
      this.set("connector", project ? c : this.m.connectorName(c as string));
      this.set("transaction", t.join("."));
    } else if (parts.length === 2) {
      this.set("connector", this.m.connectorName(parts[0] as string));
      this.set("transaction", parts[1]);
    } else {
      this.set("transaction", ref);
      if (!ref) this.note("it names no transaction", true);
    }
    const conn = this.bag.source("connectionStringDefinition");
    if (conn) {
      this.note(
        `its connection string (the URL) came from a source (step ${conn.step}, XPath ${conn.xpath}); Atelier has no URL override: use the transaction's path template`,
        true,
      );
    }
    this.bag.skip("bInternalInvoke");
  }

  private callSequence(): void {
    this.comment();
    const ref = this.bag.str("sourceSequence", "");
    const i = ref.indexOf(".");
    const p = i >= 0 ? ref.slice(0, i) : "";
    const s = i >= 0 ? ref.slice(i + 1) : ref;
    const project = this.m.projectRef(p);
    this.set("project", project || undefined);
    this.set("sequence", project ? s : this.m.sequenceName(s));
    if (this.bag.bool("inheritTransactionCtx", false)) this.note("inheritTransactionCtx is not supported");
    this.bag.skip("bInternalInvoke");
  }

  private element(): void {
    const b = this.bean;
    this.comment();
    if (b.cls === "steps.JsonFieldStep" || b.cls === "steps.JsonObjectStep" || b.cls === "steps.JsonArrayStep") {
      const dflt = b.cls === "steps.JsonFieldStep" ? "field" : b.cls === "steps.JsonObjectStep" ? "object" : "array";
      this.renamed(this.bag.smart("key", { mode: "PLAIN", text: dflt }).text);
      if (b.cls === "steps.JsonFieldStep") {
        const type = this.bag.str("type", "string");
        const v = this.bag.smart("value");
        if (v.mode === "PLAIN") {
          if (type === "number" && v.text.trim() !== "" && Number.isFinite(Number(v.text)))
            this.set("value", Number(v.text));
          else if (type === "boolean") this.set("value", v.text === "true");
          else if (type === "null") this.set("value", null);
          else if (v.text !== "") this.set("value", v.text);
        } else this.smartValue(v, "value");
      }
      return;
    }
    this.renamed(this.bag.str("nodeName", ATTRIBUTE_LIKE.has(b.cls) ? "attribute" : "element"));
    this.bag.skip("nodeNameSpace", "nodeNameSpaceURI");
    const text = this.bag.str("nodeText", "");
    const expr = b.cls === "steps.ElementStep" || b.cls === "steps.AttributeStep" ? this.bag.str("expression", "") : "";
    const src = b.cls === "steps.XMLElementStep" || b.cls === "steps.XMLAttributeStep" ? this.bag.source() : undefined;
    const target: ObjNode =
      this.node.type === "JsonObject"
        ? { id: `${this.node.id}-text`, type: "Element", name: "text", props: {}, children: [] }
        : this.node;
    this.out = target;
    if (src) this.useSource(src, "text");
    if (expr.trim() !== "") this.set("expression", this.js("expression", expr));
    if (text !== "") this.set("value", text);
    this.out = undefined;
    if (ATTRIBUTE_LIKE.has(b.cls) && !(this.parent && ELEMENT_LIKE.has(this.parent.cls))) {
      this.note("an attribute outside an element: Atelier adds it as a key of the enclosing object");
    }
    if (this.node.type === "JsonObject") {
      this.childrenDone = true;
      const attrs: ObjNode[] = [];
      const others: ObjNode[] = [];
      const notes: string[] = [];
      const kids = this.m.buildChildren(b, this.ancestors, this.seq, notes);
      kids.forEach((k, i) => {
        const cb = b.children[i];
        if (cb && ATTRIBUTE_LIKE.has(cb.cls)) attrs.push(k);
        else others.push(k);
      });
      this.notes.push(...notes);
      const children: ObjNode[] = [];
      if (Object.keys(target.props).length) children.push(target);
      children.push(...others);
      if (attrs.length) {
        children.push({
          id: `${this.node.id}-attr`,
          type: "JsonObject",
          name: "attr",
          props: { comment: "Convertigo's JSON puts an element's attributes under \"attr\"." },
          children: attrs,
        });
      }
      this.node.children = children;
    }
  }

  private iterator(): void {
    this.comment();
    const b = this.bean;
    this.bag.skip("startIndex");
    const stop = this.bag.str("condition", "").trim();
    if (/^\d+$/.test(stop) && Number(stop) > 0) this.set("maxIterations", Number(stop));
    if (b.cls === "steps.SimpleIteratorStep") {
      const e = this.bag.str("expression", "");
      if (e.trim() !== "") this.set("expression", this.js("expression", e));
    } else {
      const src = this.bag.source();
      if (src) this.useSource(src, "list");
    }
  }

  private error(): void {
    this.comment();
    const b = this.bean;
    if (b.cls === "steps.ExceptionStep") {
      this.set("messageExpression", this.js("message", this.bag.str("expression", "//todo")));
      const details = this.bag.str("details", '""');
      if (details.trim() !== '""' && details.trim() !== "") this.set("details", this.js("details", details));
      return;
    }
    const code = this.bag.smart("code");
    if (code.mode === "PLAIN") this.set("code", code.text.trim() === "" ? "-1" : code.text.trim());
    else {
      this.set("code", "-1");
      this.note(
        `its code is computed (${code.mode === "JS" ? code.text : "from a source"}): Atelier's error code is a constant, -1 is used`,
        true,
      );
    }
    const msg = this.bag.smart("message");
    if (msg.mode === "PLAIN") this.set("message", msg.text);
    else if (msg.mode === "JS") this.set("messageExpression", this.js("message", msg.text));
    else if (msg.source) {
      const js = this.useSource(msg.source, "message", true);
      if (js) this.set("messageExpression", `String(${js})`);
    }
    const det = this.bag.smart("details");
    if (det.mode === "PLAIN") {
      if (det.text !== "") this.set("details", JSON.stringify(det.text));
    } else if (det.mode === "JS") {
      if (det.text.trim() !== "") this.set("details", this.js("details", det.text));
    } else if (det.source) {
      const js = this.useSource(det.source, "details", true);
      if (js) this.set("details", js);
    }
    if (this.m.runsAfter(b, this.parent, this.ancestors)) {
      this.note(
        "Convertigo's Error structure step writes an error to the response and goes on; Atelier's Error step ends the sequence",
        true,
      );
    }
  }

  private simpleSource(): void {
    this.comment();
    const name = this.bag.str("variableName", "myVariable");
    const src = this.bag.source();
    let expr = "undefined";
    if (src) {
      const t = this.m.translateSource(src, this.bean, this.ancestors);
      if (t.problem) this.note(`${t.problem}; not translated, set it again`, true);
      else expr = t.js ?? "undefined";
    }
    this.set(
      "code",
      `// Convertigo's Simple Source step: the variable ${name} takes the source's value\nvar ${name} = ${expr};`,
    );
  }

  private outputCheck(): void {
    const cls = this.bean.cls;
    if (!OUTPUT_CHECKED.has(cls)) {
      this.bag.skip("output");
      return;
    }
    const output = this.bag.bool("output", OUTPUT_TRUE_BY_DEFAULT.has(cls));
    const emits = EMITTING.has(this.node.type);
    if (output && !emits) {
      this.note(
        `Convertigo added its result to the response (output: true); Atelier's ${this.node.type} does not`,
        true,
      );
    } else if (!output && emits) {
      this.note(`Convertigo kept it out of the response (output: false); Atelier's ${this.node.type} adds it`, true);
    }
  }

  finish(): void {
    if (this.node.type !== "SequenceJS" || !ELEMENT_LIKE.has(this.bean.cls)) this.outputCheck();
    this.bag.skip("isEnabled", "comment", "output", "schemaDataType");
    for (const l of this.bag.leftovers()) {
      if (XML_ONLY_PROPS.has(l.name)) continue;
      this.notes.push(`${l.name} (no Atelier equivalent): ${oneLineOrBlock(describeContent(l.value))}`);
    }
    for (const [k, v] of this.bean.attrs) {
      if (k === "default") continue;
      this.notes.push(`attribute ${k} (no Atelier equivalent): ${v}`);
    }
    for (const t of this.bean.texts) this.notes.push(`text: ${oneLineOrBlock(t.value)}`);
    for (const { what, code } of this.jsTexts) {
      for (const p of jsInteropProblems(code)) {
        const msg = `JavaScript (${what}) ${p}: needs a rewrite`;
        this.notes.push(msg);
        this.m.warn(this.bean, msg);
      }
    }
  }
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

function oneLineOrBlock(text: string): string {
  return text.includes("\n") ? `\n${indent(text)}` : text;
}

/** Maps a whole Convertigo project. */
export function mapC8oProject(project: C8oBean, opts: MapOptions): MapResult {
  const m = new Mapper(opts);
  m.prepare(project);
  const root = m.build(project);
  root.name = opts.projectName;
  return {
    root,
    objects: m.objects,
    mapped: m.mapped,
    foreign: m.foreign,
    byClass: Object.fromEntries([...m.byClass.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    warnings: m.warnings,
    secrets: m.secrets,
  };
}

export type { C8oItem };
