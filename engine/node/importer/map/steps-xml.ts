import type { ObjNode } from "../../../common/model/node.ts";
import type { C8oBean } from "../c8o-yaml.ts";
import { readSmartType, readVector, sourceOfVector, type C8oSource, type Vector } from "../c8o-values.ts";
import { parsePlainXPath } from "../xpath.ts";
import type { Builder } from "./builder.ts";
import type { ClassMapper, ClassMappers, Decision } from "./class-mapper.ts";
import { beanStr } from "./prop-bag.ts";
import { attributesObject } from "./steps-output.ts";

/**
 * Convertigo's steps that build the response from other steps' XML, and those that hand a
 * source's value to JavaScript, on Atelier's JSON output: XMLComplexStep (an object, or an array
 * when its `type` attribute says so), XMLCopyStep (Copy), XMLConcatStep (Concat), JsonToXmlStep
 * (an Element holding a JSON value), JsonSourceStep and SourceStep (a Sequence JS declaring the
 * variable). Their `output` flag becomes the type's own (builder.ts).
 */

const ATTRIBUTES = new Set(["steps.XMLAttributeStep", "steps.AttributeStep"]);

/** The JSON type a complex element asks for with a constant `type` attribute (Convertigo's JSON hint). */
function typeAttribute(bean: C8oBean): { child: C8oBean; kind: "array" | "object" } | undefined {
  for (const c of bean.children) {
    if (!ATTRIBUTES.has(c.cls) || beanStr(c, "nodeName", c.name) !== "type") continue;
    if (c.props.some((p) => p.name === "sourceDefinition" || p.name === "expression")) continue;
    const text = beanStr(c, "nodeText", "");
    if (text === "array" || text === "object") return { child: c, kind: text };
  }
  return undefined;
}

const complex: ClassMapper = {
  types: ["JsonObject", "JsonArray"],
  decide: (bean) => ({ type: typeAttribute(bean)?.kind === "array" ? "JsonArray" : "JsonObject" }),
  build: (b) => {
    b.comment();
    b.renamed(b.bag.str("nodeName", b.node.name));
    b.bag.skip("nodeNameSpace", "nodeNameSpaceURI");
    const hint = typeAttribute(b.bean);
    const notes: string[] = [];
    const kids = b.m.buildChildren(b.bean, b.ancestors, b.seq, notes);
    b.notes.push(...notes);
    b.childrenDone = true;
    const attrs: ObjNode[] = [];
    const others: ObjNode[] = [];
    kids.forEach((k, i) => {
      const cb = b.bean.children[i];
      if (cb && cb === hint?.child) return;
      if (cb && ATTRIBUTES.has(cb.cls)) attrs.push(k);
      else others.push(k);
    });
    if (hint) b.note(`its attribute type="${hint.kind}" (Convertigo's hint for JSON) makes it a JSON ${hint.kind}`);
    if (attrs.length) others.push(attributesObject(b, attrs));
    b.node.children = others;
  },
  output: true,
};

/** What an XMLCopyStep's XPath selects: a node, or the children of one (all but some). */
interface CopyPath {
  /** The XPath of the node (of the parent, for children). */
  node: string;
  members: boolean;
  except: string[];
}

function copyPath(xpath: string): CopyPath | undefined {
  const x = xpath.trim();
  const kids = /^(.*?)\/?\*(?:\[not\((self::[\w.-]+(?:\s+or\s+self::[\w.-]+)*)\)\])?$/.exec(x);
  const path = kids ? (kids[1] === "" ? "." : (kids[1] as string)) : x;
  const plain = parsePlainXPath(path);
  // text() and attributes are not copied by Convertigo (only element nodes are), nor are they here.
  if (!plain || /(?:text\(\)|@[\w.-]+)$/.test(path)) return undefined;
  const except = kids?.[2] ? kids[2].split(/\s+or\s+/).map((s) => s.replace(/^self::/, "")) : [];
  return { node: path, members: !!kids, except };
}

function sourceOf(bean: C8oBean): C8oSource | undefined {
  return sourceOfVector(readVector(bean.props.find((p) => p.name === "sourceDefinition")?.value));
}

const copy: ClassMapper = {
  types: ["Copy"],
  decide: (bean) => {
    const src = sourceOf(bean);
    if (!src) return { type: "Foreign", reason: "it has no source" };
    if (!copyPath(src.xpath)) return { type: "Foreign", reason: `its XPath ${src.xpath} is not a plain path` };
    return { type: "Copy" };
  },
  build: buildCopy,
  output: true,
};

/** The name an element step of Convertigo writes its output under. */
function outputName(bean: C8oBean): string {
  if (bean.cls === "steps.JsonToXmlStep") return jsonKey(bean) ?? bean.name;
  return beanStr(bean, "nodeName", bean.name);
}

function buildCopy(b: Builder): void {
  b.comment();
  const src = b.bag.source() as C8oSource;
  const path = copyPath(src.xpath) as CopyPath;
  const t = b.m.translateSource({ step: src.step, xpath: path.node }, b.ancestors);
  if (t.problem) {
    b.note(`source: ${t.problem}; not translated, set it again`, true);
    return;
  }
  if (t.guessed.length) {
    b.note(`source (step ${src.step}, XPath ${src.xpath}) translated by a guess: ${t.guessed.join("; ")}`, true);
  }
  if (t.ref) b.set("source", t.ref);
  else b.set("expression", t.js);
  const segs = parsePlainXPath(path.node)?.segments.filter((s): s is string => typeof s === "string") ?? [];
  const jsonRoot =
    t.target?.type === "CallTransaction" && b.m.calledTransactionType(t.target.bean) === "JsonHttpTransaction";
  if (path.members && jsonRoot && segs.length === 1 && segs[0] === "document") {
    // The children of a JSON transaction's document: its one root, which Convertigo names "object".
    b.renamed("object");
    b.note(
      `copies the answer of a JSON transaction under "object", the name Convertigo gives an object answer ("array" for a list)${path.except.length ? `; its "not(self::${path.except.join(" or self::")})" has nothing to leave out (in Atelier an HTTP error ends the run)` : ""}`,
      true,
    );
    return;
  }
  if (path.members) {
    b.set("members", true);
    if (path.except.length) b.set("except", path.except);
    // An array's items are written under "item", Convertigo's name for them.
    b.renamed("item");
    return;
  }
  const last = segs[segs.length - 1];
  if (last === "item" && t.guessed.some((g) => g.startsWith('"item" read as the items'))) {
    // The items of a JSON list (Convertigo's <item> elements): each is copied.
    b.set("members", true);
    b.renamed("item");
    return;
  }
  if (last !== undefined) b.renamed(last);
  else if (t.target?.type === "Iterator") b.renamed(iteratedName(t.target.bean));
  else if (t.target) b.renamed(outputName(t.target.bean));
}

/** The element name of the items a Convertigo iterator goes through (`rows/item` → item). */
function iteratedName(iterator: C8oBean): string {
  const src = sourceOf(iterator);
  const segs = src ? (parsePlainXPath(src.xpath)?.segments ?? []) : [];
  const names = segs.filter((s): s is string => typeof s === "string");
  return names[names.length - 1] ?? "item";
}

/** An XMLConcatStep's rows: [description, source vector, default text]. */
function concatRows(v: Vector | undefined): { source?: C8oSource; text: string }[] {
  return (v ?? []).map((row) => {
    const r = Array.isArray(row) ? row : [];
    const src = Array.isArray(r[1]) ? sourceOfVector(r[1]) : undefined;
    const text = typeof r[2] === "string" ? r[2] : "";
    return { ...(src ? { source: src } : {}), text };
  });
}

const concat: ClassMapper = {
  types: ["Concat"],
  decide: (bean) => {
    const rows = concatRows(readVector(bean.props.find((p) => p.name === "sourcesDefinition")?.value));
    const bad = rows.find((r) => r.source && !parsePlainXPath(r.source.xpath));
    if (bad) return { type: "Foreign", reason: `its XPath ${bad.source?.xpath} is not a plain path` };
    return { type: "Concat" };
  },
  build: (b) => {
    b.comment();
    b.renamed(b.bag.str("nodeName", b.node.name));
    b.bag.skip("nodeNameSpace", "nodeNameSpaceURI");
    const separator = b.bag.str("separator", " ");
    if (separator !== " ") b.set("separator", separator);
    const parts: { source?: { step: string; path?: string }; expression?: string; text?: string }[] = [];
    for (const [i, row] of concatRows(b.bag.vector("sourcesDefinition")).entries()) {
      const part: (typeof parts)[number] = {};
      if (row.source) {
        const t = b.m.translateSource(row.source, b.ancestors);
        if (t.problem) b.note(`part ${i + 1}: ${t.problem}; not translated, set it again`, true);
        else if (t.ref) part.source = t.ref;
        else part.expression = t.js;
        if (t.guessed.length && !t.problem)
          b.note(`part ${i + 1}: translated by a guess: ${t.guessed.join("; ")}`, true);
      }
      if (row.text !== "") part.text = row.text;
      parts.push(part);
    }
    b.set("parts", parts);
  },
  output: true,
};

/** A JsonToXmlStep's key when constant; undefined when computed. Absent, it is the step's name. */
function jsonKey(bean: C8oBean): string | undefined {
  const key = readSmartType(bean.props.find((p) => p.name === "key")?.value, { mode: "PLAIN", text: bean.name });
  return key.mode === "PLAIN" ? key.text : undefined;
}

const jsonToXml: ClassMapper = {
  types: ["Element"],
  decide: (bean): Decision =>
    jsonKey(bean) === undefined
      ? { type: "Foreign", reason: "its key is computed (JavaScript or source)" }
      : { type: "Element" },
  build: (b) => {
    b.comment();
    b.bag.skip("key", "arrayChildrenTag");
    b.renamed(jsonKey(b.bean) ?? b.node.name);
    const v = b.bag.smart("jsonObject");
    if (v.mode === "JS") {
      if (v.text.trim() !== "") b.set("expression", b.js("jsonObject", v.text));
    } else if (v.mode === "SOURCE") {
      // Convertigo parses the source's text as JSON; a value that is already JSON stays as it is.
      const js = v.source ? b.useSource(v.source, "jsonObject", true) : undefined;
      if (js) b.set("expression", `((v) => (typeof v === "string" ? JSON.parse(v) : v))(${js})`);
    } else if (v.text.trim() !== "") {
      try {
        b.set("value", JSON.parse(v.text));
      } catch {
        b.set("value", v.text);
        b.note("its JSON text does not parse: kept as a text", true);
      }
    }
  },
  output: true,
};

/** JsonSourceStep and SourceStep: a Sequence JS declaring the variable with the source's value. */
function variableFromSource(what: string, dfltName: string, nodeList: boolean): ClassMapper {
  return {
    types: ["SequenceJS"],
    decide: (bean) => {
      const src = sourceOf(bean);
      if (src && !parsePlainXPath(src.xpath)) {
        return { type: "Foreign", reason: `its XPath ${src.xpath} is not a plain path` };
      }
      return { type: "SequenceJS" };
    },
    build: (b) => {
      b.comment();
      const name = b.bag.str("variableName", dfltName);
      const src = b.bag.source();
      let expr = "undefined";
      if (src) {
        const t = b.m.translateSource(src, b.ancestors);
        if (t.problem) b.note(`${t.problem}; not translated, set it again`, true);
        else {
          expr = t.js ?? "undefined";
          if (t.guessed.length) b.note(`source translated by a guess: ${t.guessed.join("; ")}`, true);
        }
      }
      if (nodeList) {
        b.note(
          `Convertigo gave ${name} as a list of XML nodes; Atelier gives the JSON value: code using DOM methods on it (item(i), getLength(), getTextContent()) needs a rewrite`,
          true,
        );
      }
      b.set(
        "code",
        `// Convertigo's ${what} step: the variable ${name} takes the source's value\nvar ${name} = ${expr};`,
      );
    },
    output: false,
  };
}

export const xmlStepClasses: ClassMappers = {
  "steps.XMLComplexStep": complex,
  "steps.XMLCopyStep": copy,
  "steps.XMLConcatStep": concat,
  "steps.JsonToXmlStep": jsonToXml,
  "steps.JsonSourceStep": variableFromSource("JSON Source", "myVariable", false),
  "steps.SourceStep": variableFromSource("Source", "myNodeList", true),
};
