import { contentAttr, contentElements, contentText, type C8oContent } from "./c8o-yaml.ts";

/**
 * Readers for Convertigo's complex ("xmlizable") property values: XMLVector (lists, sources),
 * SmartType (a value that is plain text, JavaScript or a source).
 */

const VECTOR = "com.twinsoft.convertigo.beans.common.XMLVector";

export type Vector = (string | Vector)[];

/** The list inside an `xmlizable` XMLVector property, or undefined when it is not one. */
export function readVector(content: C8oContent | undefined): Vector | undefined {
  const x = contentElements(content, "xmlizable")[0];
  if (!x) return undefined;
  const inner = contentElements(x.content, VECTOR)[0];
  if (!inner) return undefined;
  return vectorItems(inner.content);
}

function vectorItems(content: C8oContent): Vector {
  const out: Vector = [];
  for (const el of contentElements(content)) {
    if (el.tag === "xmlizable") {
      const inner = contentElements(el.content, VECTOR)[0];
      out.push(inner ? vectorItems(inner.content) : []);
    } else if (el.tag === VECTOR) {
      out.push(vectorItems(el.content));
    } else {
      out.push(contentAttr(el.content, "value") ?? contentText(el.content) ?? "");
    }
  }
  return out;
}

/** A Convertigo source: the priority of a step and an XPath into its XML output. */
export interface C8oSource {
  step: string;
  xpath: string;
}

/** A source from a two-item vector [priority, xpath]; undefined for an empty vector. */
export function sourceOfVector(v: Vector | undefined): C8oSource | undefined {
  if (!v || v.length === 0) return undefined;
  const [step, xpath] = v;
  if (typeof step !== "string" || step === "" || step === "0") return undefined;
  return { step, xpath: typeof xpath === "string" ? xpath : "" };
}

export interface SmartValue {
  mode: "PLAIN" | "JS" | "SOURCE";
  text: string;
  source?: C8oSource;
}

/** Reads a SmartType property; `fallback` is the value when the property is absent. */
export function readSmartType(content: C8oContent | undefined, fallback: SmartValue): SmartValue {
  if (content === undefined) return fallback;
  const x = contentElements(content, "xmlizable")[0];
  const st = x ? contentElements(x.content, "SmartType")[0] : undefined;
  if (!st) return { mode: "PLAIN", text: contentText(content) ?? "" };
  const mode = (contentAttr(st.content, "mode") ?? "PLAIN").toUpperCase();
  const text = contentText(st.content) ?? "";
  if (mode === "SOURCE") {
    const vec = contentElements(st.content, VECTOR)[0];
    const source = vec ? sourceOfVector(vectorItems(vec.content)) : undefined;
    return { mode: "SOURCE", text, ...(source ? { source } : {}) };
  }
  return { mode: mode === "JS" ? "JS" : "PLAIN", text };
}

/** A short, readable rendering of a property value, for notes. */
export function describeContent(content: C8oContent): string {
  const vec = readVector(content);
  if (vec) return JSON.stringify(vec);
  const st = contentElements(content, "xmlizable")[0];
  if (st && contentElements(st.content, "SmartType")[0]) {
    const s = readSmartType(content, { mode: "PLAIN", text: "" });
    return s.source ? `${s.mode} step ${s.source.step}, XPath ${s.source.xpath}` : `${s.mode} ${s.text}`;
  }
  return typeof content === "string" ? content : JSON.stringify(content);
}
