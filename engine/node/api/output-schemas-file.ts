/**
 * The engine's run schemas (output-schemas.ts) kept across restarts in
 * `<workspace>/.atelier/output-schemas.json`, so what the Studio checks bindings against (and what
 * the REST API documents) does not change because the engine restarted. Written when they changed,
 * at most once a minute and when the engine closes, atomically (a temporary file renamed over the
 * old one), bounded in size (the least recently sampled left out beyond). Read at start: a file
 * that is missing says nothing; one that is unreadable, too large or not of this shape is ignored
 * with a warning in the log, never an error of the engine.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { isPlainObject } from "../../common/model/props.ts";
import type { EngineLog } from "../log.ts";
import type { OutputSchemas } from "./output-schemas.ts";
import type { JsonSchema } from "./schema-infer.ts";

/** The file, under the workspace's data folder. */
export function outputSchemasFile(workspaceDir: string): string {
  return path.join(workspaceDir, ".atelier", "output-schemas.json");
}

/** Largest file written or read (bytes). */
export const MAX_OUTPUT_SCHEMAS_FILE = 4 * 1024 * 1024;

/** How often changed schemas are written, at most. */
export const OUTPUT_SCHEMAS_SAVE_MS = 60_000;

interface FileShape {
  version: 1;
  schemas: { key: string; samples: number; schema: JsonSchema }[];
}

/** Reads the saved schemas into `store`; a bad file is reported to `log` and ignored. */
export async function loadOutputSchemas(file: string, store: OutputSchemas, log: EngineLog): Promise<void> {
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_OUTPUT_SCHEMAS_FILE) {
      log.warn(`${file}: ignored, larger than ${MAX_OUTPUT_SCHEMAS_FILE} bytes (the run schemas start empty)`);
      return;
    }
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
      log.warn(`${file}: ignored, unreadable (${(e as Error).message}); the run schemas start empty`);
    }
    return;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    log.warn(`${file}: ignored, not JSON (${(e as Error).message}); the run schemas start empty`);
    return;
  }
  if (!isPlainObject(data) || data.version !== 1 || !Array.isArray(data.schemas)) {
    log.warn(`${file}: ignored, not a file of run schemas ({ "version": 1, "schemas": [...] }); they start empty`);
    return;
  }
  const good = data.schemas.filter(
    (e): e is FileShape["schemas"][number] =>
      isPlainObject(e) &&
      typeof e.key === "string" &&
      e.key.includes("/") &&
      e.key.length <= 1000 &&
      Number.isInteger(e.samples) &&
      isPlainObject(e.schema),
  );
  if (good.length < data.schemas.length) {
    log.warn(`${file}: ${data.schemas.length - good.length} entr(ies) of a wrong shape ignored`);
  }
  store.restore(good);
}

/** Writes the schemas of `store`, atomically, the least recently sampled left out beyond the size bound. */
export async function saveOutputSchemas(
  file: string,
  store: OutputSchemas,
  maxBytes = MAX_OUTPUT_SCHEMAS_FILE,
): Promise<void> {
  const list = store.entriesList();
  let text = JSON.stringify({ version: 1, schemas: list } satisfies FileShape);
  // Beyond the bound, the least recently sampled go first (they are first in the list).
  let from = 0;
  while (Buffer.byteLength(text) > maxBytes && from < list.length) {
    from = Math.max(from + 1, Math.floor(from + (list.length - from) / 4));
    text = JSON.stringify({ version: 1, schemas: list.slice(from) } satisfies FileShape);
  }
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Keeps the file in step with the store: every `intervalMs`, when the schemas changed since the
 * last write; `close` writes a last time (when they changed). Write failures are logged.
 */
export class OutputSchemasSaver {
  private timer: NodeJS.Timeout | undefined;
  private saved: number;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly store: OutputSchemas,
    private readonly log: EngineLog,
    intervalMs = OUTPUT_SCHEMAS_SAVE_MS,
  ) {
    this.saved = store.changes;
    this.timer = setInterval(() => void this.flush(), intervalMs);
    // A pending write never keeps the process alive.
    this.timer.unref();
  }

  /** Writes the schemas when they changed since the last write (one write at a time). */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const changes = this.store.changes;
      if (changes === this.saved) return;
      try {
        await saveOutputSchemas(this.file, this.store);
        this.saved = changes;
      } catch (e) {
        this.log.warn(`Could not save the run schemas to ${this.file}: ${(e as Error).message}`);
      }
    });
    return this.writing;
  }

  /** Stops the timer and writes a last time. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
