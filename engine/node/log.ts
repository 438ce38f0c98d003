import { createRequire } from "node:module";
import type { Logger } from "pino";
import type pinoModule from "pino";
import type { LogLevel } from "../common/model/typedef.ts";
import { maskSecrets } from "./runtime/settings.ts";

export interface LogRecord {
  seq: number;
  at: number;
  level: LogLevel;
  message: string;
  project?: string;
}

const LEVELS: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/**
 * The engine log: written as JSON lines to stderr (stdout stays for command output), kept in a
 * ring buffer and streamed to subscribers (the Studio's console). Known secrets are masked.
 */
export class EngineLog {
  private readonly ring: LogRecord[] = [];
  private seq = 0;
  private readonly listeners = new Set<(r: LogRecord) => void>();
  private readonly secrets = new Set<string>();
  private logger: Logger | undefined;
  private readonly level: LogLevel | "silent";
  private readonly destination: NodeJS.WritableStream | undefined;
  readonly minLevel: number;

  constructor(opts: { level?: LogLevel | "silent"; capacity?: number; destination?: NodeJS.WritableStream } = {}) {
    const level = opts.level ?? (process.env.ATELIER_LOG_LEVEL as LogLevel | undefined) ?? "info";
    this.level = level;
    this.minLevel = level === "silent" ? Infinity : (LEVELS[level] ?? 30);
    this.capacity = opts.capacity ?? 2000;
    this.destination = opts.destination;
  }

  /**
   * The pino logger, made (and pino loaded, synchronously) by the first record written: a CLI run
   * that logs nothing at its level does not load pino.
   */
  private get out(): Logger | undefined {
    if (!this.logger && this.level !== "silent") {
      const pino = createRequire(import.meta.url)("pino") as typeof pinoModule;
      this.logger = pino(
        { level: this.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
        this.destination ?? pino.destination(2),
      );
    }
    return this.logger;
  }

  private readonly capacity: number;

  /** Values never to be written (secret settings). */
  addSecrets(values: Iterable<string>): void {
    for (const v of values) if (v) this.secrets.add(v);
  }

  log(level: LogLevel, message: string, project?: string): void {
    const text = this.secrets.size ? maskSecrets(message, [...this.secrets]) : message;
    const rec: LogRecord = { seq: ++this.seq, at: Date.now(), level, message: text, ...(project ? { project } : {}) };
    if (LEVELS[level] >= this.minLevel) this.out?.[level](project ? { project } : {}, text);
    this.ring.push(rec);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const l of this.listeners) l(rec);
  }

  debug(m: string, p?: string) {
    this.log("debug", m, p);
  }
  info(m: string, p?: string) {
    this.log("info", m, p);
  }
  warn(m: string, p?: string) {
    this.log("warn", m, p);
  }
  error(m: string, p?: string) {
    this.log("error", m, p);
  }

  /** Records kept in memory, oldest first, after a sequence number. */
  recent(afterSeq = 0): LogRecord[] {
    return this.ring.filter((r) => r.seq > afterSeq);
  }

  subscribe(listener: (r: LogRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
