import { constants as fsConstants } from "node:fs";
import { open, realpath } from "node:fs/promises";
import path from "node:path";

/**
 * Reader of Convertigo's project files (`c8oProject.yaml` and `_c8oProject/**`). The format looks
 * like YAML but is a line grammar of its own (Convertigo's YamlConverter): every line is
 * `indent, "- "?, "↑"?, "→"?, "↓"?, key, ": ", "🗏 "?, value`. `↓Name [class-priority]` opens an
 * object, `↑key` is an attribute, `→`/`→→` a CDATA/text, a plain key a property, `|` a multi-line
 * value on the following lines (indented two more), `'...'` a quoted value (`''` for a quote),
 * `🗏 path` moves the object's body into `_c8oProject/path`.
 *
 * The result keeps everything the files say, in order, with the file and line of each object.
 */

/** Where something was read: a path relative to the project folder, and a 1-based line. */
export interface C8oLocation {
  file: string;
  line: number;
}

/**
 * The content of a property (or of an element inside one): a plain text, or, when there is more
 * than one text (attributes, nested elements, CDATA), a list of one-key items in file order:
 * `{"↑name": "value"}` an attribute, `{"→": "text"}` a CDATA, `{"→→": "text"}` a text node,
 * `{"tag": <content>}` a nested element. This mirrors Convertigo's own YAML, so nothing is lost.
 */
export type C8oContent = string | C8oItem[];
export type C8oItem = { [key: string]: C8oContent };

/** One object (`↓` entry) of a Convertigo project. */
export interface C8oBean {
  name: string;
  /** The class without `com.twinsoft.convertigo.beans.`, e.g. `steps.IfStep`. */
  cls: string;
  /** The priority (Convertigo's object id), when the file gives one. */
  priority?: string;
  /** Attributes (`↑key: value`), in order. */
  attrs: [string, string][];
  /** Properties, in order, with the line that set them. */
  props: { name: string; value: C8oContent; line: number }[];
  /** Texts given directly to the object (`→:` CDATA, `→→:` text), rare. */
  texts: { kind: "→" | "→→"; value: string }[];
  children: C8oBean[];
  location: C8oLocation;
  /** The file that holds the object's body, when it lives in a sub-file. */
  bodyFile?: string;
}

export interface C8oProjectSource {
  /** The format version given by `↑convertigo:` (e.g. 8.0.0.m006). */
  version: string | undefined;
  project: C8oBean;
  /** Every file read, relative to the project folder. */
  files: string[];
  /** Count of `↓` entries read (every object of every file). */
  objectCount: number;
  /** Problems that did not stop the reading (each names its file and line). */
  warnings: string[];
}

/** A problem that stops the reading, with the file and line where it was found. */
export class C8oFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    super(`${file}${line ? `:${line}` : ""}: ${reason}`);
    this.name = "C8oFormatError";
  }
}

const LINE_RE = /^( *)(- )?(↑)?(→)?(↓)?(.*?): (🗏 )?(.*)$/u;
const BEAN_KEY_RE = /^(.*) \[(.*?)(?:-(.*))?\]$/u;
const INC = 2;

interface Parsed {
  indent: number;
  array: boolean;
  attr: boolean;
  txt: boolean;
  child: boolean;
  key: string;
  file: boolean;
  value: string;
}

function parseLine(line: string): Parsed | undefined {
  let m = LINE_RE.exec(line);
  // An editor that strips trailing spaces turns "key: " into "key:"; read it as an empty value.
  if (!m && line.endsWith(":")) m = LINE_RE.exec(line + " ");
  if (!m) return undefined;
  return {
    indent: (m[1] as string).length,
    array: m[2] !== undefined,
    attr: m[3] !== undefined,
    txt: m[4] !== undefined,
    child: m[5] !== undefined,
    key: m[6] as string,
    file: m[7] !== undefined,
    value: m[8] as string,
  };
}

/** Decodes UTF-8 strictly; a broken byte is reported with its line. */
export function decodeUtf8(buf: Buffer, file: string): string {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    const text = decoder.decode(buf);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= buf.length; i++) {
      if (i === buf.length || buf[i] === 0x0a) {
        try {
          decoder.decode(buf.subarray(start, i));
        } catch {
          // Find the byte: the longest prefix that still decodes.
          let col = 0;
          for (let j = start; j < i; j++) {
            try {
              new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(start, j + 1), { stream: true });
              col = j - start + 1;
            } catch {
              break;
            }
          }
          throw new C8oFormatError(
            file,
            line,
            `invalid UTF-8 byte 0x${(buf[start + col] ?? 0).toString(16).padStart(2, "0")} at column ${col + 1}`,
          );
        }
        line++;
        start = i + 1;
      }
    }
    throw new C8oFormatError(file, undefined, "the file is not valid UTF-8");
  }
}

/** The lines of one file, read one at a time like Convertigo's reader. */
class LineSource {
  private i = 0;
  constructor(
    readonly file: string,
    private readonly lines: string[],
  ) {}
  /** 1-based number of the line last taken. */
  get lineNo(): number {
    return this.i;
  }
  peek(): string | undefined {
    return this.lines[this.i];
  }
  take(): string {
    return this.lines[this.i++] as string;
  }
  get done(): boolean {
    return this.i >= this.lines.length;
  }
  /** The first line after the blank ones ahead, without taking anything. */
  nextNonBlank(): string | undefined {
    for (let j = this.i; j < this.lines.length; j++) {
      const l = this.lines[j] as string;
      if (!isBlank(l)) return l;
    }
    return undefined;
  }
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

const isBlank = (l: string) => /^\s*$/.test(l);

/** The largest project file read (Convertigo's biggest real sub-files are a few MiB). */
const MAX_SOURCE_FILE = 32 * 1024 * 1024;

/** Why a file could not be read, in words that never quote the file (it may not be the project's). */
function readProblem(code: string | undefined): string {
  switch (code) {
    case "ENOENT":
      return "ENOENT";
    case "EOUTSIDE":
      return "it is a link that leads out of the project folder; links out of the source are refused";
    case "ENOTFILE":
      return "it is not a regular file";
    case "ETOOLARGE":
      return `it is larger than ${MAX_SOURCE_FILE / 1048576} MiB`;
    case "ELOOP":
      return "a loop of symbolic links";
    default:
      return code ?? "unknown error";
  }
}

/** Reads Convertigo projects. */
class ProjectReader {
  files: string[] = [];
  objectCount = 0;
  warnings: string[] = [];
  private readonly opened = new Set<string>();

  private realRoot: Promise<string> | undefined;

  constructor(private readonly projectDir: string) {}

  /**
   * Reads one file of the project, refusing what lies outside it: a symbolic link (of the file or
   * of a folder on its way) that resolves out of the project folder would copy an outside file
   * (`/etc/passwd`, a key) into the imported project and into error messages. Only regular files,
   * at most MAX_SOURCE_FILE bytes (a FIFO or /dev/zero would hang or fill memory).
   */
  private async readInside(rel: string): Promise<Buffer> {
    this.realRoot ??= realpath(this.projectDir);
    const root = await this.realRoot;
    const real = await realpath(path.join(this.projectDir, rel));
    const back = path.relative(root, real);
    if (back === "" || back.startsWith("..") || path.isAbsolute(back)) {
      throw Object.assign(new Error("outside"), { code: "EOUTSIDE" });
    }
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer.
    const fh = await open(real, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw Object.assign(new Error("not a file"), { code: "ENOTFILE" });
      if (st.size > MAX_SOURCE_FILE) throw Object.assign(new Error("too large"), { code: "ETOOLARGE" });
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  async readFileLines(rel: string, from?: C8oLocation): Promise<LineSource> {
    let buf: Buffer;
    try {
      buf = await this.readInside(rel);
    } catch (e) {
      const code = readProblem((e as NodeJS.ErrnoException).code);
      if (from) {
        throw new C8oFormatError(
          from.file,
          from.line,
          code === "ENOENT" ? `the object's body is in ${rel}, which does not exist` : `cannot read ${rel} (${code})`,
        );
      }
      throw new C8oFormatError(rel, undefined, code === "ENOENT" ? "the file does not exist" : `cannot read (${code})`);
    }
    this.files.push(rel);
    return new LineSource(rel, splitLines(decodeUtf8(buf, rel)));
  }

  /** A value: `|` takes the following lines indented by `indent + 2`; quotes are removed. */
  readText(src: LineSource, value: string, indent: number): string {
    let text = value;
    if (value === "|") {
      const blockIndent = " ".repeat(indent + INC);
      const out: string[] = [];
      while (!src.done) {
        const line = src.peek() as string;
        if (line.startsWith(blockIndent)) {
          out.push(line.slice(blockIndent.length));
          src.take();
        } else if (isBlank(line) && this.blockGoesOn(src, blockIndent)) {
          // A blank line whose spaces an editor stripped: still part of the text.
          out.push("");
          src.take();
        } else break;
      }
      text = out.join("\n");
    }
    if (text.startsWith("'")) {
      if (text.length < 2 || !text.endsWith("'")) {
        this.warnings.push(
          `${src.file}:${src.lineNo}: a quoted value does not end with a quote; read as Convertigo does (its last character dropped)`,
        );
      }
      text = text.slice(1, text.length - 1).replace(/''/g, "'");
    }
    return text;
  }

  private blockGoesOn(src: LineSource, blockIndent: string): boolean {
    return src.nextNonBlank()?.startsWith(blockIndent) ?? false;
  }

  private parse(src: LineSource, line: string): Parsed {
    const p = parseLine(line);
    if (!p) {
      throw new C8oFormatError(
        src.file,
        src.lineNo,
        `unreadable line (expected "key: value"): ${JSON.stringify(line)}`,
      );
    }
    return p;
  }

  /**
   * Takes the next meaningful line at `indent`, or undefined when the block ends (a line indented
   * less, or the end of the file). A line indented more than expected is an error.
   */
  private nextAt(src: LineSource, indent: number): Parsed | undefined {
    while (!src.done) {
      const line = src.peek() as string;
      if (isBlank(line)) {
        src.take();
        continue;
      }
      const spaces = /^ */.exec(line)![0].length;
      if (spaces < indent) return undefined;
      src.take();
      if (/^ *\t/.test(line)) throw new C8oFormatError(src.file, src.lineNo, "a tab in the indentation");
      if (spaces > indent) {
        throw new C8oFormatError(
          src.file,
          src.lineNo,
          `bad indentation: ${spaces} spaces where ${indent} were expected (or fewer, to close the object above)`,
        );
      }
      return this.parse(src, line);
    }
    return undefined;
  }

  /** Reads the lines of an object (bean) at `indent`. */
  async readBean(src: LineSource, bean: C8oBean, indent: number): Promise<void> {
    for (;;) {
      const p = this.nextAt(src, indent);
      if (!p) return;
      const lineNo = src.lineNo;
      if (p.attr) {
        bean.attrs.push([p.key, this.readText(src, p.value, indent)]);
      } else if (p.txt) {
        bean.texts.push({ kind: p.key === "→" ? "→→" : "→", value: this.readText(src, p.value, indent) });
      } else if (p.child) {
        bean.children.push(await this.readChild(src, p, indent, lineNo));
      } else {
        const textIndent = p.array ? indent + INC : indent;
        const text = this.readText(src, p.value, textIndent);
        const items = this.readItems(src, indent + INC);
        bean.props.push({ name: p.key, value: combine(text, items), line: lineNo });
      }
    }
  }

  private async readChild(src: LineSource, p: Parsed, indent: number, lineNo: number): Promise<C8oBean> {
    const m = BEAN_KEY_RE.exec(p.key);
    const location = { file: src.file, line: lineNo };
    if (!m || !m[2]) {
      throw new C8oFormatError(src.file, lineNo, `an object must be written "↓Name [class-priority]", got "↓${p.key}"`);
    }
    this.objectCount++;
    const priority = m[3];
    if (priority !== undefined && !/^-?\d+$/.test(priority)) {
      throw new C8oFormatError(src.file, lineNo, `the priority of "${m[1]}" is not a number: "${priority}"`);
    }
    const bean: C8oBean = {
      name: m[1] as string,
      cls: m[2],
      ...(priority !== undefined ? { priority } : {}),
      attrs: [],
      props: [],
      texts: [],
      children: [],
      location,
    };
    if (p.file) {
      const rel = p.value.trim();
      const target = path.posix.normalize(path.posix.join("_c8oProject", rel.replace(/\\/g, "/")));
      if (rel === "" || path.posix.isAbsolute(rel) || !target.startsWith("_c8oProject/")) {
        throw new C8oFormatError(src.file, lineNo, `the sub-file "${rel}" is not inside _c8oProject/`);
      }
      if (this.opened.has(target)) {
        throw new C8oFormatError(src.file, lineNo, `the sub-file ${target} is used twice`);
      }
      this.opened.add(target);
      const sub = await this.readFileLines(target, location);
      bean.bodyFile = target;
      await this.readBean(sub, bean, 0);
      if (!sub.done) {
        // readBean stops only at a line indented less than 0: impossible, so this is a safeguard.
        throw new C8oFormatError(sub.file, sub.lineNo + 1, "unexpected line");
      }
    } else {
      if (p.value.trim() !== "") {
        throw new C8oFormatError(src.file, lineNo, `unexpected value after the object "${bean.name}": "${p.value}"`);
      }
      await this.readBean(src, bean, indent + INC);
    }
    return bean;
  }

  /** Reads the items of an element inside a property (attributes, texts, nested elements). */
  private readItems(src: LineSource, indent: number): C8oItem[] {
    const items: C8oItem[] = [];
    for (;;) {
      const p = this.nextAt(src, indent);
      if (!p) return items;
      if (p.child) {
        throw new C8oFormatError(src.file, src.lineNo, `an object ("↓${p.key}") cannot be written inside a property`);
      }
      if (p.attr) {
        items.push({ [`↑${p.key}`]: this.readText(src, p.value, indent) });
      } else if (p.txt) {
        items.push({ [p.key === "→" ? "→→" : "→"]: this.readText(src, p.value, indent) });
      } else {
        const text = this.readText(src, p.value, p.array ? indent + INC : indent);
        const sub = this.readItems(src, indent + INC);
        items.push({ [p.key]: combine(text, sub) });
      }
    }
  }
}

/** An element's content from its inline text and its items. */
function combine(text: string, items: C8oItem[]): C8oContent {
  if (items.length === 0) return text;
  return text === "" ? items : [{ "→→": text }, ...items];
}

/**
 * Reads a Convertigo project folder: `c8oProject.yaml` and the sub-files it names. Throws a
 * C8oFormatError naming the file and line of the first problem.
 */
export async function readC8oProject(projectDir: string): Promise<C8oProjectSource> {
  const reader = new ProjectReader(projectDir);
  const src = await reader.readFileLines("c8oProject.yaml");
  const root: C8oBean = {
    name: "",
    cls: "",
    attrs: [],
    props: [],
    texts: [],
    children: [],
    location: { file: "c8oProject.yaml", line: 1 },
  };
  await reader.readBean(src, root, 0);
  if (root.props.length > 0) {
    const p = root.props[0]!;
    throw new C8oFormatError("c8oProject.yaml", p.line, `unexpected property "${p.name}" outside the project object`);
  }
  const projects = root.children;
  if (projects.length !== 1 || projects[0]!.cls !== "core.Project") {
    throw new C8oFormatError(
      "c8oProject.yaml",
      projects[1]?.location.line ?? projects[0]?.location.line,
      projects.length === 0
        ? "no project object (↓Name [core.Project]) in the file"
        : projects.length > 1
          ? "more than one object at the top of the file"
          : `the top object is a ${projects[0]!.cls}, not a core.Project`,
    );
  }
  const version = root.attrs.find(([k]) => k === "convertigo")?.[1];
  return {
    version,
    project: projects[0]!,
    files: reader.files,
    objectCount: reader.objectCount,
    warnings: reader.warnings,
  };
}

/** The text of a simple property value (or the text inside a list form), else undefined. */
export function contentText(c: C8oContent | undefined): string | undefined {
  if (c === undefined) return undefined;
  if (typeof c === "string") return c;
  const texts = c.filter((i) => "→→" in i || "→" in i).map((i) => (i["→→"] ?? i["→"]) as string);
  return texts.length === 1 ? texts[0] : undefined;
}

/** An attribute (`↑name`) of a list-form content. */
export function contentAttr(c: C8oContent | undefined, name: string): string | undefined {
  if (!Array.isArray(c)) return undefined;
  const item = c.find((i) => `↑${name}` in i);
  const v = item?.[`↑${name}`];
  return typeof v === "string" ? v : undefined;
}

/** The nested elements named `tag` of a list-form content. */
export function contentElements(c: C8oContent | undefined, tag?: string): { tag: string; content: C8oContent }[] {
  if (!Array.isArray(c)) return [];
  const out: { tag: string; content: C8oContent }[] = [];
  for (const item of c) {
    const k = Object.keys(item)[0] as string;
    if (k.startsWith("↑") || k === "→" || k === "→→") continue;
    if (tag === undefined || k === tag) out.push({ tag: k, content: item[k] as C8oContent });
  }
  return out;
}
