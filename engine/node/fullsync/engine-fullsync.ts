/**
 * The engine's FullSync part: starts the FullSync server (embedded-db) beside the engine, serves
 * it at /fullsync with the engine's cookie sessions as principals, declares the databases of the
 * loaded projects' FullSync connectors (again whenever a project changes), gives transactions and
 * steps the `fullsync` service and sessions their FullSync groups, and runs FullSync listeners.
 */
import { randomUUID } from "node:crypto";
import { GROUPS_DATABASE } from "../../common/types/connectors/fullsync-connector.ts";
import type { DevicePush, FullSyncData, FullSyncDoc, FullSyncServer } from "../../../embedded-db/api.ts";
import { createFullSync, describeError, type FullSyncHealth } from "../../../embedded-db/index.ts";
import type { FullSyncDocument, FullSyncService } from "../../common/model/fullsync.ts";
import { propDefault, propOrDefault } from "../../common/model/registry.ts";
import { resolvePlaceholders } from "../../common/model/settings.ts";
import type { Engine } from "../engine.ts";
import { readWorkspaceConfig } from "../project/workspace.ts";
import { sessionOfRequest } from "../server/http-sessions.ts";
import type { RawMount } from "../server/server.ts";
import { fullSyncConnectors, fullSyncDeclarations } from "./declarations.ts";
import { describePlacement, resolvePlacement, type FullSyncPartOptions } from "./fullsync-config.ts";
import { ListenerFeed, type FeedStatus } from "./listener-feed.ts";
import {
  ListenerRunner,
  type ListenerHost,
  type ListenerRef,
  type ListenerStatus,
  type ViewRow,
} from "./listener-runner.ts";

export type { FullSyncPartOptions } from "./fullsync-config.ts";

/** Where the engine serves FullSync. */
export const FULLSYNC_PREFIX = "/fullsync";

export interface EngineFullSync {
  server: FullSyncServer;
  /** The raw handler to mount in the engine's HTTP server. */
  mount: RawMount;
  listeners: ListenerRunner;
  /** Where the databases live (safe to show: never a password). */
  placement: string;
  /** The databases served now. */
  databases(): string[];
  /** Declares the loaded projects' databases again (done by itself when a project changes). */
  redeclare(): Promise<void>;
  /**
   * What the Studio can show: databases, listeners and their failures, and the state of the
   * database FullSync stands on (an external CouchDB down, databases waiting to open, warnings).
   */
  status(): {
    placement: string;
    databases: string[];
    listeners: ListenerStatus[];
    health: FullSyncHealth;
    /** With claims shared by several servers: the change feeds followed, and what waits. */
    feeds?: FeedStatus;
  };
  /** With claims shared by several servers: resolves once every change written so far is handled (tests). */
  listenersSettled(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function notDeclared(db: string): Error {
  return Object.assign(
    new Error(`the FullSync database "${db}" is not declared by a FullSync connector of a loaded project`),
    { code: "database_not_declared" },
  );
}

/**
 * Starts FullSync for an engine; answers undefined when atelier.config.yaml turns it off
 * (`fullsync: {enabled: false}`).
 */
export async function startEngineFullSync(
  engine: Engine,
  opts: FullSyncPartOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<EngineFullSync | undefined> {
  const claims = opts.claims;
  const dropClaims = () => claims?.close().catch(() => {});
  let config: Awaited<ReturnType<typeof readWorkspaceConfig>>["fullsync"];
  let placement: ReturnType<typeof resolvePlacement>;
  try {
    config = (await readWorkspaceConfig(engine.workspace.dir)).fullsync;
    if (config?.enabled === false && !opts.inMemory && !opts.dataDir && !opts.couch) {
      engine.log.info("FullSync is turned off (atelier.config.yaml: fullsync.enabled: false)");
      await dropClaims();
      return undefined;
    }
    placement = resolvePlacement(engine.workspace.dir, config, opts, env, (stored, what) =>
      engine.secretBox.decrypt(stored, what),
    );
  } catch (e) {
    await dropClaims();
    throw e;
  }
  if (placement.mode === "couchdb" && placement.couch.password) engine.log.addSecrets([placement.couch.password]);
  const where = describePlacement(placement);

  let server: Awaited<ReturnType<typeof createFullSync>>;
  try {
    server = await createFullSync({
      ...(placement.mode === "embedded" ? { dataDir: placement.dataDir } : {}),
      ...(placement.mode === "couchdb" ? { couch: placement.couch } : {}),
      ...(placement.mode !== "memory" && placement.indexDir ? { snapshotDir: placement.indexDir } : {}),
      resolvePrincipal: async (req) => {
        const session = await sessionOfRequest(engine.sessions, req);
        return session ? { user: session.user, groups: [...session.groups] } : undefined;
      },
      log: (level, message) => engine.log.log(level, `FullSync: ${message}`),
    });
  } catch (e) {
    await dropClaims();
    throw e;
  }

  let declared = new Set<string>();
  /** A connector declares the group database (lib_FullSyncGrp): its transactions reach it, devices do not. */
  let groupsDeclared = false;
  let fingerprint: string | undefined;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  const redeclare = (): Promise<void> => {
    chain = chain.then(async () => {
      if (closed) return;
      const warnings: [string, string][] = [];
      const decls = fullSyncDeclarations(engine.workspace.projects.values(), (m, p) => warnings.push([m, p]));
      const fp = JSON.stringify(decls);
      if (fp === fingerprint) return;
      for (const [m, p] of warnings) engine.log.warn(m, p);
      try {
        await server.setDatabases(decls);
        fingerprint = fp;
        // What the server accepted (it refuses, and logs, a name it cannot serve).
        declared = new Set(server.databases());
        feed?.sync();
        groupsDeclared = decls.some((d) => d.name === GROUPS_DATABASE);
        if (groupsDeclared) {
          engine.log.info(
            `FullSync: transactions reach the group database ${GROUPS_DATABASE} (declared by ${decls.find((d) => d.name === GROUPS_DATABASE)?.project}); devices never sync it`,
          );
        }
        engine.log.info(
          declared.size
            ? `FullSync serves ${[...declared].map((d) => `"${d}"`).join(", ")} at ${FULLSYNC_PREFIX}/`
            : "FullSync serves no database (no FullSync connector in the loaded projects)",
        );
      } catch (e) {
        engine.log.error(`FullSync: the databases of the loaded projects could not be declared: ${describeError(e)}`);
      }
    });
    return chain;
  };

  // Claims shared by several servers stand on one CouchDB that all of them see: every server
  // follows its change feeds. Elsewhere (each server its own databases) they would mix unrelated
  // databases: listeners then run after the writes each server receives.
  let feed: ListenerFeed | undefined;
  const feedClaims = claims?.shared ? claims : undefined;
  if (feedClaims && placement.mode !== "couchdb") {
    engine.log.warn(
      `FullSync listeners: claims shared by several servers (${feedClaims.describe()}) need an external CouchDB shared by them (fullsync.couchUrl); FullSync is ${where}, so listeners run after the device writes this server receives`,
    );
  }

  const service: FullSyncService = {
    data: (db) => {
      if (!declared.has(db) && !(groupsDeclared && db === GROUPS_DATABASE)) throw notDeclared(db);
      let data: FullSyncData;
      try {
        data = server.data(db);
      } catch {
        // Declared by the projects but refused by the server (it logged why).
        throw notDeclared(db);
      }
      return feed && db !== GROUPS_DATABASE ? markedData(data, db, feed) : data;
    },
    groups: server.groups,
  };

  const warnedListeners = new Set<string>();
  const host: ListenerHost = {
    listenersOf: (db) => listenersOf(engine, db, warnedListeners),
    queryView: async (ref, ids) => {
      if (!declared.has(ref.db)) throw notDeclared(ref.db);
      const res = (await server
        .data(ref.db)
        .query(`${ref.designDocument}/${ref.view}`, { keys: ids, include_docs: true, conflicts: true })) as {
        rows?: ViewRow[];
      };
      return res.rows ?? [];
    },
    runSequence: (ref, docs, user, signal) => runListenerSequence(engine, ref, docs, user, signal),
    log: (level, message, project) => engine.log.log(level, message, project),
  };
  const listeners = new ListenerRunner(
    host,
    feedClaims && placement.mode === "couchdb"
      ? { claims: feedClaims, origins: (db, revs) => feed!.origins(db, revs) }
      : undefined,
  );
  if (feedClaims && placement.mode === "couchdb") {
    feed = new ListenerFeed(
      {
        databases: () => [...declared],
        listenersOf: host.listenersOf,
        changes: (db, since, limit) => server.data(db).changes({ since, limit }),
        log: host.log,
      },
      feedClaims,
      listeners,
      { ...opts.listenerFeed, scope: placement.couch.url.replace(/\/+$/, "") },
    );
  }

  let debounce: NodeJS.Timeout | undefined;
  const stopWatching = engine.workspace.onChange(() => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void redeclare(), 50);
    debounce.unref();
  });
  let stopPushes: (() => void) | undefined;
  try {
    await redeclare();
    if (feed) {
      const f = feed;
      chain = chain.then(() => f.sync());
      await chain;
      // A device write through this server: its database's feed is read at once.
      stopPushes = server.onDevicePush((push: DevicePush) => f.ring(push.db));
      engine.log.info(
        `FullSync listeners follow the change feeds, their runs claimed in ${feedClaims!.describe()} as ${feedClaims!.owner}: each change runs each listener once across the servers`,
      );
    } else {
      stopPushes = server.onDevicePush((push: DevicePush) =>
        listeners.onPush({ db: push.db, ids: push.ids, user: push.principal.user }),
      );
    }
  } catch (e) {
    stopWatching();
    await feed?.close();
    await server.close();
    await dropClaims();
    throw e;
  }
  engine.setService("fullsync", service);
  engine.sessions.groupsOf = (user) => server.groups.groupsOf(user);
  const waiting = server.health().waiting;
  if (waiting.length) {
    engine.log.warn(
      `FullSync started (${where}) without its database: ${waiting[0]!.cause}. /fullsync answers 503 and FullSync transactions fail until it can be used; it tries again by itself`,
    );
  } else {
    engine.log.info(`FullSync started (${where})`);
  }

  return {
    server,
    mount: { prefix: FULLSYNC_PREFIX, handle: (req, res) => server.handle(req, res) },
    listeners,
    placement: where,
    databases: () => [...declared].sort(),
    redeclare,
    status: () => ({
      placement: where,
      databases: [...declared].sort(),
      listeners: listeners.status(),
      health: server.health(),
      ...(feed ? { feeds: feed.status() } : {}),
    }),
    listenersSettled: async (timeoutMs) => {
      await feed?.settled(timeoutMs);
      await listeners.whenIdle();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      clearTimeout(debounce);
      stopWatching();
      stopPushes?.();
      await feed?.close();
      // Runs stopped here give their claims back (another server runs them).
      await listeners.close();
      await chain;
      if (engine.services.fullsync === service) engine.setService("fullsync", undefined);
      engine.sessions.groupsOf = undefined;
      await server.close();
      await dropClaims();
    },
  };
}

/** The enabled, valid listeners of a database in the loaded projects. */
function listenersOf(engine: Engine, db: string, warned: Set<string>): ListenerRef[] {
  const out: ListenerRef[] = [];
  for (const { project, connector } of fullSyncConnectors(engine.workspace.projects.values())) {
    if (connector.props.databaseName !== db) continue;
    const root = engine.project(project)?.root;
    if (!root) continue;
    for (const l of connector.children) {
      if (l.type !== "FullSyncListener" || !propOrDefault<boolean>(l, "enabled")) continue;
      if (l.issues?.length) {
        const message = `FullSync listener ${project}.${connector.name}.${l.name} is invalid (${l.issues[0]?.message}); it does not run`;
        // Said once per problem, not at every push.
        if (!warned.has(message)) {
          warned.add(message);
          engine.log.warn(message, project);
        }
        continue;
      }
      // A number property may hold a ${setting}: resolved with the project's settings.
      const num = (name: string) => {
        let v: unknown = propOrDefault(l, name);
        try {
          if (typeof v === "string") v = resolvePlaceholders(v, (n) => engine.settingsFor(root).lookup(n));
        } catch (e) {
          engine.log.warn(`FullSync listener ${project}.${connector.name}.${l.name}: ${name}: ${(e as Error).message}`);
        }
        const n = Number(v);
        return Number.isFinite(n) ? n : Number(propDefault("FullSyncListener", name));
      };
      out.push({
        project,
        connector: connector.name,
        name: l.name,
        db,
        targetSequence: String(l.props.targetSequence),
        designDocument: String(l.props.designDocument),
        view: String(l.props.view),
        chunkSize: num("chunkSize"),
        maxRetries: num("maxRetries"),
        retryDelayMs: num("retryDelayMs"),
      });
    }
  }
  return out;
}

/** Runs a listener's target sequence with the documents, as their owner. */
async function runListenerSequence(
  engine: Engine,
  ref: ListenerRef,
  docs: FullSyncDocument[],
  user: string | undefined,
  signal: AbortSignal,
): Promise<{ ok: true } | { ok: false; code: string | number; message: string }> {
  const project = engine.project(ref.project);
  const seq = project?.root.children.find((c) => c.type === "Sequence" && c.name === ref.targetSequence);
  if (seq && !seq.children.some((c) => c.type === "Variable" && c.name === "doc")) {
    return {
      ok: false,
      code: "missing_variable",
      message: `the sequence ${ref.project}.${ref.targetSequence} declares no variable "doc" (add a multi-valued json variable doc to receive the documents)`,
    };
  }
  const session = engine.sessions.transient();
  if (user) session.setUser(user);
  const result = await engine.run({
    project: ref.project,
    sequence: ref.targetSequence,
    inputs: { doc: docs },
    session,
    signal,
  });
  if (result.ok) return { ok: true };
  return { ok: false, code: result.error?.code ?? "error", message: result.error?.message ?? "the sequence failed" };
}

/**
 * FullSync was asked for and could not start (its data folder held by another engine, a
 * configuration it refuses...): said once in the log, and from then on by everything that needs
 * it. `/fullsync/...` answers a CouchDB-shaped 503 with the cause (PouchDB clients take it as a
 * server error and retry), and FullSync transactions and group steps fail with it.
 */
export function fullSyncNotStarted(engine: Engine, error: unknown): RawMount {
  const cause = describeError(error);
  engine.log.error(`FullSync did not start: ${cause}. /fullsync and FullSync transactions are unavailable.`);
  engine.setService("fullsyncDown", cause);
  const body = JSON.stringify({ error: "service_unavailable", reason: `FullSync did not start: ${cause}` });
  return {
    prefix: FULLSYNC_PREFIX,
    handle: (req, res) => {
      req.resume();
      res.writeHead(503, {
        "content-type": "application/json",
        "cache-control": "no-store",
        "retry-after": "30",
        "content-length": Buffer.byteLength(body),
      });
      res.end(req.method === "HEAD" ? undefined : body);
    },
  };
}

/** Ids of documents given to a write (those without one get one here, so the write can be marked). */
function withId(doc: FullSyncDoc): FullSyncDoc {
  return doc && typeof doc === "object" && !Array.isArray(doc) && doc._id === undefined
    ? { ...doc, _id: randomUUID() }
    : doc;
}

function idsOf(docs: readonly FullSyncDoc[]): string[] {
  return docs.map((d) => d?._id).filter((id): id is string => typeof id === "string" && id !== "");
}

/** Revisions a write stored, from its results. */
function storedRevs(results: unknown): [string, string][] {
  if (!Array.isArray(results)) return [];
  const out: [string, string][] = [];
  for (const r of results as { ok?: unknown; id?: unknown; rev?: unknown; error?: unknown }[]) {
    if (r && typeof r.id === "string" && typeof r.rev === "string" && r.rev && !r.error) out.push([r.id, r.rev]);
  }
  return out;
}

/**
 * A database's data whose writes are marked as the engine's (servers sharing claims): the
 * changes they make run no listener, as on one server, where listeners run after device writes
 * only (a listener's sequence may update the documents it is given without running itself again).
 */
function markedData(data: FullSyncData, db: string, feed: ListenerFeed): FullSyncData {
  return {
    ...data,
    put: (doc) =>
      feed.markedWrite(
        db,
        idsOf([doc]),
        () => data.put(doc),
        (r) => storedRevs([r]),
      ),
    post: (doc) => {
      const d = withId(doc);
      return feed.markedWrite(
        db,
        idsOf([d]),
        () => data.post(d),
        (r) => storedRevs([r]),
      );
    },
    bulkDocs: (docs, opts) => {
      if (!Array.isArray(docs)) return data.bulkDocs(docs, opts);
      const replicated = opts?.new_edits === false;
      const prepared = replicated ? docs : docs.map(withId);
      return feed.markedWrite(
        db,
        idsOf(prepared),
        () => data.bulkDocs(prepared, opts),
        (results) =>
          replicated
            ? prepared.flatMap((d): [string, string][] =>
                typeof d?._id === "string" && typeof d._rev === "string" ? [[d._id, d._rev]] : [],
              )
            : storedRevs(results),
      );
    },
    remove: (id, rev) =>
      feed.markedWrite(
        db,
        typeof id === "string" ? [id] : [],
        () => data.remove(id, rev),
        (r) => storedRevs([r]),
      ),
  };
}
