import { describe, expect, it, vi } from "vitest";
import type { ObjNode } from "../../common/model/node.ts";
import type { TypeDef } from "../../common/model/typedef.ts";
import { findObjects, findReferences, type ProjectsView } from "./find.ts";

// A type that exists only in this test: its reference properties must be found by findReferences
// from its definition alone, as a new type's would be (find.ts names no type).
const { nightlyJob } = vi.hoisted(() => {
  const nightlyJob: TypeDef = {
    type: "NightlyJob",
    label: "Nightly job",
    category: "listener",
    icon: "listener",
    description: "A test type that runs a sequence every night.",
    accepts: [],
    props: [
      { name: "inProject", label: "Project", kind: "reference", refers: "project", help: "Its project." },
      {
        name: "run",
        label: "Sequence",
        kind: "reference",
        refers: "sequence",
        qualifiedBy: { project: "inProject" },
        help: "The sequence run.",
      },
      { name: "afterStep", label: "After step", kind: "reference", refers: "step", help: "A step, by id." },
    ],
  };
  return { nightlyJob };
});

vi.mock("../../common/types/index.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../common/types/index.ts")>();
  return { ...original, allTypes: [...original.allTypes, nightlyJob] };
});

const n = (
  id: string,
  type: string,
  name: string,
  props: Record<string, unknown> = {},
  children: ObjNode[] = [],
): ObjNode => ({ id, type, name, props, children });

const shopRoot = n("shop", "Project", "Shop", {}, [
  n("api", "HttpConnector", "Api", { isDefault: true }, [n("get", "JsonHttpTransaction", "Get")]),
  n("fs", "FullSyncConnector", "Data", {}, [
    n("lis", "FullSyncListener", "OnPush", { targetSequence: "Main", designDocument: "d", view: "v" }),
  ]),
  n("main", "Sequence", "Main", {}, [n("prep", "SequenceJS", "prepare", { code: "1" })]),
  n("caller", "Sequence", "Caller", {}, [
    n("cs", "CallSequence", "callMain", { sequence: "Main" }),
    n("ct", "CallTransaction", "callGet", { transaction: "Get" }),
  ]),
  n("job", "NightlyJob", "nightly", { run: "Main", afterStep: "prep" }),
]);
const otherRoot = n("other", "Project", "Other", {}, [
  n("ojob", "NightlyJob", "remote", { inProject: "Shop", run: "Main" }),
  n("ojob2", "NightlyJob", "local", { run: "Main" }),
]);
const ws: ProjectsView = {
  projects: new Map([
    ["Shop", { name: "Shop", root: shopRoot }],
    ["Other", { name: "Other", root: otherRoot }],
  ]),
};

describe("find references", () => {
  it("finds the calls of a sequence, its FullSync listener, and a type declared in a test", () => {
    const refs = findReferences(ws, "Shop", "main");
    expect(refs.map((r) => [r.project, r.name, r.field, r.excerpt])).toEqual([
      ["Shop", "OnPush", "targetSequence", "Main"],
      ["Shop", "callMain", "sequence", "Main"],
      ["Shop", "nightly", "run", "Main"],
      ["Other", "remote", "run", "Main"],
    ]);
    expect(refs[0]).toMatchObject({ id: "lis", type: "FullSyncListener", path: ["Shop", "Data", "OnPush"] });
  });

  it("names a transaction with its connector, and finds references to steps", () => {
    expect(findReferences(ws, "Shop", "get").map((r) => [r.id, r.excerpt])).toEqual([["ct", "Api.Get"]]);
    expect(findReferences(ws, "Shop", "prep").map((r) => [r.id, r.field])).toEqual([["job", "afterStep"]]);
    expect(findReferences(ws, "Nowhere", "main")).toEqual([]);
    expect(findReferences(ws, "Shop", "missing")).toEqual([]);
  });

  it("still finds objects by name, type label and value", () => {
    expect(findObjects(ws, { text: "nightly job", in: ["type"] }).results.map((r) => r.id)).toEqual([
      "job",
      "ojob",
      "ojob2",
    ]);
    expect(findObjects(ws, { text: "prep" }).results.map((r) => [r.id, r.field])).toEqual([
      ["prep", "name"],
      ["job", "afterStep"],
    ]);
  });
});
