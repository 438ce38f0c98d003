import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yazl from "yazl";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../project/project-files.ts";
import { buildCar, CarError, DEFAULT_CAR_LIMITS, extractCar, inspectCar } from "./car.ts";

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/workspace");
const temps: string[] = [];
async function temp(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "atelier-car-"));
  temps.push(d);
  return d;
}
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

async function demoCopy(): Promise<string> {
  const dir = path.join(await temp(), "Demo");
  await cp(path.join(EXAMPLES, "Demo"), dir, { recursive: true });
  return dir;
}

/** A zip made by hand, entries as given (name, content, mode). */
async function zipOf(
  entries: { name: string; data?: Buffer | string; mode?: number; dir?: boolean }[],
): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const e of entries) {
    if (e.dir) z.addEmptyDirectory(e.name, { mode: e.mode ?? 0o40755 });
    else z.addBuffer(Buffer.from(e.data ?? "x"), e.name, { mode: e.mode ?? 0o100644 });
  }
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

const PROJECT_YAML = "atelier: 1\ntype: Project\nname: P\nid: p1\n";

async function refusal(bytes: Buffer, limits = DEFAULT_CAR_LIMITS): Promise<CarError> {
  const e = await inspectCar(bytes, limits).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(CarError);
  return e as CarError;
}

describe("building a .car", () => {
  it("gives the same bytes twice, entries under <project>/, a manifest with the type versions", async () => {
    const dir = await demoCopy();
    await mkdir(path.join(dir, ".atelier"), { recursive: true });
    await writeFile(path.join(dir, ".atelier", "state"), "local");
    await mkdir(path.join(dir, "node_modules", "x"), { recursive: true });
    await writeFile(path.join(dir, "node_modules", "x", "a.js"), "x");
    const a = await buildCar(dir, "0.1.0");
    const b = await buildCar(dir, "0.1.0");
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.digest).toBe(b.digest);
    expect(a.files).toContain("project.yaml");
    expect(a.files).toContain("sequences/Greet.yaml");
    expect(a.files.some((f) => f.startsWith(".atelier") || f.startsWith("node_modules"))).toBe(false);
    expect(a.manifest).toMatchObject({ format: 1, project: "Demo", atelier: "0.1.0" });
    expect(a.manifest.types.Sequence).toBeGreaterThanOrEqual(1);
    const inspected = await inspectCar(a.bytes);
    expect(inspected.project).toBe("Demo");
    expect(inspected.entries.every((e) => !e.path.startsWith("/"))).toBe(true);
  });

  it("refuses a symbolic link in the project and a project that does not load", async () => {
    const dir = await demoCopy();
    await symlink("/etc/passwd", path.join(dir, "passwd"));
    await expect(buildCar(dir, "0.1.0")).rejects.toThrow(/passwd is a symbolic link/);
    const broken = await demoCopy();
    await writeFile(path.join(broken, "project.yaml"), "type: [");
    await expect(buildCar(broken, "0.1.0")).rejects.toThrow(/project\.yaml/);
  });

  it("extracts into a folder that loads as the same project", async () => {
    const dir = await demoCopy();
    const car = await buildCar(dir, "0.1.0");
    const dest = path.join(await temp(), "Demo");
    await extractCar(car.bytes, dest);
    const loaded = await loadProject(dest);
    expect(loaded.errors).toEqual([]);
    expect(await readFile(path.join(dest, "sequences", "Greet.yaml"), "utf8")).toBe(
      await readFile(path.join(dir, "sequences", "Greet.yaml"), "utf8"),
    );
  });
});

describe("reading an archive from a stranger", () => {
  it("refuses what is not a zip", async () => {
    expect((await refusal(Buffer.from("PK\u0003\u0004 nothing"))).code).toBe("not_a_zip");
    expect((await refusal(Buffer.alloc(0))).code).toBe("not_a_zip");
  });

  it("refuses traversal, absolute paths, backslashes and mixed projects", async () => {
    // yazl refuses to write such names, so they are forged into an archive of the same length.
    const forge = async (name: string) => {
      const placeholder = "P/" + "z".repeat(name.length - 2);
      const bytes = await zipOf([{ name: "P/project.yaml", data: PROJECT_YAML }, { name: placeholder }]);
      let at = bytes.indexOf(placeholder);
      while (at >= 0) {
        bytes.write(name, at, "latin1");
        at = bytes.indexOf(placeholder, at + 1);
      }
      return bytes;
    };
    for (const [name, code] of [
      ["P/../../etc/x", "unsafe_entry"],
      ["/P/project.yaml", "unsafe_entry"],
      ["P\\..\\x", "unsafe_entry"],
      ["P/./x", "unsafe_entry"],
      ["P//x", "unsafe_entry"],
      ["C:/P/x", "unsafe_entry"],
      ["P/a\u0001b", "unsafe_entry"],
      ["Q/x", "mixed_projects"],
    ] as const) {
      const e = await refusal(await forge(name));
      expect(e.code, `${name}: ${e.message}`).toBe(code);
    }
  });

  it("refuses links, devices and duplicates (also by case)", async () => {
    const link = await zipOf([
      { name: "P/project.yaml", data: PROJECT_YAML },
      { name: "P/evil", data: "/etc/passwd", mode: 0o120777 },
    ]);
    expect((await refusal(link)).message).toMatch(/not a plain file/);
    const dup = await zipOf([
      { name: "P/project.yaml", data: PROJECT_YAML },
      { name: "P/a.yaml" },
      { name: "P/A.yaml" },
    ]);
    expect((await refusal(dup)).code).toBe("duplicate_entry");
  });

  it("refuses zip bombs, too many entries, oversized files, a missing project.yaml", async () => {
    const bomb = await zipOf([
      { name: "P/project.yaml", data: PROJECT_YAML },
      { name: "P/zeros", data: Buffer.alloc(20 * 1024 * 1024) },
    ]);
    expect(bomb.length).toBeLessThan(100_000);
    expect((await refusal(bomb)).code).toBe("zip_bomb");
    const many = await zipOf([
      { name: "P/project.yaml", data: PROJECT_YAML },
      ...Array.from({ length: 30 }, (_, i) => ({ name: `P/f${i}` })),
    ]);
    expect((await refusal(many, { ...DEFAULT_CAR_LIMITS, maxEntries: 10 })).code).toBe("too_many_entries");
    const big = await zipOf([
      { name: "P/project.yaml", data: PROJECT_YAML },
      { name: "P/big", data: Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251)) },
    ]);
    expect((await refusal(big, { ...DEFAULT_CAR_LIMITS, maxEntryBytes: 1000 })).code).toBe("too_large");
    expect((await refusal(big, { ...DEFAULT_CAR_LIMITS, maxTotalBytes: 2000 })).code).toBe("too_large");
    expect((await refusal(big, { ...DEFAULT_CAR_LIMITS, maxArchiveBytes: 100 })).code).toBe("too_large");
    const none = await zipOf([{ name: "P/readme.txt" }]);
    expect((await refusal(none)).code).toBe("no_project_file");
  });

  it("a header that lies about a size is caught while inflating", async () => {
    const honest = await zipOf([
      { name: "P/project.yaml", data: PROJECT_YAML },
      { name: "P/data", data: Buffer.alloc(5000, 7) },
    ]);
    // Patch the central directory's uncompressed size of P/data down to 10 bytes.
    const forged = Buffer.from(honest);
    const cd = forged.lastIndexOf(Buffer.from("P/data"));
    const header = cd - 46; // central directory header start
    expect(forged.readUInt32LE(header)).toBe(0x02014b50);
    forged.writeUInt32LE(10, header + 24);
    const lh = forged.indexOf(Buffer.from("P/data")) - 30; // local header
    forged.writeUInt32LE(10, lh + 22);
    const dest = path.join(await temp(), "P");
    await expect(extractCar(forged, dest)).rejects.toBeInstanceOf(CarError);
  });
});
