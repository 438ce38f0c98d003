/**
 * The `.car` archive of a project (Convertigo's name, kept): a zip whose entries all sit under
 * `<project>/`, without the local state and build folders, plus a manifest
 * (`<project>/atelier-car.json`) recording the Atelier that built it and the versions of the types
 * the project holds.
 *
 * Building is deterministic (sorted entries, fixed dates and modes), so the same project gives the
 * same bytes and the same digest. Reading is for archives from strangers: every check (names,
 * links, sizes, ratios, counts) runs on the central directory before a byte is written, and the
 * sizes are checked again while inflating.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { lstat, mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import yazl from "yazl";
import { walk, type ObjNode } from "../../common/model/node.ts";
import { versionsOf } from "../../common/model/versions.ts";
import { NAME_PATTERN } from "../../common/types/shared-props.ts";
import { loadProject } from "../project/project-files.ts";

/** The manifest's name inside `<project>/`. */
export const CAR_MANIFEST = "atelier-car.json";
/** The manifest format this Atelier writes and reads. */
export const CAR_FORMAT = 1;

/** Folders never put in a .car (local state, builds, dependencies, version control). */
const LEFT_OUT = new Set([".atelier", "_private", "_data", "build", ".git", "node_modules", ".svn", "dist"]);

/** A fixed date for every entry: the bytes depend on the content only. */
const FIXED_DATE = new Date(Date.UTC(2000, 0, 1, 0, 0, 0));

export interface CarManifest {
  format: number;
  project: string;
  /** The Atelier version that built it. */
  atelier: string;
  /** Versions of the types the project holds (all of them, 1 included). */
  types: Record<string, number>;
  /** The project's own version property, when set. */
  version?: string;
}

export interface BuiltCar {
  project: string;
  bytes: Buffer;
  /** sha256 of the bytes, hex. */
  digest: string;
  files: string[];
  manifest: CarManifest;
}

/** A refusal of an archive or a project, saying what and where. */
export class CarError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const NAME_RE = new RegExp(`^${NAME_PATTERN}$`);

/**
 * Builds the .car of a project folder. Refuses a project that does not load (a file error) and
 * symbolic links (they would carry what lies outside the project).
 */
export async function buildCar(projectDir: string, atelierVersion: string): Promise<BuiltCar> {
  const dir = path.resolve(projectDir);
  const project = path.basename(dir);
  if (!NAME_RE.test(project)) throw new CarError("invalid_project", `"${project}" is not a valid project name`);
  const loaded = await loadProject(dir);
  if (loaded.errors.length) {
    const e = loaded.errors[0]!;
    throw new CarError(
      "invalid_project",
      `${e.location?.file ?? project}${e.location?.line ? `:${e.location.line}` : ""}: ${e.message}`,
    );
  }
  const files = await listProjectFiles(dir);
  const nodes: ObjNode[] = [];
  walk(loaded.root, (n) => void nodes.push(n));
  const types: Record<string, number> = {};
  for (const n of nodes) types[n.type] = 1;
  Object.assign(types, versionsOf(nodes));
  const sorted = Object.fromEntries(Object.entries(types).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const version = loaded.root.props.version;
  const manifest: CarManifest = {
    format: CAR_FORMAT,
    project,
    atelier: atelierVersion,
    types: sorted,
    ...(typeof version === "string" && version ? { version } : {}),
  };

  const zip = new yazl.ZipFile();
  const opts = { mtime: FIXED_DATE, mode: 0o100644, compress: true, forceDosTimestamp: true } as const;
  zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2) + "\n"), `${project}/${CAR_MANIFEST}`, opts);
  for (const f of files) {
    zip.addBuffer(await readFile(path.join(dir, f)), `${project}/${f}`, opts);
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  const bytes = Buffer.concat(chunks);
  return { project, bytes, digest: createHash("sha256").update(bytes).digest("hex"), files, manifest };
}

/** The project's files, relative with `/`, sorted; folders left out by LEFT_OUT; links refused. */
async function listProjectFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (abs: string, rel: string) => {
    const entries = await readdir(abs, { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && (LEFT_OUT.has(e.name) || e.name.startsWith("."))) continue;
      if (e.name === CAR_MANIFEST && !rel) continue;
      if (e.name.startsWith(".") && !rel) continue;
      const st = await lstat(path.join(abs, e.name));
      if (st.isSymbolicLink())
        throw new CarError("link_in_project", `${r} is a symbolic link: a .car holds files only`);
      if (st.isDirectory()) await visit(path.join(abs, e.name), r);
      else if (st.isFile()) {
        if (/\.tmp$/.test(e.name) && e.name.startsWith(".")) continue;
        out.push(r);
      }
    }
  };
  await visit(dir, "");
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface CarLimits {
  /** Largest archive (compressed). */
  maxArchiveBytes: number;
  maxEntries: number;
  /** Largest file once inflated. */
  maxEntryBytes: number;
  /** All files inflated. */
  maxTotalBytes: number;
  /** Largest inflated/compressed ratio of an entry above 64 KiB (zip bombs reach 1000+). */
  maxRatio: number;
}

export const DEFAULT_CAR_LIMITS: CarLimits = {
  maxArchiveBytes: 64 * 1024 * 1024,
  maxEntries: 20_000,
  maxEntryBytes: 32 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxRatio: 200,
};

/** What an archive holds: an Atelier project, or a Convertigo project (imported first). */
export type CarKind = "atelier" | "convertigo";

export interface CarEntry {
  /** Path below `<project>/`. */
  path: string;
  size: number;
  compressedSize: number;
}

export interface InspectedCar {
  project: string;
  entries: CarEntry[];
  manifest?: CarManifest;
  totalBytes: number;
}

function openZip(bytes: Buffer): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(
      bytes,
      { lazyEntries: true, validateEntrySizes: true, strictFileNames: true, decodeStrings: true },
      (err, zip) => (err || !zip ? reject(err ?? new Error("no zip")) : resolve(zip)),
    ),
  );
}

/** Why an entry name is refused, or undefined. */
function nameProblem(name: string): string | undefined {
  if (name.length > 1024) return "a name longer than 1024 characters";
  if (name.includes("\0")) return "a NUL character in a name";
  if (name.includes("\\")) return "a backslash in a name";
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return "an absolute path";
  const parts = name.split("/");
  if (parts.some((p) => p === ".." || p === ".")) return "a '.' or '..' segment";
  if (parts.slice(0, -1).some((p) => p === "")) return "an empty segment";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return "a control character in a name";
  return undefined;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

/**
 * Reads an archive's central directory and checks everything before extraction: entries under one
 * `<project>/`, safe names, no duplicates (also differing only in case), no links or special
 * files, counts, sizes and ratios within `limits`, the manifest readable.
 */
export async function inspectCar(
  bytes: Buffer,
  limits: CarLimits = DEFAULT_CAR_LIMITS,
  kind: CarKind = "atelier",
): Promise<InspectedCar> {
  if (bytes.length > limits.maxArchiveBytes) {
    throw new CarError("too_large", `The archive is ${bytes.length} bytes; the limit is ${limits.maxArchiveBytes}`);
  }
  let zip: ZipFile;
  try {
    zip = await openZip(bytes);
  } catch (e) {
    throw new CarError("not_a_zip", `The archive is not a readable zip file (${(e as Error).message})`);
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new CarError(
        "too_many_entries",
        `The archive has ${zip.entryCount} entries; the limit is ${limits.maxEntries}`,
      );
    }
    const entries: CarEntry[] = [];
    const seen = new Set<string>();
    let project: string | undefined;
    let total = 0;
    let manifestEntry: Entry | undefined;
    for await (const entry of entriesOf(zip)) {
      const name = entry.fileName;
      const problem = nameProblem(name);
      if (problem) throw new CarError("unsafe_entry", `Entry ${JSON.stringify(name.slice(0, 200))}: ${problem}`);
      const first = name.split("/")[0]!;
      if (project === undefined) {
        if (!NAME_RE.test(first)) throw new CarError("unsafe_entry", `"${first}" is not a valid project name`);
        project = first;
      } else if (first !== project) {
        throw new CarError("mixed_projects", `Entries of two projects ("${project}" and "${first}"): a .car holds one`);
      }
      const key = name.toLowerCase();
      if (seen.has(key))
        throw new CarError("duplicate_entry", `Entry ${name} appears twice (names differing only in case count)`);
      seen.add(key);
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      const isDir = name.endsWith("/");
      if (mode !== 0 && mode !== (isDir ? S_IFDIR : S_IFREG)) {
        throw new CarError(
          "unsafe_entry",
          `Entry ${name} is not a plain ${isDir ? "folder" : "file"} (a link or a device)`,
        );
      }
      if (isDir) continue;
      if (name === `${project}/`) continue;
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        throw new CarError(
          "too_large",
          `Entry ${name} inflates to ${entry.uncompressedSize} bytes; the limit is ${limits.maxEntryBytes}`,
        );
      }
      total += entry.uncompressedSize;
      if (total > limits.maxTotalBytes) {
        throw new CarError("too_large", `The archive inflates to more than ${limits.maxTotalBytes} bytes`);
      }
      if (
        entry.uncompressedSize > 65536 &&
        entry.uncompressedSize / Math.max(1, entry.compressedSize) > limits.maxRatio
      ) {
        throw new CarError(
          "zip_bomb",
          `Entry ${name} inflates ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))} times its size; the limit is ${limits.maxRatio}`,
        );
      }
      const rel = name.slice(project.length + 1);
      if (rel === CAR_MANIFEST) manifestEntry = entry;
      entries.push({ path: rel, size: entry.uncompressedSize, compressedSize: entry.compressedSize });
    }
    if (!project) throw new CarError("empty", "The archive holds no project");
    const projectFile = kind === "atelier" ? "project.yaml" : "c8oProject.yaml";
    if (!entries.some((e) => e.path === projectFile)) {
      throw new CarError(
        "no_project_file",
        `The archive has no ${project}/${projectFile}${kind === "convertigo" ? " (a Convertigo 8 project; older XML projects are not read)" : ""}`,
      );
    }
    let manifest: CarManifest | undefined;
    if (manifestEntry) {
      const text = (await readEntry(zip, manifestEntry, 1024 * 1024)).toString("utf8");
      try {
        manifest = JSON.parse(text) as CarManifest;
      } catch {
        throw new CarError("bad_manifest", `${project}/${CAR_MANIFEST} is not valid JSON`);
      }
      if (typeof manifest !== "object" || manifest === null || manifest.format !== CAR_FORMAT) {
        throw new CarError(
          "bad_manifest",
          `${project}/${CAR_MANIFEST}: format ${String((manifest as { format?: unknown } | null)?.format)}; this Atelier reads format ${CAR_FORMAT}`,
        );
      }
    }
    return { project, entries, totalBytes: total, ...(manifest ? { manifest } : {}) };
  } finally {
    zip.close();
  }
}

async function* entriesOf(zip: ZipFile): AsyncGenerator<Entry> {
  const queue: Entry[] = [];
  let done = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  zip.on("entry", (e: Entry) => {
    queue.push(e);
    wake?.();
  });
  zip.on("end", () => {
    done = true;
    wake?.();
  });
  zip.on("error", (e: Error) => {
    failure = e;
    wake?.();
  });
  zip.readEntry();
  for (;;) {
    if (failure) {
      // yauzl's strict names catch traversal, absolute paths and odd characters first.
      if (/path|fileName|characters/i.test(failure.message)) {
        throw new CarError("unsafe_entry", `An entry's name is unsafe (${failure.message.slice(0, 300)})`);
      }
      throw new CarError("not_a_zip", `The archive is damaged (${failure.message.slice(0, 300)})`);
    }
    const e = queue.shift();
    if (e) {
      yield e;
      zip.readEntry();
      continue;
    }
    if (done) return;
    await new Promise<void>((r) => (wake = r));
    wake = undefined;
  }
}

function readEntry(zip: ZipFile, entry: Entry, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(new CarError("not_a_zip", `Cannot read ${entry.fileName}: ${err?.message}`));
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (c: Buffer) => {
        size += c.length;
        if (size > max) stream.destroy(new CarError("too_large", `${entry.fileName} is larger than ${max} bytes`));
        else chunks.push(c);
      });
      stream.on("error", (e) => reject(e instanceof CarError ? e : new CarError("not_a_zip", e.message)));
      stream.on("end", () => resolve(Buffer.concat(chunks)));
    });
  });
}

/**
 * Extracts a checked archive into `dest` (created; must not exist): `dest` becomes the project
 * folder. Sizes are counted again while inflating (a lying header cannot pass the limits).
 */
export async function extractCar(
  bytes: Buffer,
  dest: string,
  limits: CarLimits = DEFAULT_CAR_LIMITS,
  kind: CarKind = "atelier",
): Promise<InspectedCar> {
  const inspected = await inspectCar(bytes, limits, kind);
  await mkdir(dest, { recursive: false });
  const zip = await openZip(bytes);
  let total = 0;
  try {
    for await (const entry of entriesOf(zip)) {
      if (entry.fileName.endsWith("/")) continue;
      const rel = entry.fileName.slice(inspected.project.length + 1);
      const target = path.join(dest, ...rel.split("/"));
      const back = path.relative(dest, target);
      if (back.startsWith("..") || path.isAbsolute(back))
        throw new CarError("unsafe_entry", `Entry ${entry.fileName} leaves the folder`);
      await mkdir(path.dirname(target), { recursive: true });
      const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
        zip.openReadStream(entry, (err, s) =>
          err || !s ? reject(new CarError("not_a_zip", `Cannot read ${entry.fileName}: ${err?.message}`)) : resolve(s),
        ),
      );
      let size = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          size += chunk.length;
          total += chunk.length;
          if (size > limits.maxEntryBytes || total > limits.maxTotalBytes) {
            cb(new CarError("too_large", `Entry ${entry.fileName} inflates beyond the limits`));
          } else cb(null, chunk);
        },
      });
      await pipeline(stream, counter, createWriteStream(target, { flags: "wx", mode: 0o644 }));
    }
  } catch (e) {
    throw e instanceof CarError
      ? e
      : new CarError("not_a_zip", `The archive could not be extracted (${(e as Error).message})`);
  } finally {
    zip.close();
  }
  return inspected;
}
