import { JsonFile } from "../admin/json-file.ts";
import { closeRedis, connectRedis, withTimeout, type RedisClient } from "./redis-connection.ts";

/**
 * A small JSON document of the server's state (admin users, PSC tokens, setting values, jobs):
 * read whole, changed one update at a time. Alone, a server keeps it in a file of its data folder
 * (JsonFile); in a cluster every server reads and changes the same one in Redis.
 */
export interface SharedDoc<T> {
  read(): Promise<T>;
  /** Reads, changes and writes the document; no update of any server is lost. */
  update<R>(change: (doc: T) => R | Promise<R>): Promise<R>;
}

/** Where a server's documents live: the data folder (one server) or Redis (a cluster). */
export interface DocStore {
  readonly shared: boolean;
  doc<T>(name: string, file: string, empty: () => T, check: (value: unknown) => T): SharedDoc<T>;
  /** Calls `listener` with a document's name when any server changes it (a cluster only). */
  onChange(listener: (name: string) => void): () => void;
  close(): Promise<void>;
}

/** One server: each document is its own owner-only file. */
export class FileDocs implements DocStore {
  readonly shared = false;
  doc<T>(_name: string, file: string, empty: () => T, check: (value: unknown) => T): SharedDoc<T> {
    return new JsonFile(file, empty, check);
  }
  onChange(): () => void {
    return () => {};
  }
  async close(): Promise<void> {}
}

/** Documents larger than this are refused (they hold users, tokens, settings: small). */
export const MAX_SHARED_DOC_BYTES = 4 * 1024 * 1024;

/**
 * Compare-and-set of a document in a hash {v: version, json}: written only when nobody wrote it
 * since it was read, and announced to every server.
 */
const CAS = `
local v = redis.call('HGET', KEYS[1], 'v')
if (v or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', tostring(tonumber(ARGV[1]) + 1), 'json', ARGV[2])
redis.call('PUBLISH', KEYS[2], ARGV[3])
return 1
`;

export interface RedisDocsOptions {
  url: string;
  /** Prefix of the keys (several deployments can share one Redis). */
  prefix?: string;
  timeoutMs?: number;
  onError?: (message: string) => void;
}

/**
 * A cluster's documents in Redis: `<prefix>doc:<name>`. An update reads the document and its
 * version, changes it, and writes it only if the version is still the same (a script, atomic in
 * Redis); else it reads again and retries, so two servers changing users at once lose nothing.
 */
export class RedisDocs implements DocStore {
  readonly shared = true;
  private readonly listeners = new Set<(name: string) => void>();
  private subscriber: RedisClient | undefined;

  private constructor(
    readonly client: RedisClient,
    readonly prefix: string,
    private readonly timeoutMs: number,
  ) {}

  static async connect(opts: RedisDocsOptions): Promise<RedisDocs> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const client = await connectRedis({
      url: opts.url,
      timeoutMs,
      what: "cluster state",
      ...(opts.onError ? { onError: opts.onError } : {}),
    });
    const docs = new RedisDocs(client, opts.prefix ?? "atelier:", timeoutMs);
    try {
      docs.subscriber = client.duplicate();
      docs.subscriber.on("error", () => {});
      await withTimeout(docs.subscriber.connect(), timeoutMs, "no answer in time");
      await docs.subscriber.subscribe(docs.channel, (name) => {
        for (const l of docs.listeners) l(name);
      });
    } catch (e) {
      await docs.close();
      throw new Error(`cluster state: cannot subscribe to Redis: ${(e as Error).message}`);
    }
    return docs;
  }

  get channel(): string {
    return `${this.prefix}docs-changed`;
  }

  private async call<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(op(), this.timeoutMs, "no answer in time");
    } catch (e) {
      throw Object.assign(new Error(`The cluster's state is unavailable (Redis, ${what}): ${(e as Error).message}`), {
        status: 503,
        code: "cluster_state_unavailable",
      });
    }
  }

  doc<T>(name: string, _file: string, empty: () => T, check: (value: unknown) => T): SharedDoc<T> {
    const key = `${this.prefix}doc:${name}`;
    const load = async (): Promise<{ version: string; doc: T }> => {
      const [v, json] = await this.call(`read ${name}`, () => this.client.hmGet(key, ["v", "json"]));
      if (json === null || json === undefined) return { version: v ?? "0", doc: empty() };
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch {
        throw new Error(`The cluster's document ${name} in Redis (${key}) is not valid JSON`);
      }
      return { version: v ?? "0", doc: check(value) };
    };
    let queue: Promise<unknown> = Promise.resolve();
    return {
      read: async () => (await load()).doc,
      update: <R>(change: (doc: T) => R | Promise<R>): Promise<R> => {
        const next = queue.then(async () => {
          for (let attempt = 0; ; attempt++) {
            const { version, doc } = await load();
            const result = await change(doc);
            const json = JSON.stringify(doc);
            if (Buffer.byteLength(json) > MAX_SHARED_DOC_BYTES) {
              throw new Error(`The cluster's document ${name} would exceed ${MAX_SHARED_DOC_BYTES} bytes`);
            }
            const written = await this.call(`write ${name}`, () =>
              this.client.eval(CAS, { keys: [key, this.channel], arguments: [version, json, name] }),
            );
            if (written === 1) return result;
            if (attempt >= 50) throw new Error(`The cluster's document ${name} changes too often to be updated`);
            // Another server wrote it in between: read it again, after a short random wait.
            await new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(attempt + 1, 5)));
          }
        });
        queue = next.catch(() => undefined);
        return next;
      },
    };
  }

  onChange(listener: (name: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    if (this.subscriber) await closeRedis(this.subscriber, this.timeoutMs);
    await closeRedis(this.client, this.timeoutMs);
  }
}
