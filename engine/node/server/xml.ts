/** Writes a JSON output as Convertigo's XML answer: `<document>` holding one element per key. */

/**
 * Characters XML 1.0 cannot hold at all (its Char production): C0 controls but tab and line
 * breaks, lone surrogates, U+FFFE and U+FFFF. A caller's variable echoed with one of them made
 * the whole answer unreadable to XML parsers; each becomes U+FFFD, the replacement character.
 */
const INVALID_XML_CHARS =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Anything escapeText changes (most texts have none: they are returned as they are). */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/;

function escapeText(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(INVALID_XML_CHARS, "\ufffd");
}

/** An attribute value: also quotes, and tabs and line breaks as references (parsers turn raw ones into spaces). */
function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, "&quot;").replace(/\t/g, "&#9;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;");
}

/** A valid XML element name for a JSON key (invalid characters become _, a bad start gets _). */
export function xmlName(key: string): string {
  let n = key.replace(/[^A-Za-z0-9_.-]/g, "_");
  if (!/^[A-Za-z_]/.test(n) || /^xml/i.test(n)) n = "_" + n;
  return n;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function element(name: string, value: unknown, out: string[], indent: string): void {
  const tag = xmlName(name);
  const keyAttr = tag !== name ? ` key="${escapeAttr(name)}"` : "";
  const t = typeOf(value);
  if (t === "array") {
    out.push(`${indent}<${tag}${keyAttr} type="array">`);
    for (const item of value as unknown[]) element("item", item, out, indent + "  ");
    out.push(`${indent}</${tag}>`);
  } else if (t === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) {
      out.push(`${indent}<${tag}${keyAttr} type="object"/>`);
      return;
    }
    out.push(`${indent}<${tag}${keyAttr} type="object">`);
    for (const [k, v] of entries) element(k, v, out, indent + "  ");
    out.push(`${indent}</${tag}>`);
  } else if (t === "null" || t === "undefined") {
    out.push(`${indent}<${tag}${keyAttr} type="null"/>`);
  } else {
    const typeAttr = t === "string" ? "" : ` type="${t}"`;
    out.push(`${indent}<${tag}${keyAttr}${typeAttr}>${escapeText(String(value))}</${tag}>`);
  }
}

/** The whole XML answer for an output object (or an {error} object). */
export function toXmlDocument(output: unknown): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', "<document>"];
  if (output && typeof output === "object" && !Array.isArray(output)) {
    for (const [k, v] of Object.entries(output)) element(k, v, out, "  ");
  } else if (output !== undefined) {
    element("value", output, out, "  ");
  }
  out.push("</document>");
  return out.join("\n") + "\n";
}
