/**
 * The shapes of what requestables answered: per sequence (`project/sequence`) or transaction
 * (`project/connector.transaction`), the JSON Schema merged from its first successful outputs,
 * for the REST API's documentation of responses that declare no schema (openapi.ts).
 *
 * Cheap on the run path: a requestable is sampled `maxSamples` times, then its schema is frozen
 * and later runs cost one map lookup. Bounded: at most `maxRequestables` are kept, of
 * `maxTotalNodes` schema nodes in all (the least recently sampled go first), each sample's walk is
 * bounded (schema-infer.ts) and so is each merged schema. Only shapes
 * are kept, never values. Light: loaded with the engine at start.
 */
import { requestableKey } from "../../common/model/output-schema.ts";
import { inferSchema, mergeSchemas, schemaSize, type InferLimits, type JsonSchema } from "./schema-infer.ts";

export interface OutputSchemasLimits {
  /** Successful outputs merged per requestable before its schema is frozen. */
  maxSamples: number;
  /** Requestables kept. */
  maxRequestables: number;
  /** Schema nodes kept in all (the least recently sampled go first beyond). */
  maxTotalNodes: number;
  /** The walk of one sample. */
  infer: InferLimits;
}

export const DEFAULT_OUTPUT_SCHEMAS_LIMITS: OutputSchemasLimits = {
  maxSamples: 5,
  maxRequestables: 2000,
  maxTotalNodes: 200_000,
  infer: { maxDepth: 8, maxNodes: 2000, maxProperties: 200 },
};

/** What a key names: a sequence, or a transaction of a connector. */
export type RequestableRef = { sequence: string } | { connector: string; transaction: string };

interface Entry {
  schema: JsonSchema;
  samples: number;
  /** Nodes of the schema (schemaSize). */
  size: number;
}

export class OutputSchemas {
  private readonly entries = new Map<string, Entry>();
  private totalNodes = 0;
  private changeCount = 0;
  readonly limits: OutputSchemasLimits;

  constructor(limits: Partial<Omit<OutputSchemasLimits, "infer">> & { infer?: Partial<InferLimits> } = {}) {
    this.limits = {
      ...DEFAULT_OUTPUT_SCHEMAS_LIMITS,
      ...limits,
      infer: { ...DEFAULT_OUTPUT_SCHEMAS_LIMITS.infer, ...limits.infer },
    };
  }

  /** `project/sequence` or `project/connector.transaction`. */
  static key(project: string, ref: RequestableRef): string {
    return requestableKey(project, ref);
  }

  /** Does this requestable still take samples (not frozen)? */
  wants(key: string): boolean {
    const e = this.entries.get(key);
    return e === undefined || e.samples < this.limits.maxSamples;
  }

  /**
   * Merges one successful output into the requestable's schema, until it is frozen: after
   * `maxSamples` outputs, or when a merge would grow it beyond one sample's walk (`maxNodes`).
   */
  record(key: string, output: unknown): void {
    if (output === undefined || !this.wants(key)) return;
    const sample = inferSchema(output, this.limits.infer);
    const e = this.entries.get(key);
    let next: Entry;
    if (e) {
      const schema = mergeSchemas(e.schema, sample, this.limits.infer);
      const size = schemaSize(schema);
      next =
        size > this.limits.infer.maxNodes
          ? { ...e, samples: this.limits.maxSamples }
          : { schema, size, samples: e.samples + 1 };
      this.remove(key);
    } else {
      next = { schema: sample, size: schemaSize(sample), samples: 1 };
    }
    // Most recently sampled last: the first in the map are the first to go.
    while (
      this.entries.size > 0 &&
      (this.entries.size >= this.limits.maxRequestables || this.totalNodes + next.size > this.limits.maxTotalNodes)
    ) {
      this.remove(this.entries.keys().next().value!);
    }
    this.entries.set(key, next);
    this.totalNodes += next.size;
    this.changeCount++;
  }

  /**
   * Counts the changes (samples merged, schemas forgotten): a saver writes the schemas again only
   * when it moved (output-schemas-file.ts).
   */
  get changes(): number {
    return this.changeCount;
  }

  /** The schemas kept, the least recently sampled first (what `restore` takes back). */
  entriesList(): { key: string; schema: JsonSchema; samples: number }[] {
    return [...this.entries].map(([key, e]) => ({ key, schema: e.schema, samples: e.samples }));
  }

  /**
   * Takes back schemas saved by `entriesList` (read from a file at start), within the limits: a
   * schema beyond one sample's walk is left out, and the least recent go first when over. Entries
   * already sampled in this process are kept as they are.
   */
  restore(list: readonly { key: string; schema: JsonSchema; samples: number }[]): void {
    for (const { key, schema, samples } of list) {
      if (this.entries.has(key)) continue;
      const size = schemaSize(schema);
      if (size > this.limits.infer.maxNodes) continue;
      const next: Entry = { schema, size, samples: Math.max(1, Math.min(samples, this.limits.maxSamples)) };
      while (
        this.entries.size > 0 &&
        (this.entries.size >= this.limits.maxRequestables || this.totalNodes + size > this.limits.maxTotalNodes)
      ) {
        this.remove(this.entries.keys().next().value!);
      }
      this.entries.set(key, next);
      this.totalNodes += size;
    }
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.totalNodes -= e.size;
  }

  /** The merged schema of a requestable's outputs, when it answered successfully at least once. */
  get(key: string): JsonSchema | undefined {
    return this.entries.get(key)?.schema;
  }

  /** How many outputs were merged into a requestable's schema. */
  samples(key: string): number {
    return this.entries.get(key)?.samples ?? 0;
  }

  /** Forgets a project's schemas (it changed: its outputs may too); all of them when none is named. */
  forget(project?: string): void {
    if (project === undefined) {
      if (this.entries.size) this.changeCount++;
      this.entries.clear();
      this.totalNodes = 0;
      return;
    }
    const prefix = `${project}/`;
    for (const k of [...this.entries.keys()]) {
      if (!k.startsWith(prefix)) continue;
      this.remove(k);
      this.changeCount++;
    }
  }

  /** Requestables kept. */
  get size(): number {
    return this.entries.size;
  }

  /** Schema nodes kept in all. */
  get nodes(): number {
    return this.totalNodes;
  }
}
