import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { isPlainObject } from "../../common/model/props.ts";
import { isProjectDir, loadProject, type LoadedProject } from "./project-files.ts";

/** The workspace configuration file (optional), at the workspace's root. */
export const CONFIG_FILE = "atelier.config.yaml";

export interface WorkspaceConfig {
  /** Setting overrides: `name` or `Project.name` to a value. */
  settings: Record<string, string>;
  /** The `fullsync:` section: where FullSync keeps its databases. */
  fullsync?: FullSyncConfig;
  /** The `cors:` section: web origins whose pages may call the API and FullSync with cookies. */
  cors?: CorsConfig;
  /** `jsonp: true` lets `.jsonp` answer (off by default: a script tag on any page can load it). */
  jsonp?: boolean;
  /** The `api:` section: limits of the Convertigo API's requests (/projects, /services). */
  api?: ApiLimitsConfig;
  /** The `deviceLogs:` section: apps' remote logs (`logs.Add` of Convertigo's SDKs). */
  deviceLogs?: DeviceLogsConfig;
  /** The `rest:` section: where the projects' REST APIs (URL mappers) are served. */
  rest?: RestConfig;
}

/** Where the REST APIs are served: `prefix` (default /api) holds every project's paths, /openapi.json and /docs. */
export interface RestConfig {
  prefix?: string;
}

/** The REST APIs' prefix when atelier.config.yaml gives none. */
export const DEFAULT_REST_PREFIX = "/api";

function readRestConfig(value: unknown, file: string): RestConfig {
  if (!isPlainObject(value)) throw new Error(`${file}: rest must be a mapping (prefix)`);
  const out: RestConfig = {};
  for (const [k, v] of Object.entries(value)) {
    if (k !== "prefix") throw new Error(`${file}: rest.${k} is not a setting of rest (prefix)`);
    if (
      typeof v !== "string" ||
      !/^\/[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/.test(v) ||
      v.split("/").some((s) => s === "." || s === "..")
    ) {
      throw new Error(`${file}: rest.prefix must be a path such as /api or /rest/v1 (letters, digits, . _ ~ -)`);
    }
    const reserved = /^\/(projects|services|fullsync|admin|studio|apps)(\/|$)/.exec(v);
    if (reserved) throw new Error(`${file}: rest.prefix cannot be under /${reserved[1]}, which the engine serves`);
    out.prefix = v;
  }
  return out;
}

/** Apps' remote logs: the level SDKs are told to send from, and the budgets of anonymous callers. */
export interface DeviceLogsConfig {
  remoteLogLevel?: "none" | "trace" | "debug" | "info" | "warn" | "error" | "fatal";
  maxEntriesPerCall?: number;
  maxMessageLength?: number;
  perClientPerMinute?: number;
  perMinute?: number;
}

const DEVICE_LOG_LEVELS = ["none", "trace", "debug", "info", "warn", "error", "fatal"] as const;
const DEVICE_LOG_NUMBERS = ["maxEntriesPerCall", "maxMessageLength", "perClientPerMinute", "perMinute"] as const;

function readDeviceLogsConfig(value: unknown, file: string): DeviceLogsConfig {
  const where = `${file}: deviceLogs`;
  if (!isPlainObject(value)) throw new Error(`${where} must be a mapping (remoteLogLevel, perClientPerMinute...)`);
  const out: DeviceLogsConfig = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "remoteLogLevel") {
      if (typeof v !== "string" || !(DEVICE_LOG_LEVELS as readonly string[]).includes(v)) {
        throw new Error(`${where}.remoteLogLevel must be one of ${DEVICE_LOG_LEVELS.join(", ")}`);
      }
      out.remoteLogLevel = v as DeviceLogsConfig["remoteLogLevel"];
    } else if ((DEVICE_LOG_NUMBERS as readonly string[]).includes(k)) {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 1_000_000) {
        throw new Error(`${where}.${k} must be a whole number from 0 to 1000000`);
      }
      out[k as (typeof DEVICE_LOG_NUMBERS)[number]] = v;
    } else {
      throw new Error(`${where}: unknown key "${k}" (known: remoteLogLevel, ${DEVICE_LOG_NUMBERS.join(", ")})`);
    }
  }
  return out;
}

/** Limits of requests to the Convertigo API (each optional; the server's defaults otherwise). */
export interface ApiLimitsConfig {
  /** Largest body, in bytes. */
  bodyLimit?: number;
  /** Most parameters (distinct names) in a request's query and body together. */
  maxParameters?: number;
  /** Most values of one parameter (a repeated name, a JSON list). */
  maxValuesPerParameter?: number;
  /** Longest value (and name), in characters. */
  maxValueLength?: number;
  /** Most JSON nodes (values, items, keys) in a JSON body. */
  maxJsonNodes?: number;
}

const API_LIMIT_KEYS = [
  "bodyLimit",
  "maxParameters",
  "maxValuesPerParameter",
  "maxValueLength",
  "maxJsonNodes",
] as const;

function readApiConfig(value: unknown, file: string): ApiLimitsConfig {
  const where = `${file}: api`;
  if (!isPlainObject(value)) throw new Error(`${where} must be a mapping (bodyLimit, maxParameters...)`);
  const out: ApiLimitsConfig = {};
  for (const [k, v] of Object.entries(value)) {
    if (!(API_LIMIT_KEYS as readonly string[]).includes(k)) {
      throw new Error(`${where}: unknown key "${k}" (known: ${API_LIMIT_KEYS.join(", ")})`);
    }
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 2 ** 31) {
      throw new Error(`${where}.${k} must be a whole number from 1 to ${2 ** 31}`);
    }
    out[k as (typeof API_LIMIT_KEYS)[number]] = v;
  }
  return out;
}

/** Cross-origin callers allowed (web or mobile apps served from another origin). */
export interface CorsConfig {
  /** Exact origins, e.g. https://app.example.com or capacitor://localhost. */
  origins: string[];
}

function readCorsConfig(value: unknown, file: string): CorsConfig {
  const where = `${file}: cors`;
  if (!isPlainObject(value) || !Array.isArray(value.origins)) {
    throw new Error(
      `${where} must be a mapping with a list of origins, e.g. cors: {origins: [https://app.example.com]}`,
    );
  }
  for (const k of Object.keys(value))
    if (k !== "origins") throw new Error(`${where}: unknown key "${k}" (known: origins)`);
  const origins: string[] = [];
  for (const o of value.origins) {
    if (typeof o !== "string" || !/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(o)) {
      throw new Error(
        `${where}: "${String(o)}" is not an origin (scheme://host[:port], no path; "*" is not allowed, calls carry cookies)`,
      );
    }
    origins.push(o.toLowerCase());
  }
  return { origins };
}

/**
 * Where FullSync keeps its data: embedded (LevelDB files under `dataDir`) or an external Apache
 * CouchDB. The password is best left out of the file: `passwordEnv` names an environment
 * variable holding it, ATELIER_COUCH_PASSWORD overrides it, and a `password` may be stored
 * encrypted (enc:v1:, see secrets).
 */
export interface FullSyncConfig {
  /** false: no FullSync in this engine. */
  enabled?: boolean;
  /** The folder of the embedded databases, relative to the workspace (default .atelier/fullsync). */
  dataDir?: string;
  couchUrl?: string;
  username?: string;
  password?: string;
  passwordEnv?: string;
  /**
   * The folder of the principal index snapshots, relative to the workspace (default
   * `<dataDir>/.fullsync-index`, with couchUrl `.atelier/fullsync/.fullsync-index`).
   */
  indexDir?: string;
  /** Time limit of a read from the external CouchDB, in ms (default 5000). */
  readTimeoutMs?: number;
  /** Time limit of a write to the external CouchDB, in ms (default 15000). */
  writeTimeoutMs?: number;
  /** Time limit of a view or `_find` query to the external CouchDB, in ms (default 60000). */
  queryTimeoutMs?: number;
}

const FULLSYNC_TIMEOUT_KEYS = ["readTimeoutMs", "writeTimeoutMs", "queryTimeoutMs"] as const;

function readFullSyncConfig(value: unknown, file: string): FullSyncConfig {
  const where = `${file}: fullsync`;
  if (!isPlainObject(value)) throw new Error(`${where} must be a mapping (couchUrl, username, passwordEnv...)`);
  const known = new Set([
    "enabled",
    "dataDir",
    "couchUrl",
    "username",
    "password",
    "passwordEnv",
    "indexDir",
    ...FULLSYNC_TIMEOUT_KEYS,
  ]);
  for (const k of Object.keys(value)) {
    if (!known.has(k)) throw new Error(`${where}: unknown key "${k}" (known: ${[...known].join(", ")})`);
  }
  const out: FullSyncConfig = {};
  if (value.enabled !== undefined) {
    if (typeof value.enabled !== "boolean") throw new Error(`${where}.enabled must be true or false`);
    out.enabled = value.enabled;
  }
  for (const k of ["dataDir", "couchUrl", "username", "password", "passwordEnv", "indexDir"] as const) {
    const v = value[k];
    if (v === undefined || v === null) continue;
    // Never echo the password in a message.
    if (typeof v !== "string" || v === "") throw new Error(`${where}.${k} must be a non-empty text`);
    out[k] = v;
  }
  if (out.couchUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(out.couchUrl);
    } catch {
      throw new Error(`${where}.couchUrl is not a valid URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new Error(`${where}.couchUrl must be an http:// or https:// URL`);
    }
  }
  for (const k of FULLSYNC_TIMEOUT_KEYS) {
    const v = value[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 100 || v > 3_600_000) {
      throw new Error(`${where}.${k} must be a number of milliseconds from 100 to 3600000`);
    }
    out[k] = v;
  }
  if (out.passwordEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(out.passwordEnv)) {
    throw new Error(`${where}.passwordEnv must be the name of an environment variable`);
  }
  if (out.dataDir !== undefined && out.couchUrl !== undefined) {
    throw new Error(`${where}: give dataDir (embedded databases) or couchUrl (external CouchDB), not both`);
  }
  return out;
}

/** Reads atelier.config.yaml; a missing file is an empty configuration, a bad one an error. */
export async function readWorkspaceConfig(dir: string): Promise<WorkspaceConfig> {
  const file = path.join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { settings: {} };
    throw e;
  }
  let data: unknown;
  try {
    data = parseYaml(text) ?? {};
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!isPlainObject(data)) throw new Error(`${file}: the configuration must be a mapping`);
  const settings: Record<string, string> = {};
  if (data.settings !== undefined) {
    if (!isPlainObject(data.settings)) throw new Error(`${file}: settings must be a mapping of names to values`);
    for (const [k, v] of Object.entries(data.settings)) settings[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  const config: WorkspaceConfig = { settings };
  if (data.fullsync !== undefined && data.fullsync !== null) config.fullsync = readFullSyncConfig(data.fullsync, file);
  if (data.cors !== undefined && data.cors !== null) config.cors = readCorsConfig(data.cors, file);
  if (data.jsonp !== undefined && data.jsonp !== null) {
    if (typeof data.jsonp !== "boolean") throw new Error(`${file}: jsonp must be true or false`);
    config.jsonp = data.jsonp;
  }
  if (data.api !== undefined && data.api !== null) config.api = readApiConfig(data.api, file);
  if (data.rest !== undefined && data.rest !== null) config.rest = readRestConfig(data.rest, file);
  if (data.deviceLogs !== undefined && data.deviceLogs !== null) {
    config.deviceLogs = readDeviceLogsConfig(data.deviceLogs, file);
  }
  return config;
}

/** A folder of project folders, loaded. */
export class Workspace {
  readonly projects = new Map<string, LoadedProject>();
  /** Folders that look like projects but failed to load at all, with the reason. */
  readonly failures = new Map<string, string>();
  private readonly changeListeners = new Set<(project: string | undefined) => void>();
  private edits = 0;

  constructor(readonly dir: string) {}

  /**
   * A number that changes whenever a project's tree may have changed: loaded, reloaded, added,
   * removed (`changed`) or edited in place (`edited`, by the Studio). Caches of what the trees
   * say (the REST API's routes) compare it.
   */
  get revision(): number {
    return this.edits;
  }

  /**
   * Says that code changed a loaded tree in place (the Studio's edits): caches of the trees are
   * rebuilt; the change listeners (which drop connections and pools) are not told.
   */
  edited(_project: string): void {
    this.edits++;
  }

  /**
   * Subscribes to project changes: a project loaded, reloaded, added or removed (its name), or
   * the whole workspace reloaded (undefined). Answers an unsubscribe function.
   */
  onChange(listener: (project: string | undefined) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Tells subscribers a project changed (code that edits a loaded tree in place calls it too). */
  changed(project: string | undefined): void {
    this.edits++;
    for (const l of this.changeListeners) {
      try {
        l(project);
      } catch {
        // A subscriber's failure is its own; the others still hear of the change.
      }
    }
  }

  /** Loads every project folder of the workspace (a folder holding project.yaml). */
  async loadAll(): Promise<void> {
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch (e) {
      throw new Error(
        `Cannot read the workspace folder ${this.dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
    }
    this.projects.clear();
    this.failures.clear();
    for (const name of entries.sort()) {
      if (name.startsWith(".") || name === "node_modules") continue;
      const dir = path.join(this.dir, name);
      if (!(await isProjectDir(dir))) continue;
      await this.reload(name, false);
    }
    this.changed(undefined);
  }

  /**
   * (Re)loads one project from disk; answers it, or undefined when its folder is gone. Tells
   * subscribers unless `notify` is false.
   */
  async reload(name: string, notify = true): Promise<LoadedProject | undefined> {
    const dir = path.join(this.dir, name);
    let result: LoadedProject | undefined;
    if (!(await isProjectDir(dir))) {
      this.projects.delete(name);
      this.failures.delete(name);
    } else {
      try {
        result = await loadProject(dir);
        this.projects.set(name, result);
        this.failures.delete(name);
      } catch (e) {
        this.projects.delete(name);
        this.failures.set(name, (e as Error).message);
      }
    }
    if (notify) this.changed(name);
    return result;
  }

  /** Adds a project loaded from elsewhere (atelier run --project DIR). */
  add(project: LoadedProject): void {
    this.projects.set(project.name, project);
    this.changed(project.name);
  }

  get(name: string): LoadedProject | undefined {
    return this.projects.get(name);
  }
}
