import type { ObjNode } from "../../common/model/node.ts";
import { isFileName, NAME_PATTERN } from "../../common/model/naming.ts";
import { acceptsChild, getType } from "../../common/model/registry.ts";
import { stableHash } from "../../common/format/project-format.ts";
import { contentText, type C8oBean, type C8oItem } from "./c8o-yaml.ts";
import type { C8oSource } from "./c8o-values.ts";
import { Builder, type ImportContext, type SeqInfo, type TranslatedSource } from "./map/builder.ts";
import type { Decision } from "./map/class-mapper.ts";
import { classMapperFor } from "./map/class-mappers.ts";
import { foreignNode, foreignReason, isApplicationClass } from "./map/foreign.ts";
import { uiExtraFiles, uiScriptsKept } from "./map/ui.ts";
import { beanBool, beanStr, PropBag } from "./map/prop-bag.ts";
import { collectSeqInfo } from "./map/sequences.ts";
import { SecretSettings, type PendingSecret } from "./map/secrets.ts";
import { translateSource } from "./map/sources.ts";

/**
 * Turns a Convertigo project (read by c8o-yaml.ts) into an Atelier object tree. Objects of a kind
 * Atelier runs become native objects; every other one becomes a Foreign object that keeps its
 * class and all its properties. Nothing is dropped: what a native object cannot hold is written
 * in its comment under "Imported from Convertigo", and listed as a warning.
 *
 * This is the driver: what each Convertigo class becomes, and how, is in the tables of map/
 * (one module per family of classes, indexed by map/class-mappers.ts); here are the two passes
 * over the tree (decisions and ids, then building), and what spans the project (names,
 * references, sources, secrets).
 */

export interface MapResult {
  root: ObjNode;
  objects: number;
  mapped: number;
  foreign: number;
  byClass: Record<string, number>;
  /** Objects kept as Foreign, by Convertigo class. */
  foreignByClass: Record<string, number>;
  warnings: string[];
  secrets: PendingSecret[];
  /** The share of Convertigo's mobile application objects (screens, components, actions). */
  ui: UiShare;
  /** Files to add to the project beside its objects (path relative to the project → text). */
  files: Map<string, string>;
}

/** What became of the objects of Convertigo's mobile applications (isApplicationClass). */
export interface UiShare {
  objects: number;
  mapped: number;
  foreign: number;
  foreignByClass: Record<string, number>;
  /** UI values kept as scripts Atelier cannot check (Convertigo's TypeScript expressions). */
  scriptsKept: number;
}

export interface MapOptions {
  /** The Atelier project's name (the folder name). */
  projectName: string;
  /** Convertigo's crypto passphrase (the default one unless the server changed it). */
  passphrase: string;
  /** The `↑convertigo:` version of the files, for version-dependent defaults. */
  version?: string;
  /** The Convertigo project's folder, for the files its objects name (request templates). */
  sourceDir?: string;
}

function hashId(seed: string): string {
  return "c8o" + stableHash(seed).slice(0, 12);
}

interface IndexEntry {
  bean: C8oBean;
  id: string;
  decision: Decision;
  ancestors: C8oBean[];
}

class Mapper implements ImportContext {
  readonly warnings: string[] = [];
  private readonly secretSettings: SecretSettings;
  readonly byClass = new Map<string, number>();
  readonly foreignByClass = new Map<string, number>();
  mapped = 0;
  foreign = 0;
  objects = 0;
  readonly ui = { objects: 0, mapped: 0, foreign: 0, foreignByClass: new Map<string, number>() };
  private readonly decisions = new Map<C8oBean, Decision>();
  private readonly ids = new Map<C8oBean, string>();
  private readonly index = new Map<string, IndexEntry>();
  private readonly usedIds = new Set<string>();
  private readonly connectorNames = new Map<string, string>();
  private readonly sequenceNames = new Map<string, string>();
  /** This project's transactions by "connector.transaction" (Convertigo names). */
  private readonly transactions = new Map<string, C8oBean>();
  private c8oProjectName = "";

  constructor(readonly opts: MapOptions) {
    this.secretSettings = new SecretSettings(opts.passphrase, (bean, message) => this.warn(bean, message));
  }

  get secrets(): PendingSecret[] {
    return this.secretSettings.pending;
  }

  versionOf(): string | undefined {
    return this.opts.version;
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
      let name = isFileName(raw) ? raw : raw.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^([^A-Za-z_])/, "_$1");
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
    // A folded object's children go where it is (hoisted) or are read by its parent (Foreign for them).
    const childParentType =
      decision.type === "TestCaseVariable" || decision.type === "Folded"
        ? decision.hoist
          ? parentType
          : "Foreign"
        : decision.type;
    for (const c of bean.children) this.decideTree(c, childParentType, [...ancestors, bean], treePath);
  }

  /** The class's own decision, or Foreign for a class no table maps. */
  private nativeType(bean: C8oBean): Decision {
    const mapper = classMapperFor(bean.cls);
    if (!mapper) return { type: "Foreign", reason: foreignReason(bean.cls) };
    const d = mapper.decide(bean);
    if (d.type !== "Foreign" && !mapper.types.includes(d.type as (typeof mapper.types)[number])) {
      throw new Error(`internal error: ${bean.cls} became a ${d.type}, which its mapper does not declare`);
    }
    return d;
  }

  /** The class's decision, kept only where the registry accepts it under its parent. */
  private decide(bean: C8oBean, parentType: string | undefined): Decision {
    const d = this.nativeType(bean);
    if (d.type === "Foreign") return d;
    if (d.type === "Folded") {
      // Its parent reads it: a foreign parent keeps it as it is.
      return parentType === undefined || parentType === "Foreign"
        ? { type: "Foreign", reason: "its parent is kept as foreign" }
        : d;
    }
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
    else {
      this.foreign++;
      this.foreignByClass.set(bean.cls, (this.foreignByClass.get(bean.cls) ?? 0) + 1);
    }
    if (isApplicationClass(bean.cls)) {
      this.ui.objects++;
      if (native) this.ui.mapped++;
      else {
        this.ui.foreign++;
        this.ui.foreignByClass.set(bean.cls, (this.ui.foreignByClass.get(bean.cls) ?? 0) + 1);
      }
    }
  }

  private buildBean(
    bean: C8oBean,
    parent: C8oBean | undefined,
    ancestors: C8oBean[],
    seq: SeqInfo | undefined,
  ): ObjNode[] {
    const decision = this.decisions.get(bean)!;
    const id = this.ids.get(bean)!;
    const disabled = bean.cls.startsWith("steps.") && !beanBool(bean, "isEnabled", true);
    const seqInfo = bean.cls.startsWith("sequences.") ? collectSeqInfo(bean) : seq;
    let node: ObjNode;
    let notes: string[] = [];
    if (decision.type === "Foreign") {
      this.count(bean, false);
      node = foreignNode(bean, id, decision.reason ?? "no Atelier equivalent", this);
      node.children = this.buildChildren(bean, ancestors, seqInfo, notes);
    } else if (decision.type === "TestCaseVariable" || decision.type === "Folded") {
      this.count(bean, true);
      // Read by its parent's builder; a hoisted one's children take its place.
      return decision.hoist ? this.buildChildren(bean, ancestors, seqInfo, notes) : [];
    } else {
      this.count(bean, true);
      // A native decision comes from the class's mapper: it exists.
      const mapper = classMapperFor(bean.cls)!;
      node = { id, type: decision.type, name: bean.name, props: {}, children: [] };
      const b = new Builder(this, bean, new PropBag(bean, this), node, notes, ancestors, seqInfo, parent);
      mapper.build(b);
      if (!b.childrenDone) node.children = this.buildChildren(bean, ancestors, seqInfo, notes);
      b.finish(mapper.output);
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

  // ---------------------------------------------------------------- secrets

  isMaskedVariable(bean: C8oBean): boolean {
    const vis = Number(beanStr(bean, "visibility", "0"));
    return Number.isFinite(vis) && (vis & 0x08) !== 0;
  }

  secretSetting(bean: C8oBean, prop: string, stored: string): string {
    return this.secretSettings.secretSetting(bean, prop, stored);
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

  /** Translates a source read by an object with these ancestors (sources.ts). */
  translateSource(src: C8oSource, ancestors: C8oBean[]): TranslatedSource {
    return translateSource(src, ancestors, {
      byPriority: (priority) => this.index.get(priority),
      decisionOf: (bean) => this.decisions.get(bean),
      calledTransactionType: (step) => this.calledTransactionType(step),
    });
  }
}

function sortedRecord(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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
    byClass: sortedRecord(m.byClass),
    foreignByClass: sortedRecord(m.foreignByClass),
    warnings: m.warnings,
    secrets: m.secrets,
    ui: {
      objects: m.ui.objects,
      mapped: m.ui.mapped,
      foreign: m.ui.foreign,
      foreignByClass: sortedRecord(m.ui.foreignByClass),
      scriptsKept: uiScriptsKept(m),
    },
    files: uiExtraFiles(m),
  };
}

export type { C8oItem, PendingSecret };
