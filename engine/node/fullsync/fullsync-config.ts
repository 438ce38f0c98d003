import path from "node:path";
import type { FullSyncConfig } from "../project/workspace.ts";
import type { ListenerClaims } from "./listener-claims.ts";
import type { FeedOptions } from "./listener-feed.ts";

/** Time limits of requests to an external CouchDB, in ms (embedded-db's defaults when absent). */
export interface CouchTimeoutsConfig {
  readMs?: number;
  writeMs?: number;
  queryMs?: number;
}

export interface CouchPlacement {
  url: string;
  username?: string;
  password?: string;
  timeouts?: CouchTimeoutsConfig;
}

/**
 * Where FullSync keeps its databases, as resolved from options, configuration and environment;
 * `indexDir`: where the principal index snapshots go (embedded: `<dataDir>/.fullsync-index`
 * unless configured; with an external CouchDB, in the workspace, so starts do not read the whole
 * change feed).
 */
export type FullSyncPlacement =
  | { mode: "memory" }
  | { mode: "embedded"; dataDir: string; indexDir?: string }
  | { mode: "couchdb"; couch: CouchPlacement; indexDir: string };

/** Options of the engine's FullSync part (they win over atelier.config.yaml). */
export interface FullSyncPartOptions {
  /** Keep databases in memory (tests). */
  inMemory?: boolean;
  /** The folder of the embedded databases. */
  dataDir?: string;
  /** An external CouchDB (time limits from atelier.config.yaml unless given here). */
  couch?: CouchPlacement;
  /**
   * Claims of FullSync listener work. Shared claims (`redisListenerClaims`, the servers of a
   * cluster on one external CouchDB): every server follows the databases' change feeds and each
   * change runs each listener once across the servers, again on another server when the one
   * running it dies. Absent, or not shared: listeners run after the device writes this server
   * receives (one server). Closed with FullSync (also when it does not start or is turned off).
   */
  claims?: ListenerClaims;
  /** Tuning of the change feeds followed with shared claims (tests). */
  listenerFeed?: Omit<FeedOptions, "scope">;
}

/** The default folder of the embedded databases, in the workspace. */
export function defaultDataDir(workspaceDir: string): string {
  return path.join(workspaceDir, ".atelier", "fullsync");
}

/**
 * Resolves the placement. The CouchDB password comes from ATELIER_COUCH_PASSWORD, else the
 * variable named by `passwordEnv`, else `password` (decrypted when stored as enc:v1:); user and
 * password written in the URL are moved out of it, so the URL can be logged.
 */
export function resolvePlacement(
  workspaceDir: string,
  config: FullSyncConfig | undefined,
  opts: FullSyncPartOptions,
  env: NodeJS.ProcessEnv,
  decrypt: (stored: string, what: string) => string,
): FullSyncPlacement {
  if (opts.inMemory) return { mode: "memory" };
  const configured: CouchTimeoutsConfig = {
    ...(config?.readTimeoutMs ? { readMs: config.readTimeoutMs } : {}),
    ...(config?.writeTimeoutMs ? { writeMs: config.writeTimeoutMs } : {}),
    ...(config?.queryTimeoutMs ? { queryMs: config.queryTimeoutMs } : {}),
  };
  const indexDir = config?.indexDir ? path.resolve(workspaceDir, config.indexDir) : undefined;
  const couchIndexDir = indexDir ?? path.join(defaultDataDir(workspaceDir), ".fullsync-index");
  const withTimeouts = (c: CouchPlacement): CouchPlacement => {
    const timeouts = { ...configured, ...c.timeouts };
    return Object.keys(timeouts).length ? { ...c, timeouts } : c;
  };
  if (opts.couch)
    return { mode: "couchdb", couch: withTimeouts(splitCredentials(opts.couch)), indexDir: couchIndexDir };
  if (opts.dataDir) return { mode: "embedded", dataDir: path.resolve(opts.dataDir) };
  if (config?.couchUrl) {
    let password: string | undefined = env.ATELIER_COUCH_PASSWORD || undefined;
    if (password === undefined && config.passwordEnv) {
      password = env[config.passwordEnv];
      if (!password) {
        throw new Error(
          `atelier.config.yaml: fullsync.passwordEnv names the environment variable ${config.passwordEnv}, which is not set`,
        );
      }
    }
    if (password === undefined && config.password) {
      password = decrypt(config.password, "atelier.config.yaml: fullsync.password");
    }
    return {
      mode: "couchdb",
      couch: withTimeouts(
        splitCredentials({
          url: config.couchUrl,
          ...(config.username ? { username: config.username } : {}),
          ...(password !== undefined ? { password } : {}),
        }),
      ),
      indexDir: couchIndexDir,
    };
  }
  return {
    mode: "embedded",
    dataDir: config?.dataDir ? path.resolve(workspaceDir, config.dataDir) : defaultDataDir(workspaceDir),
    ...(indexDir ? { indexDir } : {}),
  };
}

function splitCredentials(couch: CouchPlacement): CouchPlacement {
  const url = new URL(couch.url);
  const username = couch.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const password = couch.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  url.username = "";
  url.password = "";
  return {
    url: url.toString(),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(couch.timeouts ? { timeouts: couch.timeouts } : {}),
  };
}

/** A description of the placement safe to log (never the password). */
export function describePlacement(p: FullSyncPlacement): string {
  switch (p.mode) {
    case "memory":
      return "in memory";
    case "embedded":
      return `embedded, in ${p.dataDir}`;
    case "couchdb":
      return `external CouchDB at ${p.couch.url}${p.couch.username ? ` as ${p.couch.username}` : ""}`;
  }
}
