import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findById } from "../../common/model/node.ts";
import { loadProject, saveProject, writeFileAtomic } from "./project-files.ts";

const demo = path.resolve(import.meta.dirname, "../../../examples/workspace/Demo");
let tmp: string;
let dir: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "atelier-files-"));
  dir = path.join(tmp, "Demo");
  await cp(demo, dir, { recursive: true });
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function snapshot(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const p = path.join(entry.parentPath, entry.name);
    out[path.relative(folder, p)] = await readFile(p, "utf8");
  }
  return out;
}

describe("project files", () => {
  it("loads the example project with every object valid", async () => {
    const p = await loadProject(dir);
    expect(p.errors).toEqual([]);
    expect(p.invalidCount).toBe(0);
    expect(p.root.children.map((c) => c.name)).toEqual([
      "itemsTimeoutMs",
      "ItemsApi",
      "Fail",
      "FetchItems",
      "Greet",
      "Secret",
      "SumList",
      "Api",
    ]);
    // The REST API lives in its own file (api/NAME.yaml), read after the sequences.
    expect(p.files.has("api/Api.yaml")).toBe(true);
  });

  it("writes a REST API to api/NAME.yaml: renamed, removed, and unreadable ones kept", async () => {
    const p = await loadProject(dir);
    const mapper = p.root.children.find((c) => c.type === "UrlMapper")!;
    mapper.name = "Public";
    expect(await saveProject(p)).toEqual({ written: ["api/Public.yaml"], deleted: ["api/Api.yaml"] });
    p.root.children = p.root.children.filter((c) => c !== mapper);
    expect(await saveProject(p)).toEqual({ written: [], deleted: ["api/Public.yaml"] });
    expect(await readdir(path.join(dir, "api"))).toEqual([]);
    // A file that does not parse stays as written, shown as an unreadable REST API.
    await writeFile(path.join(dir, "api", "Broken.yaml"), "type: UrlMapper\nname: [unclosed\n");
    const again = await loadProject(dir);
    const broken = again.root.children.find((c) => c.name === "Broken")!;
    expect(broken.type).toBe("UrlMapper");
    expect(broken.issues?.length).toBeGreaterThan(0);
    expect(again.errors[0]?.location?.file).toBe("Demo/api/Broken.yaml");
    await saveProject(again);
    expect(await readFile(path.join(dir, "api", "Broken.yaml"), "utf8")).toBe("type: UrlMapper\nname: [unclosed\n");
  });

  it("changes no byte when an untouched project is saved, even one formatted by hand", async () => {
    const handWritten =
      "# my notes\ntype: Sequence\nname:   Greet\nid: seqgreet0001\nchildren: [ {type: Variable, name: name, id: v1, default: World} ]\n";
    await writeFile(path.join(dir, "sequences/Greet.yaml"), handWritten);
    const before = await snapshot(dir);
    const p = await loadProject(dir);
    const result = await saveProject(p);
    expect(result).toEqual({ written: [], deleted: [] });
    expect(await snapshot(dir)).toEqual(before);
  });

  it("writes only the changed file, keys in a stable order, defaults left out", async () => {
    const p = await loadProject(dir);
    const greet = p.root.children.find((c) => c.name === "Greet")!;
    greet.props.timeoutMs = 5000;
    greet.props.accessibility = "Public"; // the default: not written
    const result = await saveProject(p);
    expect(result.written).toEqual(["sequences/Greet.yaml"]);
    const text = await readFile(path.join(dir, "sequences/Greet.yaml"), "utf8");
    expect(text.split("\n").slice(0, 9)).toEqual([
      // The versions of the types the file holds above 1 (engine/common/model/versions.ts).
      "versions:",
      "  Element: 2",
      "  Sequence: 2",
      "  Variable: 2",
      "type: Sequence",
      "name: Greet",
      "id: seqgreet0001",
      'comment: Answers {"greeting":"Hello, <name>!"}.',
      "timeoutMs: 5000",
    ]);
    expect(text).not.toContain("accessibility");
    // Saving again writes nothing; reloading gives the same ids.
    expect((await saveProject(p)).written).toEqual([]);
    const again = await loadProject(dir);
    expect(findById(again.root, "stgreetelem1")?.name).toBe("greeting");
  });

  it("writes multi-line code as a block that reads back identically", async () => {
    const p = await loadProject(dir);
    const start = findById(p.root, "stsumstart01")!;
    start.props.code = "var count = 0;\nvar sum = 0; // 'quotes' and \"double\" and: colons\n";
    await saveProject(p);
    const text = await readFile(path.join(dir, "sequences/SumList.yaml"), "utf8");
    expect(text).toContain("    code: |\n");
    const again = await loadProject(dir);
    expect(findById(again.root, "stsumstart01")?.props.code).toBe(start.props.code);
  });

  it("renames a sequence's file and deletes the old one", async () => {
    const p = await loadProject(dir);
    p.root.children.find((c) => c.name === "Fail")!.name = "Failure";
    const result = await saveProject(p);
    expect(result.written).toContain("sequences/Failure.yaml");
    expect(result.deleted).toEqual(["sequences/Fail.yaml"]);
    const files = await readdir(path.join(dir, "sequences"));
    expect(files).toContain("Failure.yaml");
    expect(files).not.toContain("Fail.yaml");
  });

  it("names the file and line of a syntax error, loads the rest, and never overwrites the broken file", async () => {
    const broken =
      "type: Sequence\nname: Greet\nid: x\nchildren:\n  - type: Element\n    name: a\n   value: [unclosed\n";
    await writeFile(path.join(dir, "sequences/Greet.yaml"), broken);
    const p = await loadProject(dir);
    expect(p.errors.length).toBeGreaterThanOrEqual(1);
    expect(p.errors[0]?.location).toMatchObject({ file: "Demo/sequences/Greet.yaml" });
    expect(p.errors[0]?.location?.line).toBeGreaterThanOrEqual(6);
    const placeholder = p.root.children.find((c) => c.name === "Greet")!;
    expect(placeholder.issues?.length).toBeGreaterThan(0);
    expect(p.root.children.find((c) => c.name === "SumList")?.issues).toBeUndefined();
    p.root.children.find((c) => c.name === "Fail")!.props.comment = "changed";
    const result = await saveProject(p);
    expect(result.written).toEqual(["sequences/Fail.yaml"]);
    expect(await readFile(path.join(dir, "sequences/Greet.yaml"), "utf8")).toBe(broken);
  });

  it("marks invalid objects (unknown type, bad property, misplaced child) and keeps their values", async () => {
    const text = [
      "type: Sequence",
      "name: Odd",
      "id: odd",
      "timeoutMs: soon",
      "children:",
      "  - type: Teleport",
      "    name: beam",
      "    id: beam1",
      "    power: 11",
      "  - type: HttpConnector",
      "    name: misplaced",
      "    id: mis1",
      "  - type: Element",
      "    name: fine",
      "    id: fine1",
      "    value: 1",
      "",
    ].join("\n");
    await writeFile(path.join(dir, "sequences/Odd.yaml"), text);
    const p = await loadProject(dir);
    const odd = p.root.children.find((c) => c.name === "Odd")!;
    expect(odd.issues?.map((i) => i.message)).toEqual(["Time limit (ms) must be a number"]);
    expect(findById(odd, "beam1")?.issues?.[0]?.message).toBe('Unknown object type "Teleport"');
    expect(findById(odd, "mis1")?.issues?.[0]?.message).toBe("A Sequence cannot hold a HttpConnector");
    expect(findById(odd, "fine1")?.issues).toBeUndefined();
    expect(p.invalidCount).toBe(3);
    // Untouched, it is not rewritten; touched elsewhere, its unknown content survives a save.
    findById(odd, "fine1")!.props.value = 2;
    await saveProject(p);
    const saved = await readFile(path.join(dir, "sequences/Odd.yaml"), "utf8");
    expect(saved).toContain("type: Teleport");
    expect(saved).toContain("power: 11");
    expect(saved).toContain("timeoutMs: soon");
  });

  it("refuses a save whose names would clash or escape the folder, touching no file", async () => {
    const before = await snapshot(dir);
    const p = await loadProject(dir);
    p.root.children.find((c) => c.name === "Fail")!.name = "Greet";
    await expect(saveProject(p)).rejects.toThrow("Two objects would be saved to sequences/Greet.yaml");
    p.root.children.find((c) => c.id === "seqfail00001")!.name = "../escape";
    await expect(saveProject(p)).rejects.toThrow("cannot be a file name");
    expect(await snapshot(dir)).toEqual(before);
  });

  it("refuses a project written by a newer Atelier with a clear error", async () => {
    await writeFile(path.join(dir, "project.yaml"), "atelier: 99\ntype: Project\nname: Demo\nid: p\n");
    const p = await loadProject(dir);
    expect(p.errors[0]?.message).toContain("newer Atelier");
    expect(p.root.issues?.length).toBeGreaterThan(0);
    // The sequences still load.
    expect(p.root.children.some((c) => c.name === "Greet")).toBe(true);
  });
});

describe("atomic writes", () => {
  it("never lets a reader see a half-written file, and leaves no temporary file", async () => {
    const file = path.join(tmp, "big.yaml");
    const a = "a".repeat(2_000_000);
    const b = "b".repeat(3_000_000);
    await writeFileAtomic(file, a);
    let reading = true;
    const seen = new Set<number>();
    const reader = (async () => {
      while (reading) {
        const t = await readFile(file, "utf8");
        seen.add(t.length);
        expect(t === a || t === b).toBe(true);
      }
    })();
    for (let i = 0; i < 10; i++) await writeFileAtomic(file, i % 2 ? a : b);
    reading = false;
    await reader;
    expect([...seen].every((n) => n === a.length || n === b.length)).toBe(true);
    expect((await readdir(tmp)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("keeps the old content when the write fails", async () => {
    const file = path.join(tmp, "keep.yaml");
    await writeFileAtomic(file, "old");
    await expect(writeFileAtomic(path.join(file, "child.yaml"), "new")).rejects.toThrow();
    expect(await readFile(file, "utf8")).toBe("old");
  });
});
