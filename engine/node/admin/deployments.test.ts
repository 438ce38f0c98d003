import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yazl from "yazl";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { buildCar } from "../deploy/car.ts";
import { DeployError, Deployments, KEEP_VERSIONS } from "./deployments.ts";

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/workspace");
const temps: string[] = [];
async function temp(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "atelier-deploys-"));
  temps.push(d);
  return d;
}
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

const ada = { user: "ada", via: "password", from: "127.0.0.1", projects: ["*"] };
let engine: Engine;
let deployments: Deployments;
let data: string;

beforeEach(async () => {
  data = await temp();
  engine = await Engine.open({ workspaceDir: data, projectDirs: [], log: new EngineLog({ level: "silent" }) });
  deployments = new Deployments(data, engine);
});

/** A copy of the Demo project, changed by `edit`, as a .car. */
async function demoCar(edit?: (dir: string) => Promise<void>): Promise<Buffer> {
  const dir = path.join(await temp(), "Demo");
  await cp(path.join(EXAMPLES, "Demo"), dir, { recursive: true });
  await edit?.(dir);
  return (await buildCar(dir, "test")).bytes;
}

/** The same, zipped without buildCar's checks (a client that sends anything). */
async function rawDemoCar(edit: (dir: string) => Promise<void>): Promise<Buffer> {
  const dir = path.join(await temp(), "Demo");
  await cp(path.join(EXAMPLES, "Demo"), dir, { recursive: true });
  await edit(dir);
  const z = new yazl.ZipFile();
  const visit = async (abs: string, rel: string) => {
    for (const e of await readdir(abs, { withFileTypes: true })) {
      if (e.isDirectory()) await visit(path.join(abs, e.name), `${rel}/${e.name}`);
      else z.addBuffer(await readFile(path.join(abs, e.name)), `${rel}/${e.name}`);
    }
  };
  await visit(dir, "Demo");
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function greet(): Promise<unknown> {
  const r = await engine.run({ project: "Demo", sequence: "Greet", inputs: { name: "Ada" } });
  return r.ok ? r.output : r.error;
}

async function refused(p: Promise<unknown>): Promise<DeployError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DeployError);
  return e as DeployError;
}

const renameGreeting = (text: string) => (dir: string) =>
  writeFile(
    path.join(dir, "sequences", "Greet.yaml"),
    // The greeting's text is the only thing that changes between versions.
    "",
  ).then(async () => {
    const src = await readFile(path.join(EXAMPLES, "Demo", "sequences", "Greet.yaml"), "utf8");
    await writeFile(path.join(dir, "sequences", "Greet.yaml"), src.replace(`'"Hello, "`, `'"${text}"`));
  });

describe("deploying a project", () => {
  it("serves it, then serves the next version; in-flight trees are kept", async () => {
    const first = await deployments.deploy({ bytes: await demoCar(), replaces: null, by: ada });
    expect(first).toMatchObject({ project: "Demo", version: 1 });
    expect(await greet()).toEqual({ greeting: "Hello, Ada!" });
    const before = engine.project("Demo")!.root;
    const second = await deployments.deploy({ bytes: await demoCar(renameGreeting("Hi, ")), replaces: 1, by: ada });
    expect(second).toMatchObject({ version: 2, replaced: 1 });
    expect(await greet()).toEqual({ greeting: "Hi, Ada!" });
    // The old tree is untouched (a run that started on it finishes on it).
    expect(engine.project("Demo")!.root).not.toBe(before);
    const state = await deployments.state("Demo");
    expect(state).toMatchObject({
      current: 2,
      versions: [{ version: 1 }, { version: 2, replaced: 1, deployedBy: "ada" }],
    });
  });

  it("refuses a conflicting deploy naming who deployed in between, unless forced", async () => {
    await deployments.deploy({ bytes: await demoCar(), replaces: null, by: ada });
    await deployments.deploy({ bytes: await demoCar(), replaces: 1, by: { ...ada, user: "bob" } });
    const e = await refused(deployments.deploy({ bytes: await demoCar(), replaces: 1, by: ada }));
    expect(e.status).toBe(409);
    expect(e.message).toMatch(/at version 2, deployed by bob on .*--force/);
    expect((await deployments.deploy({ bytes: await demoCar(), replaces: 1, force: true, by: ada })).version).toBe(3);
  });

  it("every bad archive or project is refused and the serving version stays as it was", async () => {
    await deployments.deploy({ bytes: await demoCar(), replaces: null, by: ada });
    const root = engine.project("Demo")!.root;
    const stateBefore = JSON.stringify(await deployments.state("Demo"));
    const cases: [Promise<Buffer> | Buffer, number, RegExp][] = [
      [Buffer.from("not a zip"), 400, /not a readable zip/],
      [
        rawDemoCar((d) =>
          writeFile(path.join(d, "sequences", "Greet.yaml"), "type: Sequence\nname: Greet\nid: g\nchildren: [\n"),
        ),
        422,
        /Greet\.yaml/,
      ],
      [
        rawDemoCar(async (d) => {
          const f = path.join(d, "sequences", "Greet.yaml");
          await writeFile(
            f,
            "versions:\n  Sequence: 99\n" + (await readFile(f, "utf8")).replace(/^versions:\n(?: {2}.*\n)*/, ""),
          );
        }),
        422,
        /newer Atelier: Sequence objects are at version 99 there, this Atelier reads up to version 2/,
      ],
      [
        rawDemoCar(async (d) => {
          const f = path.join(d, "sequences", "Greet.yaml");
          await writeFile(f, (await readFile(f, "utf8")).replace("type: Sequence", "type: Sequence\ntimeoutMs: -5"));
        }),
        422,
        /Greet/,
      ],
    ];
    for (const [bytes, status, message] of cases) {
      const e = await refused(deployments.deploy({ bytes: await bytes, replaces: 1, by: ada }));
      expect(e.status, e.message).toBe(status);
      expect(e.message).toMatch(message);
      expect(engine.project("Demo")!.root).toBe(root);
      expect(JSON.stringify(await deployments.state("Demo"))).toBe(stateBefore);
    }
    expect(await greet()).toEqual({ greeting: "Hello, Ada!" });
    // No staging folder left behind.
    expect((await readdir(path.join(data, "projects", "Demo"))).sort()).toEqual(["state.json", "v1"]);
  });

  it("refuses what the credential's scope does not cover", async () => {
    const e = await refused(deployments.deploy({ bytes: await demoCar(), by: { ...ada, projects: ["Other"] } }));
    expect(e).toMatchObject({ status: 403, code: "out_of_scope" });
    expect(engine.project("Demo")).toBeUndefined();
  });

  it("keeps the last versions, rolls back to the previous or a chosen one, and loads again after a restart", async () => {
    for (let i = 0; i < KEEP_VERSIONS + 2; i++) {
      await deployments.deploy({ bytes: await demoCar(renameGreeting(`V${i + 1}, `)), by: ada });
    }
    const state = (await deployments.state("Demo"))!;
    expect(state.current).toBe(KEEP_VERSIONS + 2);
    expect(state.versions.map((v) => v.version)).toEqual([3, 4, 5, 6, 7]);
    expect((await readdir(path.join(data, "projects", "Demo"))).filter((f) => f.startsWith("v")).sort()).toEqual([
      "v3",
      "v4",
      "v5",
      "v6",
      "v7",
    ]);
    expect((await deployments.rollback("Demo", undefined, ada)).version).toBe(6);
    expect(await greet()).toEqual({ greeting: "V6, Ada!" });
    expect((await deployments.rollback("Demo", 4, ada)).version).toBe(4);
    expect(await greet()).toEqual({ greeting: "V4, Ada!" });
    expect((await refused(deployments.rollback("Demo", 1, ada))).status).toBe(404);
    // A restart serves what was serving.
    const again = await Engine.open({ workspaceDir: data, projectDirs: [], log: new EngineLog({ level: "silent" }) });
    await new Deployments(data, again).loadAll();
    const r = await again.run({ project: "Demo", sequence: "Greet", inputs: { name: "Ada" } });
    expect(r.output).toEqual({ greeting: "V4, Ada!" });
    // A deploy after a rollback gets a new number and replaces the version serving.
    expect(await deployments.deploy({ bytes: await demoCar(), replaces: 4, by: ada })).toMatchObject({
      version: 8,
      replaced: 4,
    });
  });
});

describe("staging", () => {
  it("extracts and reads the project in a worker thread, and refuses the same way", async () => {
    const { stage } = await import("./stage.ts");
    const dir = path.join(await temp(), "Demo");
    const r = await stage({
      bytes: await demoCar(),
      dir,
      limits: (await import("../deploy/car.ts")).DEFAULT_CAR_LIMITS,
    });
    expect(r.ran).toBe("worker");
    expect(r.problems).toEqual([]);
    expect(r.loaded.root.children.map((c) => c.name)).toContain("Greet");
    const e = await stage({
      bytes: Buffer.from("no zip"),
      dir: path.join(await temp(), "X"),
      limits: (await import("../deploy/car.ts")).DEFAULT_CAR_LIMITS,
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeployError);
    expect((e as DeployError).status).toBe(400);
  });
});
