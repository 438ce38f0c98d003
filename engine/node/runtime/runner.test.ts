import { describe, expect, it } from "vitest";
import type { ObjNode } from "../../common/model/node.ts";
import type { HttpRequest, LogLevel, RunServices } from "../../common/model/typedef.ts";
import { Runner, type RunnableProject, type RunnerDeps } from "./runner.ts";
import { Session } from "./sessions.ts";

// The runner is built here from plain pieces, with no Engine, no workspace folder and no server:
// what it needs is exactly RunnerDeps.

/** An object of a project tree; ids follow the names (`Shop/Main/greeting`). */
function obj(type: string, name: string, props: Record<string, unknown> = {}, children: ObjNode[] = []): ObjNode {
  return { id: name, type, name, props, children };
}

function withIds(n: ObjNode, parent = ""): ObjNode {
  const id = parent ? `${parent}/${n.name}` : n.name;
  return { ...n, id, children: n.children.map((c) => withIds(c, id)) };
}

function project(name: string, children: ObjNode[]): RunnableProject {
  return { name, root: withIds(obj("Project", name, {}, children)) };
}

function pieces(projects: RunnableProject[], extra: Partial<RunnerDeps> = {}) {
  const logged: { level: LogLevel; message: string; project?: string }[] = [];
  const secrets: string[] = [];
  const requests: HttpRequest[] = [];
  const sessions: Session[] = [];
  const services: RunServices = {
    http: {
      async request(req) {
        requests.push(req);
        return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ price: 12 }) };
      },
    },
  };
  const deps: RunnerDeps = {
    projects: {
      get: (n) => projects.find((p) => p.name === n),
      failures: new Map([["Broken", "project.yaml: bad indentation (line 3)"]]),
    },
    settings: () => ({
      lookup: (n) => ({ prefix: "Dear", token: "s3cret-token" })[n],
      secrets: ["s3cret-token"],
    }),
    services,
    log: {
      log: (level, message, p) => logged.push({ level, message, ...(p ? { project: p } : {}) }),
      addSecrets: (values) => secrets.push(...values),
    },
    sessions: {
      transient: () => {
        const s = new Session(undefined, 60);
        sessions.push(s);
        return s;
      },
    },
    ...extra,
  };
  return { deps, runner: new Runner(deps), logged, secrets, requests, sessions, services };
}

const shop = project("Shop", [
  obj("HttpConnector", "Api", { server: "prices.example", isDefault: true }, [
    obj("JsonHttpTransaction", "Price", { path: "/price" }, [obj("Variable", "item")]),
  ]),
  obj("Sequence", "Main", {}, [
    obj("Variable", "who", { default: "world" }),
    obj("Element", "greeting", { expression: "'Hello ' + who" }),
    obj("Element", "polite", { value: "${prefix} reader" }),
    obj("Log", "note", { level: "warn", value: "using ${token}" }),
    obj("CallSequence", "inner", { project: "Lib", sequence: "Double" }, [obj("StepVariable", "x", { value: 21 })]),
    obj("CallTransaction", "price", { transaction: "Price" }, [obj("StepVariable", "item", { value: "lamp" })]),
    obj("Element", "doubled", { source: { step: "Shop/Main/inner", path: "double" } }),
    obj("Element", "cost", { source: { step: "Shop/Main/price", path: "data.price" } }),
  ]),
  obj("Sequence", "Spin", {}, [obj("SequenceJS", "spin", { code: "while (true) {}" })]),
]);

const lib = project("Lib", [
  obj("Sequence", "Double", { accessibility: "Private" }, [
    obj("Variable", "x", { dataType: "number" }),
    obj("Element", "double", { expression: "x * 2" }),
  ]),
]);

describe("Runner built from plain pieces", () => {
  it("runs a sequence: JavaScript, settings, the log, nested calls across projects, a transaction", async () => {
    const { runner, logged, secrets, requests, sessions } = pieces([shop, lib]);
    const r = await runner.run({ project: "Shop", sequence: "Main", inputs: { who: "Ada" }, trace: true });
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ greeting: "Hello Ada", polite: "Dear reader", doubled: 42, cost: 12 });
    // Its own session store gave the run's session; its own HTTP client made the call.
    expect(sessions).toHaveLength(1);
    expect(requests.map((q) => q.url)).toEqual(["http://prices.example/price?item=lamp"]);
    // Secret settings reach the log to be masked there, and are masked before the log sees them.
    expect(secrets).toContain("s3cret-token");
    expect(logged).toContainEqual({ level: "warn", message: "using ••••••", project: "Shop" });
    // The trace nests the called sequence and the transaction under their steps.
    const depthOf = (name: string) => r.trace?.find((e) => e.name === name)?.depth;
    expect([depthOf("inner"), depthOf("double"), depthOf("Price")]).toEqual([0, 1, 1]);
  });

  it("honours the output flag: hidden steps give sources their value, calls may add their result", async () => {
    // Convertigo's flag as its projects set it: a request body built out of the response
    // (lib_Bitly), calls whose result is the response (output: true on Call Sequence/Transaction).
    const flags = project("Flags", [
      obj("Sequence", "Main", {}, [
        obj("JsonObject", "body", { output: false }, [
          obj("Element", "long_url", { value: "https://www.convertigo.com" }),
          obj("JsonArray", "tags", {}, [obj("Element", "tag", { value: "a" })]),
        ]),
        obj("Element", "hidden", { value: 7, output: false }),
        obj("SequenceJS", "js", { code: 'step("Flags/Main/body").long_url + " " + step("hidden")' }),
        obj("Element", "seen", { source: { step: "Flags/Main/js" } }),
        obj("CallSequence", "inner", { project: "Lib", sequence: "Double", output: true }, [
          obj("StepVariable", "x", { value: 2 }),
        ]),
        obj("CallTransaction", "price", { project: "Shop", transaction: "Price", output: true }),
      ]),
    ]);
    const { runner } = pieces([flags, shop, lib]);
    const r = await runner.run({ project: "Flags", sequence: "Main", inputs: {}, trace: true });
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ seen: "https://www.convertigo.com 7", inner: { double: 4 }, price: { price: 12 } });
    // The hidden object was built whole (its children added to it), and traced as the step's output.
    expect(r.trace?.find((e) => e.name === "body")?.output).toEqual({
      long_url: "https://www.convertigo.com",
      tags: ["a"],
    });
  });

  it("runs a transaction by its connector's defaults", async () => {
    const { runner, requests } = pieces([shop]);
    const r = await runner.run({ project: "Shop", inputs: { item: "desk" } });
    expect(r).toMatchObject({ ok: true, output: { price: 12 } });
    expect(requests[0]?.url).toBe("http://prices.example/price?item=desk");
  });

  it("uses the session it is given, and applies the rules for outside callers", async () => {
    const { runner, sessions } = pieces([shop, lib]);
    const session = new Session("given", 60);
    const r = await runner.run({ project: "Lib", sequence: "Double", inputs: { x: "2" }, session, fromOutside: true });
    expect(r.error).toMatchObject({ code: "private_requestable", status: 403 });
    expect(sessions).toHaveLength(0);
    const inside = await runner.run({ project: "Lib", sequence: "Double", inputs: { x: "2" }, session });
    expect(inside.output).toEqual({ double: 4 });
  });

  it("answers missing projects and sequences in Convertigo's shape, saying why a project did not load", async () => {
    const { runner } = pieces([shop]);
    expect(runner.projectFailure("Broken")).toBe("project.yaml: bad indentation (line 3)");
    const broken = await runner.run({ project: "Broken", sequence: "Main", inputs: {} });
    expect(broken.error).toMatchObject({
      code: "unknown_project",
      status: 404,
      message: 'The project "Broken" could not be loaded: project.yaml: bad indentation (line 3)',
    });
    const none = await runner.run({ project: "Shop", sequence: "Nope", inputs: {} });
    expect(none.error).toMatchObject({ code: "unknown_sequence", status: 404 });
    const nested = await runner.run({ project: "Shop", sequence: "Main", inputs: {} });
    expect(nested.error).toMatchObject({ code: "unknown_project", step: { name: "inner", project: "Shop" } });
  });

  it("gives JavaScript its sandbox limits", async () => {
    const { runner } = pieces([shop], { limits: { sandbox: { timeLimitMs: 100 } } });
    expect(runner.sandboxLimits.timeLimitMs).toBe(100);
    const started = Date.now();
    const r = await runner.run({ project: "Shop", sequence: "Spin", inputs: {} });
    expect(r.error?.code).toBe("js_timeout");
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("sees a service set on its services after it was made", async () => {
    const { runner, services } = pieces([shop]);
    const urls: string[] = [];
    services.http = {
      async request(req) {
        urls.push(req.url);
        return { status: 200, headers: {}, body: "[1]" };
      },
    };
    const r = await runner.run({ project: "Shop", connector: "Api", transaction: "Price", inputs: {} });
    expect(r.output).toEqual([1]);
    expect(urls).toEqual(["http://prices.example/price"]);
  });
});
