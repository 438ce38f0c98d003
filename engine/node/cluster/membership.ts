import { hostname } from "node:os";
import type { ClusterServer } from "../../common/admin/routes.ts";
import type { RedisClient } from "./redis-connection.ts";

/**
 * The servers of a cluster, as each says itself in Redis: every `intervalMs` a server writes its
 * record (`<prefix>node:<id>`, expiring after three missed beats) and its last beat in a sorted
 * set; `list()` answers the servers heard from recently, with the version of each project they
 * serve. A server stopped cleanly leaves at once; one that died leaves when its record expires.
 */
export class Membership {
  readonly id: string;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly self: () => Omit<ClusterServer, "id" | "host" | "pid" | "startedAt" | "lastSeen" | "self">,
    private readonly intervalMs = 5000,
    id?: string,
  ) {
    this.id = id ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  }

  private get setKey(): string {
    return `${this.prefix}nodes`;
  }

  private nodeKey(id: string): string {
    return `${this.prefix}node:${id}`;
  }

  /** Writes this server's record now. */
  async beat(): Promise<void> {
    const now = Date.now();
    const record = {
      ...this.self(),
      id: this.id,
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      lastSeen: new Date(now).toISOString(),
    };
    await this.client
      .multi()
      .set(this.nodeKey(this.id), JSON.stringify(record), { PX: this.intervalMs * 3 })
      .zAdd(this.setKey, { score: now, value: this.id })
      // Servers not heard from for an hour leave the set.
      .zRemRangeByScore(this.setKey, 0, now - 3_600_000)
      .exec();
  }

  async start(onError: (message: string) => void): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((e: Error) => onError(`cluster: heartbeat not written: ${e.message}`));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** The servers alive (their record not expired), this one first. */
  async list(): Promise<ClusterServer[]> {
    const ids = (await this.client.zRange(this.setKey, 0, 999)).slice(0, 1000);
    if (!ids.length) return [];
    const raws = await this.client.mGet(ids.map((id) => this.nodeKey(id)));
    const out: ClusterServer[] = [];
    for (const raw of raws) {
      if (!raw) continue;
      try {
        const r = JSON.parse(raw) as ClusterServer;
        out.push({ ...r, self: r.id === this.id });
      } catch {
        // a damaged record is not a server
      }
    }
    return out.sort((a, b) => Number(b.self) - Number(a.self) || a.id.localeCompare(b.id));
  }

  /** Leaves the cluster at once (a clean stop). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.client
      .multi()
      .del(this.nodeKey(this.id))
      .zRem(this.setKey, this.id)
      .exec()
      .catch(() => undefined);
  }
}
