import type { ObjNode } from "../../../common/model/node.ts";
import type { TypeName } from "../../../common/types/index.ts";
import { contentText, type C8oBean } from "../c8o-yaml.ts";
import { readSmartType, readVector, sourceOfVector } from "../c8o-values.ts";
import type { Builder } from "./builder.ts";
import type { ClassMapper, ClassMappers, Decision } from "./class-mapper.ts";

/**
 * Convertigo's output steps: XML-style elements and attributes (jElement, Element, jAttribute,
 * Attribute) and JSON ones (jField, jObject, jArray). An element's output key becomes its
 * name; an element holding steps becomes an object. Convertigo's `output` flag becomes the
 * type's own (an element kept out of the response still gives its value to sources).
 */

const ELEMENT_LIKE = new Set([
  "steps.ElementStep",
  "steps.XMLElementStep",
  "steps.AttributeStep",
  "steps.XMLAttributeStep",
]);
const ATTRIBUTE_LIKE = new Set(["steps.AttributeStep", "steps.XMLAttributeStep"]);

const elementLike: ClassMapper = {
  types: ["Element", "JsonObject"],
  decide: elementDecision,
  build: element,
  output: true,
};

/** A JSON step; its key (output name) defaults to its kind. */
function jsonStep(type: TypeName, defaultKey: string): ClassMapper {
  return {
    types: [type],
    decide: (bean) => {
      const key = readSmartType(bean.props.find((p) => p.name === "key")?.value, { mode: "PLAIN", text: defaultKey });
      if (key.mode !== "PLAIN") return { type: "Foreign", reason: "its key is computed (JavaScript or source)" };
      return { type };
    },
    build: element,
    output: true,
  };
}

export const outputStepClasses: ClassMappers = {
  "steps.ElementStep": elementLike,
  "steps.XMLElementStep": elementLike,
  "steps.AttributeStep": elementLike,
  "steps.XMLAttributeStep": elementLike,
  "steps.JsonFieldStep": jsonStep("Element", "field"),
  "steps.JsonObjectStep": jsonStep("JsonObject", "object"),
  "steps.JsonArrayStep": jsonStep("JsonArray", "array"),
};

function elementDecision(bean: C8oBean): Decision {
  const hasSteps = bean.children.some((c) => c.cls.startsWith("steps."));
  const nonAttr = bean.children.filter((c) => !ATTRIBUTE_LIKE.has(c.cls));
  if (nonAttr.some((c) => c.cls.startsWith("steps.") && !ELEMENT_LIKE.has(c.cls) && !c.cls.startsWith("steps.Json"))) {
    return { type: "Foreign", reason: "an element holding steps other than elements and attributes" };
  }
  return { type: hasSteps ? "JsonObject" : "Element" };
}

/** The object an element's attribute steps go in: Convertigo's JSON puts them under "attr". */
export function attributesObject(b: Builder, attrs: ObjNode[]): ObjNode {
  return {
    id: `${b.node.id}-attr`,
    type: "JsonObject",
    name: "attr",
    props: { comment: "Convertigo's JSON puts an element's attributes under \"attr\"." },
    children: attrs,
  };
}

/** Does an element step carry its own text (source, expression or text)? */
export function hasElementText(bean: C8oBean): boolean {
  return bean.props.some(
    (p) =>
      ((p.name === "expression" || p.name === "nodeText") && contentText(p.value) !== "") ||
      (p.name === "sourceDefinition" && sourceOfVector(readVector(p.value)) !== undefined),
  );
}

function element(b: Builder): void {
  const bean = b.bean;
  b.comment();
  if (bean.cls === "steps.JsonFieldStep" || bean.cls === "steps.JsonObjectStep" || bean.cls === "steps.JsonArrayStep") {
    const dflt =
      bean.cls === "steps.JsonFieldStep" ? "field" : bean.cls === "steps.JsonObjectStep" ? "object" : "array";
    b.renamed(b.bag.smart("key", { mode: "PLAIN", text: dflt }).text);
    if (bean.cls === "steps.JsonFieldStep") {
      const type = b.bag.str("type", "string");
      const v = b.bag.smart("value");
      if (v.mode === "PLAIN") {
        if (type === "number" && v.text.trim() !== "" && Number.isFinite(Number(v.text)))
          b.set("value", Number(v.text));
        else if (type === "boolean") b.set("value", v.text === "true");
        else if (type === "null") b.set("value", null);
        else if (v.text !== "") b.set("value", v.text);
      } else b.smartValue(v, "value");
    }
    return;
  }
  b.renamed(b.bag.str("nodeName", ATTRIBUTE_LIKE.has(bean.cls) ? "attribute" : "element"));
  b.bag.skip("nodeNameSpace", "nodeNameSpaceURI");
  const text = b.bag.str("nodeText", "");
  const expr =
    bean.cls === "steps.ElementStep" || bean.cls === "steps.AttributeStep" ? b.bag.str("expression", "") : "";
  const src = bean.cls === "steps.XMLElementStep" || bean.cls === "steps.XMLAttributeStep" ? b.bag.source() : undefined;
  const target: ObjNode =
    b.node.type === "JsonObject"
      ? { id: `${b.node.id}-text`, type: "Element", name: "text", props: {}, children: [] }
      : b.node;
  b.out = target;
  if (src) b.useSource(src, "text");
  if (expr.trim() !== "") b.set("expression", b.js("expression", expr));
  if (text !== "") b.set("value", text);
  b.out = undefined;
  if (
    ATTRIBUTE_LIKE.has(bean.cls) &&
    !(b.parent && (ELEMENT_LIKE.has(b.parent.cls) || b.parent.cls === "steps.XMLComplexStep"))
  ) {
    b.note("an attribute outside an element: Atelier adds it as a key of the enclosing object");
  }
  if (b.node.type === "JsonObject") {
    b.childrenDone = true;
    const attrs: ObjNode[] = [];
    const others: ObjNode[] = [];
    const notes: string[] = [];
    const kids = b.m.buildChildren(bean, b.ancestors, b.seq, notes);
    kids.forEach((k, i) => {
      const cb = bean.children[i];
      if (cb && ATTRIBUTE_LIKE.has(cb.cls)) attrs.push(k);
      else others.push(k);
    });
    b.notes.push(...notes);
    const children: ObjNode[] = [];
    if (Object.keys(target.props).length) children.push(target);
    children.push(...others);
    if (attrs.length) children.push(attributesObject(b, attrs));
    b.node.children = children;
  }
}
