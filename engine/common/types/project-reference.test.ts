import { describe, expect, it } from "vitest";
import type { ObjNode } from "../model/node.ts";
import { danglingMessage, danglingReferences } from "../model/references.ts";
import { checkNode } from "../model/registry.ts";

function project(name: string, children: ObjNode[]): { name: string; root: ObjNode } {
  return { name, root: { id: `${name}-root`, type: "Project", name, props: {}, children } };
}

function reference(props: Record<string, unknown>): ObjNode {
  return { id: "ref", type: "ProjectReference", name: "lib_ref", props, children: [] };
}

describe("Project reference", () => {
  it("resolves to a project of the workspace by name", () => {
    const app = project("App", [reference({ project: "lib_FullSyncGrp" })]);
    expect(danglingReferences([app, project("lib_FullSyncGrp", [])])).toEqual([]);
  });

  it("reports a missing project as an error saying where to get it", () => {
    const location = "lib_FullSyncGrp=https://github.com/convertigo/c8oprj-lib-fullsync-grp.git:branch=master";
    const [hit, ...rest] = danglingReferences([project("App", [reference({ project: "lib_FullSyncGrp", location })])]);
    expect(rest).toEqual([]);
    expect(hit?.reference.missing?.severity).toBe("error");
    const message = danglingMessage(hit!.reference);
    expect(message).toMatch(/^Project: there is no project "lib_FullSyncGrp" in the workspace\. /);
    expect(message).toContain("atelier import-convertigo");
    expect(message).toContain(`It comes from ${location}.`);
    // Without a location, the sentence naming it is left out.
    const [bare] = danglingReferences([project("App", [reference({ project: "lib_FullSyncGrp" })])]);
    expect(danglingMessage(bare!.reference)).not.toContain("comes from");
  });

  it("is held by a project only, and names a project", () => {
    const app = project("App", []).root;
    const issues = (props: Record<string, unknown>, parent = app) =>
      checkNode(reference(props), parent).map((i) => i.message);
    expect(issues({ project: "https://example.org/x.git" }).join()).toContain("is not a project name");
    expect(issues({}).join()).toContain("Project is required");
    expect(issues({ project: "lib_FullSyncGrp" })).toEqual([]);
    const sequence: ObjNode = { id: "s", type: "Sequence", name: "S", props: {}, children: [] };
    expect(issues({ project: "lib_FullSyncGrp" }, sequence).join()).toContain("cannot hold");
  });
});
