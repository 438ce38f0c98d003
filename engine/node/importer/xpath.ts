/**
 * Translation of Convertigo source XPaths into Atelier's JSON paths. Only plain child paths are
 * translated: `./a/b[2]/text()`, `./@attr`; anything with predicates, wildcards, axes or
 * functions is not, and the caller keeps the original and flags it.
 */

export type Segment = string | number;

export interface PlainPath {
  /** Names and 0-based indexes. */
  segments: Segment[];
  /** Did the translation rely on a guess the user should check (e.g. `item` taken as an array)? */
  guessed: string[];
}

const NAME = /^[A-Za-z_][\w.-]*$/;

/**
 * Parses a plain child path; answers undefined when the XPath is not one. `[1]` on a step is
 * dropped (in JSON a single value is not a list), `[n]` becomes index n-1.
 */
export function parsePlainXPath(xpath: string): PlainPath | undefined {
  let s = xpath.trim();
  if (s === "" || s === "." || s === "./") return { segments: [], guessed: [] };
  if (s.startsWith("./")) s = s.slice(2);
  else if (s.startsWith("/") || s.startsWith(".")) return undefined;
  const parts = s.split("/");
  const segments: Segment[] = [];
  const guessed: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const last = i === parts.length - 1;
    if (part === "text()" && last) break;
    if (part.startsWith("@") && last && NAME.test(part.slice(1))) {
      segments.push(part.slice(1));
      break;
    }
    const m = /^([A-Za-z_][\w.-]*)(?:\[(\d+)\])?$/.exec(part);
    if (!m) return undefined;
    segments.push(m[1] as string);
    if (m[2] !== undefined) {
      const n = Number(m[2]);
      if (n < 1) return undefined;
      if (n > 1) segments.push(n - 1);
      else guessed.push(`"${part}" read as the single value "${m[1]}"`);
    }
  }
  return { segments, guessed };
}

/** A JSON path for Atelier sources: `data.rows[0]["a b"]`. */
export function toJsonPath(segments: readonly Segment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** A JavaScript accessor on a base expression: `item.key`, `item["a-b"]`, `item[0]`. */
export function toJsAccessor(base: string, segments: readonly Segment[]): string {
  let out = base;
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** An XPath whose last step keeps the nodes of one text: `./a/ok[.="true"]` is `./a/ok` and "true". */
export interface TextEquality {
  /** The XPath without the predicate. */
  xpath: string;
  /** The text the selected nodes must have. */
  equals: string;
}

// name[. = "x"], name[text()='x'], name[./text() = "x"], optionally followed by /text().
const TEXT_EQUALITY = /^(.*?)\[\s*(?:\.|text\(\)|\.\/text\(\))\s*=\s*(?:"([^"]*)"|'([^']*)')\s*\]\s*(\/text\(\))?\s*$/;

/**
 * Splits a predicate of simple equality on the text of the last step off an XPath; undefined when
 * the XPath has none (or the predicate is anything else: the caller keeps the XPath as it is).
 */
export function splitTextEquality(xpath: string): TextEquality | undefined {
  const m = TEXT_EQUALITY.exec(xpath.trim());
  if (!m) return undefined;
  const base = m[1] as string;
  if (/[[\]]/.test(base.slice(base.lastIndexOf("/") + 1)) || base.trim() === "") return undefined;
  return { xpath: base + (m[4] ?? ""), equals: m[2] ?? m[3] ?? "" };
}

/** Does the XPath select text nodes (`.../text()`), so that an empty element selects nothing? */
export function selectsText(xpath: string): boolean {
  return /(?:^|\/)text\(\)\s*$/.test(xpath.trim());
}
