import type { LogLevel } from "../../common/model/typedef.ts";
import type { EngineLog } from "../log.ts";

/**
 * Remote logs of apps built with Convertigo's SDKs (`logs.Add`): the SDK posts batches of
 * `{time, level, msg}` and sets its remote level from the answer's `remoteLogLevel`. The service
 * is anonymous, so everything an anonymous caller can make the engine do is bounded: the body
 * (route limit), the entries per call, the characters per entry, the entries written to the
 * engine log per client and in all per minute, the clients tracked and the entries kept in memory.
 * A client over its budget is answered `remoteLogLevel: "none"`, which makes a real SDK stop
 * sending logs.
 */

/** The levels of Convertigo's SDKs (C8oLogLevel), lowest first. */
export const SDK_LOG_LEVELS = ["none", "trace", "debug", "info", "warn", "error", "fatal"] as const;
export type SdkLogLevel = (typeof SDK_LOG_LEVELS)[number];

export interface DeviceLogLimits {
  /** The level the SDKs are told to send from (Convertigo's answer): `info` unless configured. */
  remoteLogLevel: SdkLogLevel;
  /** Largest body of one call, in bytes. */
  bodyLimit: number;
  /** Entries read from one call (the SDKs send at most 100). */
  maxEntriesPerCall: number;
  /** Characters kept of one message (the rest is cut, saying so). */
  maxMessageLength: number;
  /** Entries one client (an IP address) may write to the engine log per minute. */
  perClientPerMinute: number;
  /** Entries all clients together may write to the engine log per minute. */
  perMinute: number;
  /** Distinct clients counted in one minute; beyond, new clients share one budget. */
  maxClients: number;
  /** Entries kept in memory (`recent()`). */
  ringSize: number;
}

export const DEFAULT_DEVICE_LOG_LIMITS: Readonly<DeviceLogLimits> = {
  remoteLogLevel: "info",
  bodyLimit: 256 * 1024,
  maxEntriesPerCall: 100,
  maxMessageLength: 4096,
  perClientPerMinute: 120,
  perMinute: 600,
  maxClients: 10_000,
  ringSize: 1000,
};

export interface DeviceLogEntry {
  at: number;
  level: SdkLogLevel;
  message: string;
  /** The device's id (`__uuid`), cut to 64 characters. */
  device: string;
  client: string;
  project?: string;
}

const ENGINE_LEVEL: Record<SdkLogLevel, LogLevel> = {
  none: "debug",
  trace: "debug",
  debug: "debug",
  info: "info",
  warn: "warn",
  error: "error",
  fatal: "error",
};

/** Control characters but tab and line feed (a message may not rewrite the console's lines). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function clean(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
  return cut.replace(CONTROL, "\ufffd");
}

const OTHER_CLIENTS = "(other clients)";

export class DeviceLogs {
  readonly limits: DeviceLogLimits;
  private readonly ring: DeviceLogEntry[] = [];
  private windowStart = 0;
  private inWindow = 0;
  private readonly perClient = new Map<string, number>();
  private dropped = 0;
  private droppedClients = new Set<string>();

  constructor(
    private readonly log: EngineLog,
    limits: Partial<DeviceLogLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_DEVICE_LOG_LIMITS, ...limits };
  }

  /** Entries kept in memory, oldest first. */
  recent(): DeviceLogEntry[] {
    return [...this.ring];
  }

  private roll(): void {
    const t = this.now();
    if (t - this.windowStart < 60_000) return;
    if (this.dropped > 0) {
      this.log.warn(
        `logs.Add: ${this.dropped} device log entries dropped in the last minute (over the budget of ${this.limits.perClientPerMinute} per client and ${this.limits.perMinute} in all), from ${this.droppedClients.size} client(s)`,
      );
    }
    this.windowStart = t;
    this.inWindow = 0;
    this.perClient.clear();
    this.dropped = 0;
    this.droppedClients.clear();
  }

  /**
   * Takes one call's parameters (`logs`: a JSON list, `env`: a JSON object with `project`,
   * `__uuid`) from a client; returns the level to answer. Never throws on what a caller sent.
   */
  add(
    params: { logs?: unknown; env?: unknown; uuid?: unknown },
    client: string,
    isProject: (name: string) => boolean,
  ): SdkLogLevel {
    this.roll();
    const entries = parseEntries(params.logs, this.limits.maxEntriesPerCall);
    let project: string | undefined;
    if (typeof params.env === "string" && params.env.length <= 4096) {
      try {
        const env = JSON.parse(params.env) as { project?: unknown };
        const name = typeof env?.project === "string" ? decodeSafe(env.project) : undefined;
        // Only a loaded project labels the entries (the Studio's console filters by project).
        if (name && isProject(name)) project = name;
      } catch {
        // An env that is not JSON labels nothing.
      }
    }
    const device = typeof params.uuid === "string" ? clean(params.uuid, 64) : "";
    const key = this.perClient.has(client) || this.perClient.size < this.limits.maxClients ? client : OTHER_CLIENTS;
    let used = this.perClient.get(key) ?? 0;
    let over = false;
    for (const e of entries) {
      if (used >= this.limits.perClientPerMinute || this.inWindow >= this.limits.perMinute) {
        if (this.dropped === 0) {
          // Once a minute at most, whoever the callers are: the warning itself cannot flood.
          this.log.warn(
            `logs.Add: device logs over budget (${this.limits.perClientPerMinute} entries per client, ${this.limits.perMinute} in all per minute): further entries are dropped until the minute ends`,
          );
        }
        over = true;
        this.dropped++;
        this.droppedClients.add(key);
        continue;
      }
      used++;
      this.inWindow++;
      const entry: DeviceLogEntry = {
        at: this.now(),
        level: e.level,
        message: clean(e.message, this.limits.maxMessageLength),
        device,
        client,
        ...(project ? { project } : {}),
      };
      this.ring.push(entry);
      if (this.ring.length > this.limits.ringSize) this.ring.shift();
      this.log.log(
        ENGINE_LEVEL[entry.level],
        `[device ${device.slice(0, 12) || "?"} ${client}] ${entry.level}: ${entry.message}`,
        project,
      );
    }
    this.perClient.set(key, used);
    if (over || used >= this.limits.perClientPerMinute || this.inWindow >= this.limits.perMinute) return "none";
    return this.limits.remoteLogLevel;
  }
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The entries of a `logs` parameter: a JSON list of `{level, msg}`; anything else is skipped. */
function parseEntries(logs: unknown, max: number): { level: SdkLogLevel; message: string }[] {
  if (typeof logs !== "string" || logs === "") return [];
  let list: unknown;
  try {
    list = JSON.parse(logs);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const out: { level: SdkLogLevel; message: string }[] = [];
  for (const item of list.slice(0, max)) {
    if (item === null || typeof item !== "object") continue;
    const { level, msg } = item as { level?: unknown; msg?: unknown };
    if (typeof msg !== "string") continue;
    const lv = typeof level === "string" ? (level.toLowerCase() as SdkLogLevel) : "info";
    out.push({ level: SDK_LOG_LEVELS.includes(lv) && lv !== "none" ? lv : "info", message: msg });
  }
  return out;
}
