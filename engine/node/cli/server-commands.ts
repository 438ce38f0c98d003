/**
 * The CLI's server and deploy commands:
 *
 *   atelier server --data DIR [--host H] [--port N] [--tls-cert F --tls-key F] [--public-url URL]
 *   atelier admin add-user|remove-user|list-users --data DIR ...
 *   atelier psc create|list|revoke --data DIR ...
 *   atelier targets import|list|remove ...          (this machine's deployment targets)
 *   atelier deploy --project DIR --psc FILE|TEXT|ID [--force] [--require-tests]
 *   atelier rollback --project NAME --psc FILE|TEXT|ID [--to N]
 *
 * Heavy modules (the server, the deploy client) are loaded by the commands that use them, so
 * `atelier run` does not pay for them.
 */
import { CommanderError, type Command } from "commander";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ApiError } from "../../common/http/api-error.ts";
import type { AdminStore, Role } from "../admin/admin-store.ts";
import type { DocStore } from "../cluster/shared-docs.ts";
import type { ServerTarget } from "../deploy/admin-client.ts";
import type { TargetStore, TargetSummary } from "../deploy/targets.ts";

// What the commands use is loaded when one runs (`await import()`), so that registering them costs
// the CLI's start nothing (`atelier run` and `--help` parse none of it).

/** The admin roles (admin-store.ts's ROLES, named here for the help without loading the store). */
const ROLE_NAMES = ["deploy", "configure", "view"] as const satisfies readonly Role[];
// Fails to compile when a role is added to admin-store.ts and not here.
const allRolesNamed: Exclude<Role, (typeof ROLE_NAMES)[number]> extends never ? true : never = true;
void allRolesNamed;

export interface ServerCliDeps {
  atelierVersion: string;
  out: (text: string) => void;
  /** Reads a secret (a password) from standard input. */
  readStdin: () => Promise<string>;
  env?: NodeJS.ProcessEnv;
}

/** Connections the admin commands opened to a cluster's Redis, closed when the command ends. */
const opened: DocStore[] = [];

export async function closeCliConnections(): Promise<void> {
  for (const d of opened.splice(0)) await d.close();
}

const CLUSTER_REDIS =
  "a cluster's Redis (the same URL its servers run with): users, PSC tokens and setting values are the cluster's, kept there";

async function docsFor(o: { redis?: string }, env: NodeJS.ProcessEnv): Promise<DocStore> {
  const { FileDocs, RedisDocs } = await import("../cluster/shared-docs.ts");
  if (!o.redis) return new FileDocs();
  const docs = await RedisDocs.connect({ url: o.redis, prefix: env.ATELIER_CLUSTER_PREFIX || "atelier:" });
  opened.push(docs);
  return docs;
}

/** The admin store of a server's data folder (or of a cluster's Redis with --redis). */
async function adminStore(o: { data: string; redis?: string }, env: NodeJS.ProcessEnv): Promise<AdminStore> {
  const { AdminStore } = await import("../admin/admin-store.ts");
  return new AdminStore(o.data, await docsFor(o, env));
}

/** This machine's deployment targets. */
async function targetStore(env: NodeJS.ProcessEnv): Promise<TargetStore> {
  const { TargetStore, userConfigDir } = await import("../deploy/targets.ts");
  return new TargetStore(userConfigDir(env));
}

/** Where the deploy client keeps its state (targets.ts's userConfigDir). */
async function stateDir(env: NodeJS.ProcessEnv): Promise<string> {
  return (await import("../deploy/targets.ts")).userConfigDir(env);
}

function fail(message: string): never {
  throw new CommanderError(2, "atelier.server", message);
}

/** `--trust-proxy`: addresses, CIDRs or proxy-addr's names; never everything. */
function trustedProxies(text: string): string[] {
  const list = text
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  if (!list.length || list.length > 100) fail("--trust-proxy takes 1 to 100 addresses, CIDRs or names");
  for (const x of list) {
    if (x === "*" || x === "0.0.0.0/0" || x === "::/0" || x === "true") {
      fail(`--trust-proxy "${x}" would let any client say its own address: name the balancers`);
    }
    if (!/^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(x)) {
      fail(`--trust-proxy: "${x}" is not an IP address, a CIDR, or loopback / linklocal / uniquelocal`);
    }
  }
  return list;
}

/** `--couchdb URL`: its credentials from the URL or ATELIER_COUCH_USER / ATELIER_COUCH_PASSWORD. */
function couchTarget(text: string, env: NodeJS.ProcessEnv): { url: string; username?: string; password?: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(`--couchdb must be a URL (http://host:5984), not "${text.replace(/\/\/[^@/]*@/, "//***@")}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") fail("--couchdb must be an http:// or https:// URL");
  const username = env.ATELIER_COUCH_USER || (url.username ? decodeURIComponent(url.username) : undefined);
  const password = env.ATELIER_COUCH_PASSWORD || (url.password ? decodeURIComponent(url.password) : undefined);
  url.username = "";
  url.password = "";
  return {
    url: url.toString(),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

/** A PSC given on the command line: its text, a file holding it, or the id of an imported target. */
async function targetFrom(psc: string, env: NodeJS.ProcessEnv): Promise<{ target: ServerTarget; label: string }> {
  let text = psc.trim();
  const { readPscText } = await import("../deploy/targets.ts");
  const store = await targetStore(env);
  if (!/^(atlpsc1_|x[0-9a-fA-F]{32})/.test(text)) {
    const known = (await store.list()).find((t) => t.id === text);
    if (known) {
      const { target } = await store.connect(known.id);
      return { target, label: `${known.url} (${known.id})` };
    }
    try {
      text = (await readFile(psc, "utf8")).trim();
    } catch {
      fail(`--psc: "${psc.slice(0, 40)}" is neither a PSC, a file holding one, nor an imported target id`);
    }
  }
  const read = readPscText(text);
  if (read.length !== 1)
    fail(
      `This Convertigo PSC names ${read.length} servers: import it (atelier targets import) and give --psc <target id>`,
    );
  const t = read[0]!;
  const credentials = t.kind === "psc" ? { psc: t.secret } : { user: t.user, password: t.secret };
  return { target: { url: t.url, ...(t.pin ? { pin: t.pin } : {}), credentials }, label: `${t.url} (${t.id})` };
}

/** A target in one line: id, server, user, scope, expiry, and "legacy" for Convertigo PSCs. */
function describeTarget(s: TargetSummary): string {
  return `${s.id}: ${s.url} as ${s.user}, projects ${s.projects.join(", ")}${s.expires ? `, expires ${s.expires}` : ""}${s.note ? ` (${s.note})` : ""}`;
}

async function describeFailure(e: unknown): Promise<never> {
  const { PscError } = await import("../deploy/psc.ts");
  if (e instanceof ApiError) {
    const details = e.details as { problems?: string[] } | undefined;
    const more = details?.problems?.length ? `\n  ${details.problems.slice(0, 20).join("\n  ")}` : "";
    throw new CommanderError(1, "atelier.deploy", `${e.message}${more}`);
  }
  if (e instanceof PscError) throw new CommanderError(2, "atelier.psc", e.message);
  throw e;
}

export function serverCommands(program: Command, deps: ServerCliDeps): void {
  const env = deps.env ?? process.env;
  const out = deps.out;

  program
    .command("server")
    .description("run an Atelier server: the deployed projects, the admin API, health checks (no Studio)")
    .requiredOption("--data <dir>", "the server's data folder (created if missing)")
    .option("--host <host>", "the address to listen on", "127.0.0.1")
    .option("--port <n>", "the port (0: a free one)", "8443")
    .option("--tls-cert <file>", "the TLS certificate (PEM): HTTPS")
    .option("--tls-key <file>", "the TLS private key (PEM)")
    .option("--public-url <url>", "the URL clients reach this server at (written into PSCs)")
    .option(
      "--redis <url>",
      "run as one server of a cluster: sessions, admin users, PSC tokens, setting values, deploy statuses, audit and heartbeats in this Redis (redis://[user:password@]host:port[/db] or rediss://), shared by every server behind one load balancer",
    )
    .option(
      "--couchdb <url>",
      "an external CouchDB for FullSync's databases and the deployments (followed by every server through its change feed); its password in ATELIER_COUCH_PASSWORD, not in the URL",
    )
    .option(
      "--trust-proxy <list>",
      "the load balancers in front (comma-separated IPs or CIDRs, or loopback / uniquelocal): their X-Forwarded-For and X-Forwarded-Proto are believed (the client's address; HTTPS ended at the balancer gives Secure cookies)",
    )
    .option(
      "--lease-seconds <n>",
      "in a cluster: how long a server's claim on a job's tick or a FullSync listener's change holds without renewal (after a crash, another server takes the work over after this)",
      "30",
    )
    .option(
      "--drain-seconds <n>",
      "on SIGTERM, answer 503 on /health/ready for this long (so a load balancer stops sending calls) before closing",
      "0",
    )
    .action(
      async (o: {
        data: string;
        host: string;
        port: string;
        tlsCert?: string;
        tlsKey?: string;
        publicUrl?: string;
        redis?: string;
        couchdb?: string;
        drainSeconds: string;
        leaseSeconds: string;
        trustProxy?: string;
      }) => {
        if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) fail("give both --tls-cert and --tls-key, or neither");
        const leaseSeconds = Number(o.leaseSeconds);
        if (!Number.isFinite(leaseSeconds) || leaseSeconds < 1 || leaseSeconds > 3600)
          fail(`--lease-seconds must be a number of seconds from 1 to 3600, not "${o.leaseSeconds}"`);
        const drainSeconds = Number(o.drainSeconds);
        if (!Number.isFinite(drainSeconds) || drainSeconds < 0 || drainSeconds > 300)
          fail(`--drain-seconds must be a number of seconds from 0 to 300, not "${o.drainSeconds}"`);
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, not "${o.port}"`);
        const { startAtelierServer } = await import("../admin/atelier-server.ts");
        const server = await startAtelierServer({
          dataDir: o.data,
          host: o.host,
          port,
          ...(o.tlsCert && o.tlsKey ? { tls: { certFile: o.tlsCert, keyFile: o.tlsKey } } : {}),
          ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}),
          ...(o.redis ? { redisUrl: o.redis } : {}),
          ...(o.couchdb ? { couch: couchTarget(o.couchdb, env) } : {}),
          ...(o.trustProxy ? { trustProxy: trustedProxies(o.trustProxy) } : {}),
          jobLeaseMs: leaseSeconds * 1000,
          listenerLeaseMs: leaseSeconds * 1000,
          ...(env.ATELIER_CLUSTER_PREFIX ? { clusterPrefix: env.ATELIER_CLUSTER_PREFIX } : {}),
          env,
          log: new (await import("../log.ts")).EngineLog(),
          atelierVersion: deps.atelierVersion,
        });
        out(`Atelier server: ${server.url} (data ${path.resolve(o.data)})`);
        if (server.certificatePin) out(`Certificate SHA-256: ${server.certificatePin}`);
        if (!(await server.store.listUsers()).length) {
          out(
            `No admin user yet: atelier admin add-user --data ${o.data}${o.redis ? " --redis <the same URL>" : ""} --user <name> --roles deploy,configure,view`,
          );
        }
        // Graceful shutdown: requests under way finish, then the process ends.
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off("SIGINT", stop);
            process.off("SIGTERM", stop);
            void server.drain(drainSeconds * 1000).then(resolve, resolve);
          };
          process.on("SIGINT", stop);
          process.on("SIGTERM", stop);
        });
      },
    );

  const admin = program.command("admin").description("a server's admin users (on the server's machine)");
  admin
    .command("add-user")
    .description("add an admin user; the password is read from standard input")
    .requiredOption("--data <dir>", "the server's data folder")
    .option("--redis <url>", CLUSTER_REDIS)
    .requiredOption("--user <name>", "the user name")
    .option("--roles <list>", `roles among ${ROLE_NAMES.join(", ")}`, "deploy,configure,view")
    .option("--replace", "change the password and roles of an existing user")
    .action(async (o: { data: string; redis?: string; user: string; roles: string; replace?: boolean }) => {
      const password = (await deps.readStdin()).replace(/\r?\n$/, "");
      if (!password)
        fail('give the password on standard input (e.g. printf %s "$PASSWORD" | atelier admin add-user ...)');
      const roles = o.roles
        .split(",")
        .map((r) => r.trim())
        .filter(Boolean) as Role[];
      await (await adminStore(o, env)).addUser(o.user, password, roles, o.replace === true);
      out(`Admin user ${o.user} ${o.replace ? "updated" : "added"} (roles: ${roles.join(", ")})`);
    });
  admin
    .command("remove-user")
    .requiredOption("--data <dir>", "the server's data folder")
    .option("--redis <url>", CLUSTER_REDIS)
    .requiredOption("--user <name>", "the user name")
    .action(async (o: { data: string; redis?: string; user: string }) => {
      const removed = await (await adminStore(o, env)).removeUser(o.user);
      if (!removed) fail(`There is no admin user ${o.user}`);
      out(`Admin user ${o.user} removed; their PSCs stop working`);
    });
  admin
    .command("list-users")
    .requiredOption("--data <dir>", "the server's data folder")
    .option("--redis <url>", CLUSTER_REDIS)
    .action(async (o: { data: string; redis?: string }) => {
      for (const u of await (await adminStore(o, env)).listUsers())
        out(`${u.name}: ${u.roles.join(", ")} (since ${u.createdAt})`);
    });

  const settings = program
    .command("settings")
    .description("a server's setting values per project (on the server's machine; the admin API changes them live)");
  settings
    .command("set")
    .description("set a value; --secret stores it encrypted and reads it from standard input")
    .requiredOption("--data <dir>", "the server's data folder")
    .option("--redis <url>", CLUSTER_REDIS)
    .requiredOption("--project <name>", "the deployed project")
    .requiredOption("--name <name>", "the setting's name")
    .option("--value <value>", "the value (not for secrets: give those on standard input)")
    .option("--secret", "store it encrypted with the server's key; never shown again")
    .action(
      async (o: { data: string; redis?: string; project: string; name: string; value?: string; secret?: boolean }) => {
        if (o.secret && o.value !== undefined)
          fail("a secret is read from standard input, not from --value (it would stay in the shell's history)");
        const value = o.value ?? (await deps.readStdin()).replace(/\r?\n$/, "");
        const { ServerSettings } = await import("../admin/server-settings.ts");
        await (
          await ServerSettings.open(o.data, env, await docsFor(o, env))
        ).set(o.project, o.name, value, o.secret === true);
        out(
          `${o.project}.${o.name} set${o.secret ? " (secret)" : ""}; a running server reads it at its next start (the admin API applies changes at once)`,
        );
      },
    );
  settings
    .command("list")
    .requiredOption("--data <dir>", "the server's data folder")
    .option("--redis <url>", CLUSTER_REDIS)
    .requiredOption("--project <name>", "the deployed project")
    .action(async (o: { data: string; redis?: string; project: string }) => {
      const { ServerSettings } = await import("../admin/server-settings.ts");
      for (const v of await (await ServerSettings.open(o.data, env, await docsFor(o, env))).list(o.project)) {
        out(`${v.name} = ${v.secret ? "•••••• (secret)" : JSON.stringify(v.value)}`);
      }
    });
  settings
    .command("remove")
    .requiredOption("--data <dir>", "the server's data folder")
    .option("--redis <url>", CLUSTER_REDIS)
    .requiredOption("--project <name>", "the deployed project")
    .requiredOption("--name <name>", "the setting's name")
    .action(async (o: { data: string; redis?: string; project: string; name: string }) => {
      const { ServerSettings } = await import("../admin/server-settings.ts");
      if (!(await (await ServerSettings.open(o.data, env, await docsFor(o, env))).remove(o.project, o.name)))
        fail(`${o.project} has no server value for ${o.name}`);
      out(`${o.project}.${o.name} removed: the project's own value applies`);
    });

  const psc = program.command("psc").description("personal server certificates (on the server's machine)");
  psc
    .command("create")
    .description("print a new PSC for a user: one line to give them")
    .requiredOption("--data <dir>", "the server's data folder")
    .option("--redis <url>", CLUSTER_REDIS)
    .requiredOption("--user <name>", "the admin user it acts as")
    .option("--projects <list>", "the projects it may deploy (comma-separated; * for all)", "*")
    .option("--expires <duration>", "how long it lasts (e.g. 30d, 12h, 1y)", "90d")
    .option("--label <text>", "a label to recognise it (a machine, a CI job)")
    .requiredOption("--url <url>", "the URL clients reach the server at")
    .option("--tls-cert <file>", "the server's certificate (PEM): its SHA-256 pin goes into the PSC")
    .action(
      async (o: {
        data: string;
        user: string;
        projects: string;
        expires: string;
        label?: string;
        url: string;
        tlsCert?: string;
        redis?: string;
      }) => {
        let url: URL;
        try {
          url = new URL(o.url);
        } catch {
          fail(`--url "${o.url}" is not a URL`);
        }
        if (url.protocol === "https:" && !o.tlsCert) {
          out(
            "(no --tls-cert: the PSC carries no pin; clients will check the certificate against their trusted authorities)",
          );
        }
        const { certificatePin } = await import("../admin/atelier-server.ts");
        const pin = o.tlsCert ? certificatePin(await readFile(o.tlsCert, "utf8")) : undefined;
        const { parseDuration } = await import("../deploy/psc.ts");
        const expiresInMs = (() => {
          try {
            return parseDuration(o.expires);
          } catch (e) {
            fail(`--expires: ${(e as Error).message}`);
          }
        })();
        const projects = o.projects
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean);
        const made = await (
          await adminStore(o, env)
        ).createPsc({
          user: o.user,
          url: url.toString(),
          ...(pin ? { pin } : {}),
          projects,
          expiresInMs,
          ...(o.label ? { label: o.label } : {}),
        });
        out(made.text);
        process.stderr.write(
          `PSC ${made.psc.id} for ${made.psc.user}, projects ${projects.join(", ")}, expires ${made.psc.exp}${pin ? `, pinned to ${pin.slice(0, 16)}…` : ""}\n`,
        );
      },
    );
  psc
    .command("list")
    .requiredOption("--data <dir>", "the server's data folder")
    .option("--redis <url>", CLUSTER_REDIS)
    .action(async (o: { data: string; redis?: string }) => {
      for (const t of await (await adminStore(o, env)).listTokens()) {
        const state = t.revokedAt
          ? `revoked ${t.revokedAt}`
          : Date.parse(t.exp) <= Date.now()
            ? `expired ${t.exp}`
            : `expires ${t.exp}`;
        out(`${t.id}: ${t.user}, projects ${t.projects.join(", ")}, ${state}${t.label ? `, "${t.label}"` : ""}`);
      }
    });
  psc
    .command("revoke")
    .argument("<id>", "the PSC's id (atelier psc list)")
    .requiredOption("--data <dir>", "the server's data folder")
    .option("--redis <url>", CLUSTER_REDIS)
    .action(async (id: string, o: { data: string; redis?: string }) => {
      if (!(await (await adminStore(o, env)).revoke(id))) fail(`There is no PSC ${id}`);
      out(`PSC ${id} revoked: it stops working at once`);
    });

  const targets = program.command("targets").description("this machine's deployment targets (imported PSCs)");
  targets
    .command("import")
    .argument("<psc>", "the PSC text, or a file holding it")
    .action(async (text: string) => {
      let t = text;
      if (!/^(atlpsc1_|x[0-9a-fA-F]{32})/.test(t.trim())) t = await readFile(text, "utf8").catch(() => text);
      try {
        for (const s of await (await targetStore(env)).import(t)) {
          out(describeTarget(s));
        }
      } catch (e) {
        await describeFailure(e);
      }
    });
  targets.command("list").action(async () => {
    for (const s of await (await targetStore(env)).list()) {
      out(describeTarget(s));
    }
  });
  targets
    .command("remove")
    .argument("<id>")
    .action(async (id: string) => {
      if (!(await (await targetStore(env)).remove(id))) fail(`There is no target ${id}`);
      out(`Target ${id} removed`);
    });

  program
    .command("deploy")
    .description("build a project's .car and deploy it to a server (checks first; the server swaps atomically)")
    .requiredOption("--project <dir>", "the project folder")
    .requiredOption("--psc <psc>", "the target: a PSC, a file holding one, or an imported target's id")
    .option("--force", "replace the server's version even if someone deployed since you did")
    .option("--require-tests", "run the project's test cases first; a failure stops the deploy")
    .option("--json", "print the result as JSON")
    .action(async (o: { project: string; psc: string; force?: boolean; requireTests?: boolean; json?: boolean }) => {
      const { target, label } = await targetFrom(o.psc, env).catch(describeFailure);
      const { deployProject } = await import("../deploy/deploy.ts");
      try {
        const r = await deployProject({
          projectDir: o.project,
          target,
          ...(o.force ? { force: true } : {}),
          ...(o.requireTests ? { requireTests: true } : {}),
          stateDir: await stateDir(env),
          atelierVersion: deps.atelierVersion,
          onProgress: (step) => process.stderr.write(`  ${step}\n`),
        });
        if (o.json) out(JSON.stringify(r, null, 2));
        else {
          out(
            `Deployed ${r.project} to ${label}: version ${r.version}${r.replaced !== undefined ? ` (replaces ${r.replaced})` : ""}`,
          );
          out(`  ${r.url}`);
          for (const w of r.warnings) out(`  warning: ${w}`);
        }
      } catch (e) {
        await describeFailure(e);
      }
    });

  program
    .command("rollback")
    .description("serve an earlier version of a project on a server")
    .requiredOption("--project <name>", "the project's name")
    .requiredOption("--psc <psc>", "the target: a PSC, a file holding one, or an imported target's id")
    .option("--to <version>", "the version (default: the one before the current)")
    .action(async (o: { project: string; psc: string; to?: string }) => {
      const to = o.to === undefined ? undefined : Number(o.to);
      if (to !== undefined && (!Number.isInteger(to) || to < 1)) fail(`--to must be a version number, not "${o.to}"`);
      const { target, label } = await targetFrom(o.psc, env).catch(describeFailure);
      const { rollbackProject } = await import("../deploy/deploy.ts");
      try {
        const r = await rollbackProject({
          project: o.project,
          target,
          ...(to ? { to } : {}),
          stateDir: await stateDir(env),
        });
        out(
          `${r.project} on ${label} serves version ${r.version} again${r.replaced !== undefined ? ` (was ${r.replaced})` : ""}`,
        );
      } catch (e) {
        await describeFailure(e);
      }
    });
}
