import path from "node:path";
import type { FullSyncConfig } from "../project/workspace.ts";

/** Where FullSync keeps its databases, as resolved from options, configuration and environment. */
export type FullSyncPlacement =
  | { mode: "memory" }
  | { mode: "embedded"; dataDir: string }
  | { mode: "couchdb"; couch: { url: string; username?: string; password?: string } };

/** Options of the engine's FullSync part (they win over atelier.config.yaml). */
export interface FullSyncPartOptions {
  /** Keep databases in memory (tests). */
  inMemory?: boolean;
  /** The folder of the embedded databases. */
  dataDir?: string;
  /** An external CouchDB. */
  couch?: { url: string; username?: string; password?: string };
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
  if (opts.couch) return { mode: "couchdb", couch: splitCredentials(opts.couch) };
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
      couch: splitCredentials({
        url: config.couchUrl,
        ...(config.username ? { username: config.username } : {}),
        ...(password !== undefined ? { password } : {}),
      }),
    };
  }
  return {
    mode: "embedded",
    dataDir: config?.dataDir ? path.resolve(workspaceDir, config.dataDir) : defaultDataDir(workspaceDir),
  };
}

function splitCredentials(couch: { url: string; username?: string; password?: string }): {
  url: string;
  username?: string;
  password?: string;
} {
  const url = new URL(couch.url);
  const username = couch.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const password = couch.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  url.username = "";
  url.password = "";
  return {
    url: url.toString(),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
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
