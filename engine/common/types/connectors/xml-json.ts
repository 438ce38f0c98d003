/**
 * XML answers read into JSON the way imported sources read them (Convertigo's `document/...`
 * becomes `data...`). A small parser of its own rather than a dependency: it reads elements,
 * attributes, text, CDATA and character references, and nothing that makes XML dangerous to
 * read: no DTD is processed (an entity it would declare is refused, so no "billion laughs"),
 * nothing external is ever fetched (no XXE), and size, depth and element count are bounded.
 */

/** An element as read: qualified name, attributes in order, children (elements and texts). */
export interface XmlElement {
  name: string;
  attrs: [string, string][];
  children: (XmlElement | string)[];
}

/** Bounds of what is read; a larger document is refused with an XmlError. */
export interface XmlLimits {
  maxChars: number;
  maxDepth: number;
  maxElements: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxChars: 20 * 1024 * 1024, maxDepth: 200, maxElements: 500_000 };

/** XML that cannot be read, or is beyond the limits; `at` is the offset in the text. */
export class XmlError extends Error {
  constructor(
    message: string,
    readonly at: number,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

const NAME_START = /[A-Za-z_:\u00C0-\uFFFF]/;
const NAME_CHAR = /[A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]/;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/**
 * Reads the root element of an XML text. As Convertigo does, anything before the first "<" is
 * skipped (a BOM, stray bytes of a badly framed answer).
 */
export function parseXml(input: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  if (input.length > limits.maxChars) {
    throw new XmlError(`the XML is larger than ${limits.maxChars} characters`, limits.maxChars, true);
  }
  const text = input;
  let i = text.indexOf("<");
  if (i < 0) throw new XmlError("no XML element in the answer", 0);
  let elements = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  const fail = (message: string, at = i): never => {
    throw new XmlError(`${message} (at character ${at})`, at);
  };
  const readName = (): string => {
    const start = i;
    if (!NAME_START.test(text[i] ?? "")) fail("a name was expected");
    i++;
    while (i < text.length && NAME_CHAR.test(text[i] as string)) i++;
    return text.slice(start, i);
  };
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const decode = (raw: string, at: number): string =>
    raw.indexOf("&") < 0
      ? raw
      : raw.replace(/&([^;&\s]*);?/g, (m, ref: string, off: number) => {
          if (!m.endsWith(";")) fail(`"&" must start a reference such as &amp;`, at + off);
          if (ref.startsWith("#")) {
            const code = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
            if (!Number.isInteger(code) || code < 1 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
              fail(`&${ref}; is not a character`, at + off);
            return String.fromCodePoint(code);
          }
          const v = PREDEFINED[ref];
          if (v === undefined) {
            fail(`&${ref}; is not one of XML's predefined entities (entities a DTD declares are not read)`, at + off);
          }
          return v as string;
        });
  const addText = (t: string) => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (t.trim() !== "") fail("text outside the root element");
      return;
    }
    const last = top.children[top.children.length - 1];
    if (typeof last === "string") top.children[top.children.length - 1] = last + t;
    else top.children.push(t);
  };

  while (i < text.length) {
    if (text[i] !== "<") {
      const next = text.indexOf("<", i);
      const end = next < 0 ? text.length : next;
      addText(decode(text.slice(i, end), i));
      i = end;
      continue;
    }
    if (text.startsWith("<!--", i)) {
      const end = text.indexOf("-->", i + 4);
      if (end < 0) fail("a comment is not closed");
      i = end + 3;
    } else if (text.startsWith("<![CDATA[", i)) {
      const end = text.indexOf("]]>", i + 9);
      if (end < 0) fail("a CDATA section is not closed");
      if (!stack.length) fail("CDATA outside the root element");
      addText(text.slice(i + 9, end));
      i = end + 3;
    } else if (text.startsWith("<?", i)) {
      const end = text.indexOf("?>", i + 2);
      if (end < 0) fail("a processing instruction is not closed");
      i = end + 2;
    } else if (text.startsWith("<!DOCTYPE", i)) {
      if (root || stack.length) fail("a DOCTYPE after the root element");
      // Skipped, internal subset included: its declarations are never applied.
      let depth = 0;
      let j = i + 9;
      for (; j < text.length; j++) {
        const c = text[j];
        if (c === "[") depth++;
        else if (c === "]") depth--;
        else if (c === ">" && depth <= 0) break;
      }
      if (j >= text.length) fail("a DOCTYPE is not closed");
      i = j + 1;
    } else if (text[i + 1] === "/") {
      i += 2;
      const name = readName();
      skipSpace();
      if (text[i] !== ">") fail(`</${name} is not closed`);
      const open = stack.pop();
      if (!open || open.name !== name) fail(`</${name}> closes ${open ? `<${open.name}>` : "nothing"}`);
      i++;
      if (!stack.length) root = open;
    } else {
      if (root) fail("a second root element");
      i++;
      const el: XmlElement = { name: readName(), attrs: [], children: [] };
      if (++elements > limits.maxElements) {
        throw new XmlError(`the XML has more than ${limits.maxElements} elements`, i, true);
      }
      if (stack.length >= limits.maxDepth) {
        throw new XmlError(`the XML nests elements deeper than ${limits.maxDepth}`, i, true);
      }
      for (;;) {
        skipSpace();
        const c = text[i];
        if (c === ">" || c === "/") break;
        if (c === undefined) fail(`<${el.name} is not closed`);
        const attr = readName();
        skipSpace();
        if (text[i] !== "=") fail(`the attribute ${attr} has no value`);
        i++;
        skipSpace();
        const q = text[i];
        if (q !== '"' && q !== "'") fail(`the value of ${attr} must be quoted`);
        const end = text.indexOf(q as string, i + 1);
        if (end < 0) fail(`the value of ${attr} is not closed`);
        if (el.attrs.some(([n]) => n === attr)) fail(`the attribute ${attr} is given twice`);
        el.attrs.push([attr, decode(text.slice(i + 1, end), i + 1).replace(/[\t\n\r]/g, " ")]);
        i = end + 1;
      }
      const top = stack[stack.length - 1];
      if (top) top.children.push(el);
      if (text[i] === "/") {
        if (text[i + 1] !== ">") fail(`<${el.name} is not closed`);
        i += 2;
        if (!top) root = el;
      } else {
        i++;
        stack.push(el);
      }
    }
  }
  if (stack.length) fail(`<${(stack[stack.length - 1] as XmlElement).name}> is not closed`, text.length);
  if (!root) fail("no XML element in the answer", text.length);
  return root as XmlElement;
}

/** A name without its namespace prefix. */
export function localName(name: string): string {
  const c = name.indexOf(":");
  return c < 0 ? name : name.slice(c + 1);
}

const XSI_NIL = /^(?:xsi|[A-Za-z_][\w.-]*):nil$/;

/**
 * An element's value in JSON, as Convertigo's sources read it: an element of text alone is its
 * text; one with attributes or child elements an object, its unprefixed attributes and its
 * children under their local names (namespace prefixes dropped, xmlns declarations left out,
 * prefixed attributes such as xsi:type kept under their full name), a name met several times an
 * array, text beside them under "text". An element marked xsi:nil="true" is null.
 */
export function elementValue(el: XmlElement): unknown {
  const attrs = el.attrs.filter(([n]) => n !== "xmlns" && !n.startsWith("xmlns:"));
  if (attrs.some(([n, v]) => XSI_NIL.test(n) && v.trim() === "true")) return null;
  const elements = el.children.filter((c): c is XmlElement => typeof c !== "string");
  const text = el.children.filter((c): c is string => typeof c === "string").join("");
  if (attrs.length === 0 && elements.length === 0) return text;
  const out: Record<string, unknown> = {};
  const repeated = new Set<string>();
  const put = (key: string, value: unknown) => {
    if (!Object.prototype.hasOwnProperty.call(out, key)) {
      // Defined, not assigned: an element named __proto__ is data, never the object's prototype.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      return;
    }
    const prev = out[key];
    if (Array.isArray(prev) && repeated.has(key)) prev.push(value);
    else {
      out[key] = [prev, value];
      repeated.add(key);
    }
  };
  for (const [n, v] of attrs) put(n.includes(":") ? n : localName(n), v);
  for (const child of elements) put(localName(child.name), elementValue(child));
  if (text.trim() !== "") put("text", text);
  return out;
}

/** Children elements grouped as an object (Convertigo's `document` holding several elements). */
export function elementsObject(elements: readonly XmlElement[]): Record<string, unknown> {
  if (elements.length === 0) return {};
  return elementValue({ name: "document", attrs: [], children: [...elements] }) as Record<string, unknown>;
}
