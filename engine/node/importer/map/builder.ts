import type { ObjNode } from "../../../common/model/node.ts";
import type { SourceRef } from "../../../common/model/props.ts";
import { getType } from "../../../common/model/registry.ts";
import type { C8oBean } from "../c8o-yaml.ts";
import { describeContent, type C8oSource, type SmartValue } from "../c8o-values.ts";
import type { Decision } from "./class-mapper.ts";
import { jsInteropProblems } from "./js-interop.ts";
import { beanBool, type PropBag, type SecretKeeper } from "./prop-bag.ts";

/** What builders need to know of the enclosing sequence. */
export interface SeqInfo {
  /** Identifiers used in its JavaScript or declared as its variables. */
  identifiers: Set<string>;
}

/** A Convertigo source translated for Atelier, or why it could not be. */
export interface TranslatedSource {
  ref?: SourceRef;
  js?: string;
  guessed: string[];
  problem?: string;
  /** The object the source reads, and what it became (when it is in the project). */
  target?: { bean: C8oBean; type: string };
}

/** What the mapper offers the class mappers while they build: the whole project's knowledge. */
export interface ImportContext extends SecretKeeper {
  readonly opts: { readonly passphrase: string; readonly sourceDir?: string };
  /** The `↑convertigo:` version of the files. */
  versionOf(): string | undefined;
  warn(bean: C8oBean, message: string): void;
  isMaskedVariable(bean: C8oBean): boolean;
  buildChildren(bean: C8oBean, ancestors: C8oBean[], seq: SeqInfo | undefined, notes: string[]): ObjNode[];
  decisionOf(bean: C8oBean): Decision;
  translateSource(src: C8oSource, ancestors: C8oBean[]): TranslatedSource;
  /** The Atelier type of the transaction a TransactionStep calls, when it is in this project. */
  calledTransactionType(step: C8oBean): string | undefined;
  /** The project part of a reference: empty for this project. */
  projectRef(c8o: string): string;
  connectorName(c8o: string): string;
  sequenceName(c8o: string): string;
}

/** Atelier types that add to the response and have no `output` flag to say otherwise. */
const EMITTING = new Set(["Error"]);
/** XML-schema typing hints of steps: meaningful for XML/WSDL output only. */
const XML_ONLY_PROPS = new Set(["xmlComplexTypeAffectation", "xmlElementRefAffectation", "xmlSimpleTypeAffectation"]);

/** Convertigo's steps holding output steps, all added to the response unless `output: false`. */
const CONTAINERS = new Set([
  "steps.XMLComplexStep",
  "steps.XMLElementStep",
  "steps.ElementStep",
  "steps.JsonObjectStep",
  "steps.JsonArrayStep",
]);

function isHiddenContainer(bean: C8oBean): boolean {
  return CONTAINERS.has(bean.cls) && beanBool(bean, "output", true) === false;
}

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

/** Indents every line of a text (code quoted in a comment). */
export function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

function oneLineOrBlock(text: string): string {
  return text.includes("\n") ? `\n${indent(text)}` : text;
}

/**
 * Builds one native object from its Convertigo object: the helpers every class mapper uses
 * (values, sources, notes), then `finish` lists what nothing used in the object's comment.
 */
export class Builder {
  childrenDone = false;
  /** The object that set() writes to: the node, or a synthetic child while one is built. */
  out: ObjNode | undefined;
  private readonly jsTexts: { what: string; code: string }[] = [];
  private readonly usedAttrs = new Set<string>(["default"]);

  constructor(
    readonly m: ImportContext,
    readonly bean: C8oBean,
    readonly bag: PropBag,
    readonly node: ObjNode,
    readonly notes: string[],
    readonly ancestors: C8oBean[],
    readonly seq: SeqInfo | undefined,
    readonly parent: C8oBean | undefined,
  ) {}

  set(prop: string, value: unknown): void {
    if (value === undefined) return;
    (this.out ?? this.node).props[prop] = value;
  }

  note(text: string, warn = false): void {
    this.notes.push(text);
    if (warn) this.m.warn(this.bean, text);
  }

  /** Keeps JavaScript code to check for what Atelier's sandbox lacks; answers it unchanged. */
  js(what: string, code: string): string {
    this.jsTexts.push({ what, code });
    return code;
  }

  comment(): void {
    const c = this.bag.str("comment", "");
    if (c !== "") this.set("comment", c);
  }

  /** Are the source files at least this Convertigo version (defaults changed between versions)? */
  convertigoAtLeast(version: string): boolean {
    return versionAtLeast(this.m.versionOf(), version);
  }

  /** Marks attributes as handled (they are not listed in the comment). */
  skipAttr(...names: string[]): void {
    for (const n of names) this.usedAttrs.add(n);
  }

  isDefaultAttr(): boolean {
    return this.bean.attrs.some(([k, v]) => k === "default" && v === "true");
  }

  renamed(name: string): void {
    if (name !== "" && name !== this.node.name) {
      // Convertigo's generated names (jElement, Attribute1...) say nothing worth keeping.
      if (!/^(?:j|XML)?(?:Element|Attribute|Field|Object|Array)\d*$/i.test(this.node.name)) {
        this.note(`named after its output key "${name}" (its Convertigo name is "${this.node.name}")`);
      }
      this.node.name = name;
    }
  }

  /** Sets a value from a SmartType onto valueProps (source / expression / value). */
  smartValue(s: SmartValue, what: string): void {
    if (s.mode === "JS") {
      if (s.text.trim() !== "") this.set("expression", this.js(what, s.text));
    } else if (s.mode === "SOURCE") {
      if (s.source) this.useSource(s.source, what);
    } else if (s.text !== "") {
      this.set("value", s.text);
    }
  }

  /** Sets `source` (or `expression` for a loop item) from a Convertigo source. */
  useSource(src: C8oSource, what: string, expressionOnly = false): string | undefined {
    const t = this.m.translateSource(src, this.ancestors);
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

  /** Compares Convertigo's `output` flag (default `outputDefault`) with what the Atelier type does. */
  private outputCheck(outputDefault: boolean | undefined): void {
    if (outputDefault === undefined) {
      this.bag.skip("output");
      return;
    }
    const output = this.bag.bool("output", outputDefault);
    // A type with an `output` flag of its own says the same thing: Convertigo's flag is kept.
    const flag = getType(this.node.type)?.props.find((p) => p.name === "output");
    if (flag) {
      // Inside an element kept out of the response, a step is in that element's value whatever its
      // flag says (Convertigo builds the element's node with it): only the element's flag counts.
      const hiddenIn = output ? undefined : this.ancestors.find(isHiddenContainer);
      if (hiddenIn) {
        this.note(`in ${hiddenIn.name}, kept out of the response (output: false): part of its value, as in Convertigo`);
      } else if (output !== (flag.default ?? true)) this.node.props.output = output;
      return;
    }
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

  /** Notes what nothing used (properties, attributes, texts) and JavaScript needing a rewrite. */
  finish(outputDefault: boolean | undefined): void {
    this.outputCheck(outputDefault);
    this.bag.skip("isEnabled", "comment", "output", "schemaDataType");
    for (const l of this.bag.leftovers()) {
      if (XML_ONLY_PROPS.has(l.name)) continue;
      this.notes.push(`${l.name} (no Atelier equivalent): ${oneLineOrBlock(describeContent(l.value))}`);
    }
    for (const [k, v] of this.bean.attrs) {
      if (this.usedAttrs.has(k)) continue;
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
