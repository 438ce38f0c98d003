/** The FullSync HTTP layer (CouchDB replication endpoints behind per-user ACLs). */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DevicePush, Principal } from "./api.ts";
import type { FullSyncDatabase } from "./database.ts";

export interface HttpDeps {
  database(name: string): FullSyncDatabase | undefined;
  resolvePrincipal(req: IncomingMessage): Principal | undefined;
  groupsOf(user: string): readonly string[];
  devicePush(push: DevicePush): void;
  log(level: "debug" | "info" | "warn" | "error", message: string): void;
  maxBodyBytes: number;
  maxFeedMs: number;
}

export class FullSyncHttp {
  constructor(private readonly deps: HttpDeps) {}

  handle(_req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(503, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ error: "unavailable", reason: "FullSync HTTP layer not wired yet" }));
  }

  close(): void {}
}
