import { chmod, readFile } from "node:fs/promises";
import { writeFileAtomic } from "../project/project-files.ts";

/**
 * A small JSON document kept in one owner-only file, written atomically (temp file, fsync,
 * rename), changed one update at a time: the admin state of a server (users, tokens, jobs).
 */
export class JsonFile<T> {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly empty: () => T,
    private readonly check: (value: unknown) => T,
  ) {}

  async read(): Promise<T> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return this.empty();
      throw e;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`${this.file} is not valid JSON: restore it from a backup or remove it`);
    }
    return this.check(value);
  }

  /** Reads, changes and writes the document, one change at a time; answers what `change` answers. */
  update<R>(change: (doc: T) => R | Promise<R>): Promise<R> {
    const next = this.queue.then(async () => {
      const doc = await this.read();
      const result = await change(doc);
      await writeFileAtomic(this.file, JSON.stringify(doc, null, 2) + "\n");
      await chmod(this.file, 0o600);
      return result;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
