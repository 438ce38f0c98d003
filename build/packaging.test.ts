/**
 * The cluster packaging (Dockerfile, deploy/compose, deploy/helm) against the server it packages.
 * Docker and Kubernetes are not on these machines, so nothing here builds an image or applies a
 * manifest. What is checked instead:
 *  - every YAML file parses; the flags the files pass to `atelier server` exist (read from
 *    server-commands.ts, so a renamed flag fails here); ports, probe paths, the user id and the
 *    secrets' environment variables agree across the Dockerfile, compose, HAProxy and the chart;
 *  - the chart's templates, by text: every `.Values` path they read exists in values.yaml, every
 *    helper they include is defined, their blocks balance; and, when a helm binary is there
 *    (ATELIER_HELM or `helm` on the PATH; CI has none), `helm lint` and `helm template` of the
 *    chart without its subcharts, the rendered objects checked against each other and the server;
 *  - the image's files laid out as the Dockerfile copies them (the compiled engine built into a
 *    temporary /app, the production dependencies of package-lock.json alone), then its
 *    ENTRYPOINT run for real: ready on /health/ready, the HEALTHCHECK command passing, SIGTERM
 *    ending it cleanly; again with compose's command line against a real redis-server; and
 *    HAProxy (when installed: .ci/run installs it) with compose's configuration in front of three.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { startRedis, type TestRedis } from "../engine/node/testing/redis.ts";

const root = path.resolve(import.meta.dirname, "..");
const read = (rel: string) => readFileSync(path.join(root, rel), "utf8");

// ---- `atelier server`'s flags, from its source -------------------------------------------------

/** The flags of `atelier server` and their defaults, as server-commands.ts declares them. */
function serverFlags(): Map<string, string | undefined> {
  const source = read("engine/node/cli/server-commands.ts");
  const start = source.indexOf('.command("server")');
  const end = source.indexOf(".action(", start);
  expect(start, "server-commands.ts declares the server command").toBeGreaterThan(0);
  const block = source.slice(start, end);
  const flags = new Map<string, string | undefined>();
  const option = /\.(?:requiredOption|option)\(\s*"(--[\w-]+)[^"]*",\s*"(?:[^"\\]|\\.)*"\s*(?:,\s*"([^"]*)")?/g;
  for (const m of block.matchAll(option)) flags.set(m[1]!, m[2]);
  return flags;
}
const flags = serverFlags();
const defaultPort = Number(flags.get("--port"));
/** Flags the cluster files use that the lead is adding to server-commands.ts in parallel. */
const PENDING_FLAGS = new Set(["--couchdb"]);

/** The --flags of an argument list, each checked against the server's (pending ones once declared). */
function expectKnownFlags(args: readonly string[], where: string): void {
  for (const a of args.filter((x) => x.startsWith("--"))) {
    if (PENDING_FLAGS.has(a) && !flags.has(a)) continue;
    expect(flags.has(a), `${where}: atelier server has no flag ${a}`).toBe(true);
  }
}

// ---- Dockerfile ---------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  steps: Instruction[];
}

/** The Dockerfile's stages and their instructions (continuation lines joined, comments dropped). */
function dockerfile(): { args: Map<string, string>; stages: Stage[] } {
  const text = read("Dockerfile")
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n")
    .replace(/\\\n/g, " ");
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!;
    const rest = m[2]!.trim();
    if (op === "ARG" && !stages.length) {
      const [k, v] = rest.split("=");
      args.set(k!, v ?? "");
    } else if (op === "FROM") {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest)!;
      const image = f[1]!.replace(/\$\{(\w+)\}/g, (_, k: string) => args.get(k) ?? "");
      stages.push({ from: image, ...(f[2] ? { name: f[2] } : {}), steps: [] });
    } else {
      stages.at(-1)?.steps.push({ op, args: rest });
    }
  }
  return { args, stages };
}
const docker = dockerfile();
const runtime = docker.stages.at(-1)!;
const step = (s: Stage, op: string) => s.steps.filter((i) => i.op === op);
const entrypoint: string[] = JSON.parse(step(runtime, "ENTRYPOINT")[0]!.args) as string[];
const userId = Number(step(runtime, "USER")[0]!.args.split(":")[0]);
/** The runtime stage's ENV (KEY=value pairs). */
const imageEnv: Record<string, string> = Object.fromEntries(
  step(runtime, "ENV").flatMap((e) => e.args.split(/\s+/).map((kv) => kv.split("=") as [string, string])),
);

// ---- compose and HAProxy --------------------------------------------------------------------------

type ComposeService = {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  healthcheck?: unknown;
  read_only?: boolean;
};
const compose = parse(read("deploy/compose/compose.yaml"), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const atelierServices = Object.keys(compose.services).filter((n) => /^atelier-\d+$/.test(n));
/** `${VAR:-default}` as compose substitutes it with VAR unset. */
const substitute = (s: string) => s.replace(/\$\{\w+:-([^}]*)\}/g, "$1");

const haproxy = read("deploy/compose/haproxy.cfg");
/** HAProxy's sections: name line → its lines (comments dropped). */
function haproxySections(): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] = [];
  for (const raw of haproxy.split("\n")) {
    const line = raw.replace(/#.*$/, "").trimEnd();
    if (!line.trim()) continue;
    if (/^\S/.test(line)) sections.set(line.trim(), (current = []));
    else current.push(line.trim());
  }
  return sections;
}

// ---- the chart ----------------------------------------------------------------------------------

const chartDir = "deploy/helm/atelier";
const chart = parse(read(`${chartDir}/Chart.yaml`)) as {
  apiVersion: string;
  name: string;
  dependencies: { name: string; repository: string; version: string; condition: string }[];
};
const values = parse(read(`${chartDir}/values.yaml`)) as Record<string, unknown>;
const templates = new Map(
  readdirSync(path.join(root, chartDir, "templates")).map((f) => [f, read(`${chartDir}/templates/${f}`)]),
);
const valueAt = (dotted: string): unknown =>
  dotted
    .split(".")
    .reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), values);

describe("the Dockerfile", () => {
  it("builds in stages and runs on node 20 slim (bookworm)", () => {
    expect(docker.stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime.from).toMatch(/^node:20(\.[\d.]+)?-bookworm-slim$/);
    const build = docker.stages.find((s) => step(s, "RUN").some((r) => /npm run build:engine/.test(r.args)));
    expect(build, "a stage runs npm run build:engine").toBeDefined();
    expect(step(build!, "RUN").some((r) => /npm ci\b/.test(r.args))).toBe(true);
  });

  it("ships the production dependencies and the compiled engine only", () => {
    // No install in the runtime stage; its node_modules come from a stage that omitted dev deps.
    expect(step(runtime, "RUN").some((r) => /npm (ci|install|i)\b/.test(r.args))).toBe(false);
    const copies = step(runtime, "COPY").map((c) => c.args);
    const modules = copies.find((c) => /node_modules/.test(c))!;
    const from = /--from=(\S+)/.exec(modules)![1];
    const deps = docker.stages.find((s) => s.name === from)!;
    expect(step(deps, "RUN").some((r) => /npm ci\b.*--omit=dev/.test(r.args))).toBe(true);
    expect(step(deps, "RUN").some((r) => /npm (ci|install)\b(?!.*--omit=dev)/.test(r.args))).toBe(false);
    // What the runtime stage copies: node_modules, package.json, dist/, the health check; no sources.
    const sources = copies.map((c) => c.replace(/--\S+\s+/g, "").split(/\s+/)[0]!);
    expect(sources.sort()).toEqual(
      ["/app/node_modules", "/src/dist", "deploy/docker/healthcheck.mjs", "package.json"].sort(),
    );
    // No renderer/: a server serves no Studio (the run below has none either).
  });

  it("runs as a fixed non-root uid, with /data as its volume and the server's port exposed", () => {
    expect(imageEnv).toEqual({ NODE_ENV: "production" });
    expect(userId).toBeGreaterThan(0);
    expect(step(runtime, "RUN").some((r) => r.args.includes(`--uid ${userId}`))).toBe(true);
    expect(step(runtime, "VOLUME")[0]!.args).toContain('"/data"');
    expect(Number(step(runtime, "EXPOSE")[0]!.args)).toBe(defaultPort);
  });

  it("runs `atelier server` on 0.0.0.0, the default port and /data, and checks /health/live with node", () => {
    expect(entrypoint.slice(0, 3)).toEqual(["node", "/app/dist/atelier.mjs", "server"]);
    const opt = (name: string) => entrypoint[entrypoint.indexOf(name) + 1];
    expect(opt("--host")).toBe("0.0.0.0");
    expect(opt("--data")).toBe("/data");
    expect(Number(opt("--port"))).toBe(defaultPort);
    expectKnownFlags(entrypoint.slice(3), "ENTRYPOINT");
    expect(step(runtime, "HEALTHCHECK")[0]!.args).toMatch(/CMD \["node", "\/app\/deploy\/docker\/healthcheck\.mjs"\]/);
    expect(read("deploy/docker/healthcheck.mjs")).toContain(`http://127.0.0.1:${defaultPort}/health/live`);
  });

  it("has a .dockerignore keeping dependencies, builds and secrets out of the context", () => {
    const ignored = read(".dockerignore").split("\n");
    for (const p of ["**/node_modules", "dist", ".git", ".env", "**/.atelier"]) expect(ignored).toContain(p);
  });
});

describe("deploy/compose", () => {
  it("runs three servers of the image, each on its own data volume, with Redis and CouchDB", () => {
    expect(atelierServices).toEqual(["atelier-1", "atelier-2", "atelier-3"]);
    const dataVolumes = new Set<string>();
    for (const name of atelierServices) {
      const s = compose.services[name]!;
      expect(s.build).toEqual({ context: "../..", dockerfile: "Dockerfile" });
      expect(existsSync(path.join(root, "deploy/compose", s.build!.context, s.build!.dockerfile))).toBe(true);
      const data = s.volumes!.find((v) => v.endsWith(":/data"))!;
      dataVolumes.add(data.split(":")[0]!);
      expect(Object.keys(compose.volumes)).toContain(data.split(":")[0]);
      expect(s.expose).toEqual([String(defaultPort)]);
      expect(s.read_only).toBe(true);
    }
    expect(dataVolumes.size).toBe(3);
    expect(compose.services.redis!.image).toMatch(/^redis:\d+$/);
    expect(compose.services.couchdb!.image).toMatch(/^couchdb:3(\.\d+)*$/);
    expect(compose.services.couchdb!.healthcheck).toBeDefined();
    expect(compose.services.redis!.healthcheck).toBeDefined();
  });

  it("gives each server --redis and --couchdb, the CouchDB password only through its environment", () => {
    for (const name of atelierServices) {
      const s = compose.services[name]!;
      const args = s.command!.map(substitute);
      expectKnownFlags(args, `compose ${name}`);
      const opt = (n: string) => args[args.indexOf(n) + 1]!;
      expect(opt("--redis")).toBe("redis://redis:6379");
      const couch = new URL(opt("--couchdb"));
      expect(couch.host).toBe("couchdb:5984");
      expect(couch.password, "no password in the --couchdb URL").toBe("");
      expect(s.environment!.ATELIER_COUCH_PASSWORD).toMatch(/^\$\{COUCHDB_PASSWORD:\?/);
      expect(s.environment!.ATELIER_SECRET_KEY).toMatch(/^\$\{ATELIER_SECRET_KEY:\?/);
    }
    expect(compose.services.couchdb!.environment!.COUCHDB_PASSWORD).toMatch(/^\$\{COUCHDB_PASSWORD:\?/);
    const example = read("deploy/compose/.env.example");
    expect(example).toMatch(/^COUCHDB_PASSWORD=$/m);
    expect(example).toMatch(/^ATELIER_SECRET_KEY=$/m);
  });

  it("balances round robin over the three servers without stickiness, checking /health/ready", () => {
    const lb = compose.services.lb!;
    expect(lb.image).toMatch(/^haproxy:\d+\.\d+$/);
    expect(lb.volumes).toContain("./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro");
    const sections = haproxySections();
    const backend = sections.get("backend atelier")!;
    expect(backend).toContain("balance roundrobin");
    expect(backend).toContain("option httpchk GET /health/ready");
    expect(backend).toContain("http-check expect status 200");
    const servers = backend.filter((l) => l.startsWith("server "));
    expect(servers.map((l) => l.split(/\s+/).slice(1, 3))).toEqual(
      atelierServices.map((n) => [n, `${n}:${defaultPort}`]),
    );
    for (const [name, lines] of sections) {
      for (const l of lines) {
        expect(l, `${name}: no sticky sessions`).not.toMatch(/^(cookie|stick|stick-table|appsession)\b|balance source/);
      }
    }
    const frontend = sections.get("frontend atelier_http")!;
    expect(frontend).toContain("option forwardfor");
    expect(frontend.some((l) => /^http-request set-header X-Forwarded-Proto /.test(l))).toBe(true);
    const bind = /^bind :(\d+)$/.exec(frontend.find((l) => l.startsWith("bind "))!)![1];
    expect(lb.ports!.map((p) => substitute(p).split(":").at(-1))).toContain(bind);
  });
});

describe("deploy/helm/atelier", () => {
  it("references the official Redis and CouchDB charts by repository, each behind a condition", () => {
    expect(chart.apiVersion).toBe("v2");
    const dep = (n: string) => chart.dependencies.find((d) => d.name === n)!;
    expect(dep("redis").repository).toBe("oci://registry-1.docker.io/bitnamicharts");
    expect(dep("couchdb").repository).toBe("https://apache.github.io/couchdb-helm");
    for (const d of chart.dependencies) {
      expect(d.version, `${d.name}: a version range`).toMatch(/^>=[\d.]+ <[\d.]+$/);
      expect(valueAt(d.condition), `${d.condition} in values.yaml`).toBe(true);
      expect(valueAt(`external${d.name === "redis" ? "Redis" : "Couchdb"}.url`)).toBe("");
    }
    // Referenced, not copied.
    expect(existsSync(path.join(root, chartDir, "charts"))).toBe(false);
  });

  it("has values that agree with the server and the image", () => {
    expect(valueAt("server.port")).toBe(defaultPort);
    expect(valueAt("probes.liveness.path")).toBe("/health/live");
    expect(valueAt("probes.readiness.path")).toBe("/health/ready");
    expect(valueAt("podSecurityContext.runAsNonRoot")).toBe(true);
    expect(valueAt("podSecurityContext.runAsUser")).toBe(userId);
    expect(valueAt("securityContext.readOnlyRootFilesystem")).toBe(true);
    expect(valueAt("securityContext.allowPrivilegeEscalation")).toBe(false);
    expect(Number(valueAt("terminationGracePeriodSeconds"))).toBeGreaterThan(Number(valueAt("preStopSleepSeconds")));
  });

  it("templates read only values that exist and include only helpers that are defined", () => {
    const helpers = new Set([...templates.get("_helpers.tpl")!.matchAll(/define "([\w.]+)"/g)].map((m) => m[1]!));
    for (const [file, text] of templates) {
      for (const m of text.matchAll(/\.Values((?:\.\w+)+)/g)) {
        expect(valueAt(m[1]!.slice(1)), `${file}: .Values${m[1]} is not in values.yaml`).not.toBeUndefined();
      }
      for (const m of text.matchAll(/(?:include|template) "([\w.]+)"/g)) {
        expect(helpers.has(m[1]!), `${file}: helper ${m[1]} is not defined`).toBe(true);
      }
      const opens = [...text.matchAll(/\{\{-?\s*(if|with|range|define)\b/g)].length;
      const ends = [...text.matchAll(/\{\{-?\s*end\s*-?\}\}/g)].length;
      expect(ends, `${file}: {{ end }} for each if/with/range/define`).toBe(opens);
    }
  });

  it("has a Deployment with the probes, the drain, the flags and the secrets from Secrets", () => {
    const d = templates.get("deployment.yaml")!;
    expect(d).toContain("containerPort: {{ .Values.server.port }}");
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) expect(d).toContain(`${probe}:`);
    expect(d).toContain("path: {{ .Values.probes.liveness.path }}");
    expect(d).toContain("path: {{ .Values.probes.readiness.path }}");
    expect(d.match(/port: http$/gm)).toHaveLength(3);
    expect(d).toContain("terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}");
    expect(d).toMatch(/preStop:/);
    expect(d).toMatch(/mountPath: \/data\n/);
    const args = [...d.matchAll(/^\s+- (--[\w-]+)$/gm)].map((m) => m[1]!);
    expect(args).toEqual(expect.arrayContaining(["--port", "--redis", "--couchdb", "--public-url"]));
    expectKnownFlags(args, "deployment.yaml");
    for (const env of ["ATELIER_SECRET_KEY", "ATELIER_COUCH_PASSWORD", "ATELIER_REDIS_PASSWORD"]) {
      expect(d).toMatch(new RegExp(`- name: ${env}\\n\\s+valueFrom:\\n\\s+secretKeyRef:`));
    }
    // The Redis password reaches --redis through the env ($(VAR) in args), never a literal.
    expect(templates.get("_helpers.tpl")).toContain(":$(ATELIER_REDIS_PASSWORD)@");
    // The subcharts' Secrets and Services, by their charts' naming.
    expect(templates.get("_helpers.tpl")).toContain('printf "%s-couchdb" .Release.Name');
    expect(templates.get("_helpers.tpl")).toContain("-svc-couchdb:5984");
  });

  it("has a Service, an optional Ingress without sticky sessions, an HPA on CPU and a PDB", () => {
    expect(templates.get("service.yaml")).toContain("targetPort: http");
    expect(templates.get("service.yaml")).toContain("sessionAffinity: None");
    expect(templates.get("ingress.yaml")).toMatch(/^\{\{- if \.Values\.ingress\.enabled \}\}/);
    expect(templates.get("ingress.yaml")).toContain("apiVersion: networking.k8s.io/v1");
    expect(templates.get("hpa.yaml")).toContain("apiVersion: autoscaling/v2");
    expect(templates.get("hpa.yaml")).toMatch(/name: cpu\n/);
    expect(templates.get("pdb.yaml")).toContain("apiVersion: policy/v1");
    expect(templates.has("NOTES.txt")).toBe(true);
    // Comments dropped: what is set, not what is said.
    const all = [...templates.values(), read(`${chartDir}/values.yaml`)].join("\n").replace(/(^|\s)#.*$/gm, "");
    expect(all).not.toMatch(/\/affinity|session-cookie|sticky|sessionAffinity: ClientIP|upstream-hash-by/i);
  });
});

/** A helm binary when there is one (ATELIER_HELM, else `helm` on the PATH); CI has none. */
const helmBin =
  process.env.ATELIER_HELM ?? (spawnSync("helm", ["version"], { encoding: "utf8" }).status === 0 ? "helm" : undefined);

type Manifest = { kind: string; apiVersion: string; metadata: { name: string }; spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.skipIf(!helmBin)("deploy/helm/atelier rendered by helm", () => {
  let dir: string;
  beforeAll(() => {
    // A copy without the dependencies: the subcharts cannot be fetched here, and the templates
    // only use their names.
    const tmp = mkdtempSync(path.join(os.tmpdir(), "atelier-chart-"));
    dir = path.join(tmp, "atelier");
    cpSync(path.join(root, chartDir), dir, { recursive: true });
    const { dependencies: _, ...withoutDeps } = chart;
    writeFileSync(path.join(dir, "Chart.yaml"), JSON.stringify(withoutDeps));
    return () => rmSync(tmp, { recursive: true, force: true });
  });

  function render(sets: string[]): Manifest[] {
    const r = spawnSync(helmBin!, ["template", "rel", dir, ...sets.flatMap((v) => ["--set", v])], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    return parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null);
  }
  const find = (ms: Manifest[], kind: string) => ms.find((m) => m.kind === kind);
  type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };

  it("passes helm lint", () => {
    const r = spawnSync(helmBin!, ["lint", dir], { encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("renders, with the defaults and an Ingress, objects that fit together and the server", () => {
    const ms = render(["ingress.enabled=true"]);
    expect(ms.map((m) => `${m.apiVersion} ${m.kind}`).sort()).toEqual(
      [
        "apps/v1 Deployment",
        "autoscaling/v2 HorizontalPodAutoscaler",
        "networking.k8s.io/v1 Ingress",
        "policy/v1 PodDisruptionBudget",
        "v1 Secret",
        "v1 Service",
      ].sort(),
    );
    const deployment = find(ms, "Deployment")!;
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(deployment.spec.replicas, "the HPA sets it").toBeUndefined();
    expect(container.ports).toEqual([{ name: "http", containerPort: defaultPort, protocol: "TCP" }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: "/health/live", port: "http", scheme: "HTTP" });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/health/ready", port: "http", scheme: "HTTP" });
    expect(container.startupProbe.httpGet.path).toBe("/health/live");
    expect(container.args).toEqual([
      "--port",
      String(defaultPort),
      "--redis",
      "redis://:$(ATELIER_REDIS_PASSWORD)@rel-redis-master:6379",
      "--couchdb",
      "http://admin@rel-svc-couchdb:5984",
      "--public-url",
      "https://atelier.example.com/",
    ]);
    expectKnownFlags(container.args as string[], "rendered Deployment");
    const env = (name: string) => (container.env as EnvVar[]).find((e) => e.name === name);
    expect(env("ATELIER_COUCH_PASSWORD")).toEqual({
      name: "ATELIER_COUCH_PASSWORD",
      valueFrom: { secretKeyRef: { name: "rel-couchdb", key: "adminPassword" } },
    });
    expect(env("ATELIER_REDIS_PASSWORD")).toEqual({
      name: "ATELIER_REDIS_PASSWORD",
      valueFrom: { secretKeyRef: { name: "rel-redis", key: "redis-password" } },
    });
    const secret = find(ms, "Secret") as Manifest & { data: Record<string, string> };
    expect(env("ATELIER_SECRET_KEY")?.valueFrom?.secretKeyRef).toEqual({
      name: secret.metadata.name,
      key: "secret-key",
    });
    expect(Buffer.from(secret.data["secret-key"]!, "base64").toString()).toMatch(/^[0-9a-f]{64}$/);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: userId });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container.volumeMounts).toEqual(expect.arrayContaining([{ name: "data", mountPath: "/data" }]));
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(5);
    expect(container.lifecycle.preStop.exec.command[0]).toBe("node");
    // Service → the container's port; Ingress → the Service; HPA → the Deployment; PDB → the pods.
    const labels = deployment.spec.template.metadata.labels as Record<string, string>;
    const service = find(ms, "Service")!;
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports[0].targetPort).toBe("http");
    expect(service.spec.sessionAffinity).toBe("None");
    const backend = find(ms, "Ingress")!.spec.rules[0].http.paths[0].backend.service;
    expect(backend).toEqual({ name: service.metadata.name, port: { name: "http" } });
    expect(find(ms, "HorizontalPodAutoscaler")!.spec.scaleTargetRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: deployment.metadata.name,
    });
    expect(find(ms, "PodDisruptionBudget")!.spec.selector.matchLabels).toEqual(labels);
  });

  it("renders external Redis and CouchDB, HTTPS in the pods and fixed replicas", () => {
    const ms = render([
      "redis.enabled=false",
      "externalRedis.url=rediss://redis.example:6380/1",
      "externalRedis.existingSecret=redis-secret",
      "couchdb.enabled=false",
      "externalCouchdb.url=https://atelier@couch.example:6984",
      "externalCouchdb.existingSecret=couch-secret",
      "server.tls.enabled=true",
      "server.tls.secretName=atelier-pod-tls",
      "server.secretKey.existingSecret=my-key",
      "autoscaling.enabled=false",
    ]);
    expect(ms.map((m) => m.kind).sort()).toEqual(["Deployment", "PodDisruptionBudget", "Service"]);
    const deployment = find(ms, "Deployment")!;
    const [container] = deployment.spec.template.spec.containers;
    expect(deployment.spec.replicas).toBe(3);
    expect(container.args).toEqual([
      "--port",
      String(defaultPort),
      "--redis",
      "rediss://:$(ATELIER_REDIS_PASSWORD)@redis.example:6380/1",
      "--couchdb",
      "https://atelier@couch.example:6984",
      "--tls-cert",
      "/tls/tls.crt",
      "--tls-key",
      "/tls/tls.key",
    ]);
    expect(container.readinessProbe.httpGet.scheme).toBe("HTTPS");
    const env = (name: string) => (container.env as EnvVar[]).find((e) => e.name === name);
    expect(env("ATELIER_HEALTH_URL")).toEqual({
      name: "ATELIER_HEALTH_URL",
      value: `https://127.0.0.1:${defaultPort}/health/live`,
    });
    expect(env("ATELIER_SECRET_KEY")?.valueFrom?.secretKeyRef.name).toBe("my-key");
    expect(env("ATELIER_COUCH_PASSWORD")?.valueFrom?.secretKeyRef).toEqual({
      name: "couch-secret",
      key: "adminPassword",
    });
    expect(env("ATELIER_REDIS_PASSWORD")?.valueFrom?.secretKeyRef).toEqual({
      name: "redis-secret",
      key: "redis-password",
    });
  });

  it("refuses an external Redis without its URL", () => {
    const r = spawnSync(helmBin!, ["template", "rel", dir, "--set", "redis.enabled=false"], { encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("externalRedis.url is required");
  });
});

describe("every YAML file of deploy/ parses", () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (/\.ya?ml$/.test(e.name) && !rel.startsWith(`${chartDir}/templates/`)) files.push(rel);
    }
  };
  walk("deploy");
  it.each(files)("%s", (rel) => {
    for (const doc of parseAllDocuments(read(rel), { merge: true })) expect(doc.errors).toEqual([]);
  });
});

// ---- the image's entry command, run --------------------------------------------------------------

describe("the image's entry command, on the image's files", () => {
  let tmp: string;
  let app: string;
  let redis: TestRedis | undefined;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "atelier-image-"));
    app = path.join(tmp, "app");
    mkdirSync(app);
    // COPY package.json ./ and COPY --from=build /src/dist ./dist (built as the build stage does).
    cpSync(path.join(root, "package.json"), path.join(app, "package.json"));
    const built = spawnSync(
      process.execPath,
      ["--import", "tsx", "build/build-engine.ts", "--outdir", path.join(app, "dist")],
      { cwd: root, encoding: "utf8" },
    );
    expect(built.status, built.stderr).toBe(0);
    // COPY deploy/docker/healthcheck.mjs ./deploy/docker/healthcheck.mjs
    mkdirSync(path.join(app, "deploy/docker"), { recursive: true });
    cpSync(path.join(root, "deploy/docker/healthcheck.mjs"), path.join(app, "deploy/docker/healthcheck.mjs"));
    // npm ci --omit=dev: the lock's packages not marked dev, linked into the app's node_modules;
    // NODE_OPTIONS=--preserve-symlinks (below) makes Node resolve from there, so a dev
    // dependency cannot be found.
    const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { dev?: boolean }> };
    for (const [key, meta] of Object.entries(lock.packages)) {
      const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key);
      if (!m || meta.dev || !existsSync(path.join(root, key))) continue;
      mkdirSync(path.dirname(path.join(app, key)), { recursive: true });
      symlinkSync(path.join(root, key), path.join(app, key));
    }
    redis = await startRedis();
  }, 120_000);

  afterAll(async () => {
    await redis?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** The image's paths on this machine: /app → the staged app, /data → a fresh temp folder. */
  function localArgv(argv: string[], data: string): string[] {
    return argv.map((a) => (a === "/data" ? data : a.replace(/^\/app\//, `${app}/`)));
  }

  /** A free loopback port (the server's URL line names --public-url when given, not its address). */
  function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
  }

  /** Runs an argv as the container would (cwd /app), waiting for the server's URL line. */
  function run(argv: string[]) {
    const child: ChildProcess = spawn(argv[0] === "node" ? process.execPath : argv[0]!, argv.slice(1), {
      cwd: app,
      env: { ...process.env, ...imageEnv, NODE_OPTIONS: "--preserve-symlinks", ATELIER_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const url = new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (l) => {
        const m = /^Atelier server: (\S+)/.exec(l);
        if (m) resolve(m[1]!);
      });
      void exited.then((code) => reject(new Error(`exit ${code}: ${stderr}`)));
    });
    return { child, url, exited };
  }

  async function expectReady(url: string): Promise<void> {
    await vi.waitFor(async () => expect((await fetch(new URL("/health/ready", url))).status).toBe(200), {
      timeout: 30_000,
      interval: 100,
    });
  }

  it("the compiled CLI imports only production dependencies", () => {
    const dist = path.join(app, "dist");
    const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { dev?: boolean }> };
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(path.join(dist, file), "utf8");
      const specs =
        /(?:^|\n)\s*(?:import|export)\s[^"'`;]*?from\s*"([^"]+)"|(?:^|\n)\s*import\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g;
      for (const m of code.matchAll(specs)) {
        const spec = (m[1] ?? m[2] ?? m[3])!;
        if (spec.startsWith("./")) visit(spec.slice(2));
        else if (!spec.startsWith("node:"))
          bare.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
      }
    };
    // The CLI, and the workers it starts beside itself.
    for (const f of ["atelier.mjs", "sandbox-worker.mjs", "stage-worker.mjs"]) visit(f);
    expect(seen.size).toBeGreaterThan(3);
    expect([...bare]).toEqual(expect.arrayContaining(["fastify", "@redis/client", "pouchdb", "quickjs-emscripten"]));
    for (const pkg of bare) {
      const meta = lock.packages[`node_modules/${pkg}`];
      expect(meta, `${pkg} is in package-lock.json`).toBeDefined();
      expect(meta!.dev, `${pkg} is a dev dependency, which the image does not have`).not.toBe(true);
    }
  });

  it("serves, is ready, passes the HEALTHCHECK and stops cleanly on SIGTERM", async () => {
    const data = mkdtempSync(path.join(tmp, "data-"));
    // The ENTRYPOINT as is, plus a free port and the loopback (the container listens on 0.0.0.0).
    const s = run([...localArgv(entrypoint, data), "--port", "0", "--host", "127.0.0.1"]);
    try {
      const url = await s.url;
      await expectReady(url);
      expect((await fetch(new URL("/health/live", url))).status).toBe(200);
      // Its root page, without any renderer/ (a server serves no Studio).
      expect(existsSync(path.join(app, "renderer"))).toBe(false);
      expect((await fetch(url)).status).toBe(200);
      // The HEALTHCHECK's command, pointed at this server; and failing where nothing answers.
      const check = JSON.parse(/CMD (\[.*\])/.exec(step(runtime, "HEALTHCHECK")[0]!.args)![1]!) as string[];
      const healthcheck = (target: string) =>
        spawnSync(process.execPath, localArgv(check, data).slice(1), {
          cwd: app,
          env: { ...process.env, ATELIER_HEALTH_URL: target },
          encoding: "utf8",
          timeout: 10_000,
        }).status;
      expect(healthcheck(new URL("/health/live", url).href)).toBe(0);
      expect(healthcheck(new URL("/health/nothing-here", url).href)).toBe(1);
      // The admin commands of the image's `atelier` wrapper: node /app/dist/atelier.mjs.
      const added = spawnSync(
        process.execPath,
        [path.join(app, "dist/atelier.mjs"), "admin", "add-user", "--data", data, "--user", "ada"],
        {
          cwd: app,
          input: "a long password\n",
          encoding: "utf8",
          env: { ...process.env, NODE_OPTIONS: "--preserve-symlinks" },
        },
      );
      expect(added.status, added.stderr).toBe(0);
    } finally {
      s.child.kill("SIGTERM");
    }
    // SIGTERM: the server drains and exits with 0.
    expect(await s.exited).toBe(0);
  }, 90_000);

  /** A compose service's command with the Redis here, and without --couchdb (no CouchDB here). */
  function composeArgs(service: string): string[] {
    const args = compose.services[service]!.command!.map(substitute);
    const out: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === "--couchdb") i++;
      else out.push(args[i] === "redis://redis:6379" ? redis!.url : args[i]!);
    }
    return out;
  }

  it("runs compose's command line against a real Redis (without CouchDB, not available here)", async () => {
    const data = mkdtempSync(path.join(tmp, "data-"));
    const args = compose.services["atelier-1"]!.command!.map(substitute);
    const withoutCouch = composeArgs("atelier-1");
    const port = await freePort();
    const s = run([...localArgv(entrypoint, data), ...withoutCouch, "--port", String(port), "--host", "127.0.0.1"]);
    try {
      expect(await s.url).toBe(substitute(args[args.indexOf("--public-url") + 1]!));
      const url = `http://127.0.0.1:${port}/`;
      await expectReady(url);
      const who = await fetch(new URL("/services/user.Get", url), { method: "POST" });
      expect(await who.json()).toMatchObject({ authenticated: false });
    } finally {
      s.child.kill("SIGTERM");
    }
    expect(await s.exited).toBe(0);
  }, 90_000);

  it.skipIf(spawnSync("haproxy", ["-v"]).status !== 0)(
    "HAProxy with compose's config: valid, round robin over three servers, calls go on while one drains",
    async () => {
      const cfgFile = path.join(root, "deploy/compose/haproxy.cfg");
      const checked = spawnSync("haproxy", ["-c", "-f", cfgFile], { encoding: "utf8" });
      expect(checked.status, checked.stdout + checked.stderr).toBe(0);
      const servers = [];
      for (const name of atelierServices) {
        const port = await freePort();
        const data = mkdtempSync(path.join(tmp, "data-"));
        const argv = [
          ...localArgv(entrypoint, data),
          ...composeArgs(name),
          "--port",
          String(port),
          "--host",
          "127.0.0.1",
        ];
        servers.push({ name, port, ...run(argv) });
      }
      let lb: ChildProcess | undefined;
      try {
        for (const s of servers) {
          await s.url;
          await expectReady(`http://127.0.0.1:${s.port}/`);
        }
        // The same file, with compose's names replaced by these servers' addresses.
        const lbPort = await freePort();
        let cfg = haproxy;
        const swap = (from: string | RegExp, to: string) => {
          const next = cfg.replace(from, to);
          expect(next, `haproxy.cfg has ${String(from)}`).not.toBe(cfg);
          cfg = next;
        };
        swap(/^ {2}bind :8080$/m, `  bind 127.0.0.1:${lbPort}`);
        swap(/ resolvers docker$/m, "");
        for (const s of servers) swap(` ${s.name}:${defaultPort}`, ` 127.0.0.1:${s.port}`);
        const local = path.join(tmp, "haproxy.cfg");
        writeFileSync(local, cfg);
        lb = spawn("haproxy", ["-db", "-f", local], { stdio: ["ignore", "pipe", "pipe"] });
        let log = "";
        lb.stdout!.on("data", (d: Buffer) => (log += d));
        lb.stderr!.on("data", (d: Buffer) => (log += d));
        const viaLb = `http://127.0.0.1:${lbPort}`;
        await expectReady(viaLb);

        // Round robin: 30 calls, 10 per server while all three are up (HAProxy's log names the
        // server of each; a health check missed on a loaded machine may skew it a little).
        // Counted by their own marker in the log (HAProxy logs as it likes: a line of the readiness
        // poll above may come after them). HAProxy drops a log line it cannot write at once to
        // stdout (it never waits on its logs), which a loaded machine makes happen: most lines are
        // asked for, and the share of each server among those logged.
        for (let i = 0; i < 30; i++) expect((await fetch(`${viaLb}/health/live?rr=${i}`)).status).toBe(200);
        const roundRobin = () => log.split("\n").filter((l) => /\/health\/live\?rr=\d+/.test(l));
        await vi.waitFor(() => expect(roundRobin().length).toBeGreaterThanOrEqual(24), { timeout: 15_000 });
        const logged = roundRobin().length;
        for (const s of servers) {
          const served = roundRobin().filter((l) => l.includes(` atelier/${s.name} `)).length;
          expect(served, s.name).toBeGreaterThanOrEqual(Math.floor(logged / 6));
          expect(served, s.name).toBeLessThanOrEqual(Math.ceil(logged / 2));
        }

        // A drain: calls keep coming from 4 clients while atelier-2 gets SIGTERM. With compose's
        // --drain-seconds, it says it is not ready first (HAProxy takes it out), still serving;
        // then it closes, serving what reaches it on connections it has: no call fails.
        const statuses = new Map<number, number>();
        let stop = false;
        let calls = 0;
        const client = async () => {
          while (!stop && calls < 20_000) {
            calls++;
            const r = await fetch(`${viaLb}/services/user.Get`, { method: "POST" }).catch(() => undefined);
            await r?.arrayBuffer();
            const status = r?.status ?? 0;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }
        };
        const clients = Promise.all([client(), client(), client(), client()]);
        await vi.waitFor(() => expect(calls).toBeGreaterThan(100), { timeout: 20_000, interval: 20 });
        const draining = servers[1]!;
        draining.child.kill("SIGTERM");
        expect(await draining.exited).toBe(0);
        const after = calls;
        await vi.waitFor(() => expect(calls).toBeGreaterThan(after + 200), { timeout: 20_000, interval: 20 });
        stop = true;
        await clients;
        const failed = calls - (statuses.get(200) ?? 0);
        expect(failed, JSON.stringify(Object.fromEntries(statuses))).toBe(0);
        expect([...statuses.keys()].filter((k) => k !== 200 && k !== 503 && k !== 0)).toEqual([]);
      } finally {
        lb?.kill("SIGTERM");
        for (const s of servers) s.child.kill("SIGTERM");
        await Promise.all(servers.map((s) => s.exited));
      }
    },
    120_000,
  );
});
