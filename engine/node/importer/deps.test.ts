import { execFileSync, spawnSync } from "node:child_process";
import { cp, lstat, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadProject } from "../project/project-files.ts";
import { convertigoFixtures } from "../testing/fixtures.ts";
import { fetchDependencies, gitUrlProblem } from "./deps.ts";

// Real git repositories (bare, on disk, reached by file:// URLs and paths) stand for the
// remote ones a reference names.

let tmp: string;
const bin = path.resolve(import.meta.dirname, "../../../bin/atelier.js");

function atelier(args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout };
}

function git(cwd: string, ...args: string[]): void {
  execFileSync(
    "git",
    ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...args],
    {
      cwd,
      stdio: "ignore",
    },
  );
}

/** A bare repository holding the given folder's files, committed on branch main. */
async function bareRepo(name: string, fill: (dir: string) => Promise<void>): Promise<string> {
  const work = path.join(tmp, `${name}-work`);
  await mkdir(work, { recursive: true });
  await fill(work);
  git(work, "init", "-q");
  git(work, "add", "-A");
  git(work, "commit", "-qm", "published");
  const bare = path.join(tmp, `${name}.git`);
  git(tmp, "clone", "-q", "--bare", work, bare);
  return bare;
}

/** An Atelier project folder with project references. */
async function atelierProject(dir: string, name: string, refs: { project: string; location?: string }[]) {
  await mkdir(dir, { recursive: true });
  const children = refs.map((r, i) => ({ type: "ProjectReference", name: `ref${i}`, id: `${name}-ref${i}`, ...r }));
  await writeFile(
    path.join(dir, "project.yaml"),
    stringify({ atelier: 1, type: "Project", name, id: `project-${name}`, children }),
  );
}

let grpRepo: string;
let sharedRepo: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "atelier-deps-"));
  grpRepo = await bareRepo("c8oprj-lib-fullsync-grp", (d) =>
    cp(path.join(convertigoFixtures(), "c8oprj-lib-fullsync-grp"), d, { recursive: true }),
  );
  // An Atelier project in a sub-folder of its repository, referencing one that exists nowhere,
  // with a symbolic link to a file outside.
  sharedRepo = await bareRepo("shared", async (d) => {
    await atelierProject(path.join(d, "projects", "Shared"), "Shared", [{ project: "Nowhere" }]);
    await symlink("/etc/hostname", path.join(d, "projects", "Shared", "notes.txt"));
  });
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("atelier deps fetch", () => {
  it("clones the referenced projects the workspace lacks, imports or copies them, and follows theirs", async () => {
    const ws = path.join(tmp, "ws1");
    await atelierProject(path.join(ws, "MyApp"), "MyApp", [
      { project: "lib_FullSyncGrp", location: `lib_FullSyncGrp=file://${grpRepo}:branch=main` },
      { project: "Shared", location: `Shared=${sharedRepo}:branch=main:path=projects/Shared` },
      { project: "NoBranch", location: `NoBranch=file://${grpRepo}:branch=nope` },
      { project: "Archive", location: "https://example.com/Archive.zip" },
      { project: "Evil", location: "Evil=ext::sh -c touch% /tmp/x.git" },
      { project: "Dash", location: "Dash=-uhttps://x/y.git" },
      { project: "Escape", location: `Escape=file://${sharedRepo}:path=../x` },
    ]);
    const summary = await fetchDependencies(ws);
    expect(summary.fetched.map((f) => [f.project, f.kind])).toEqual([
      ["lib_FullSyncGrp", "convertigo"],
      ["Shared", "atelier"],
    ]);
    expect(summary.fetched[0]?.import?.objects).toBeGreaterThan(100);
    const failed = Object.fromEntries(summary.failed.map((f) => [f.project, f.reason]));
    expect(failed.NoBranch).toMatch(/git clone of .* \(branch nope\) failed: .*nope/);
    expect(failed.Archive).toMatch(/not a git repository/);
    expect(failed.Evil).toMatch(/refused/);
    expect(failed.Dash).toMatch(/refused: it starts with '-'/);
    expect(failed.Escape).toMatch(/leaves the repository/);
    // Shared's own reference, followed: it says where to look.
    expect(failed.Nowhere).toMatch(/gives no location/);
    expect(summary.failed.find((f) => f.project === "Nowhere")?.referencedBy).toBe("Shared");

    expect((await loadProject(path.join(ws, "lib_FullSyncGrp"))).root.name).toBe("lib_FullSyncGrp");
    expect((await loadProject(path.join(ws, "Shared"))).root.name).toBe("Shared");
    expect((await lstat(path.join(ws, "Shared", "notes.txt"))).isSymbolicLink()).toBe(false);
    expect((await readdir(ws)).sort()).toEqual(["MyApp", "Shared", "lib_FullSyncGrp"]);

    // Again: what is there stays; nothing is fetched twice.
    const again = await fetchDependencies(ws, { projects: ["MyApp"] });
    expect(again.fetched).toEqual([]);
    expect(again.present.sort()).toEqual(["Shared", "lib_FullSyncGrp"]);
  });

  it("runs from the CLI: JSON summary, exit code 1 when a reference could not be fetched", async () => {
    const ws = path.join(tmp, "ws2");
    await atelierProject(path.join(ws, "App"), "App", [
      { project: "lib_FullSyncGrp", location: `lib_FullSyncGrp=${grpRepo}` },
    ]);
    const first = atelier(["deps", "fetch", "--workspace", ws]);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout).fetched[0]).toMatchObject({ project: "lib_FullSyncGrp", kind: "convertigo" });
    await atelierProject(path.join(ws, "Other"), "Other", [
      { project: "Gone", location: "Gone=https://127.0.0.1:1/x.git" },
    ]);
    // Credentials in a URL are never printed, whatever git says.
    await atelierProject(path.join(ws, "Private"), "Private", [
      { project: "Secret", location: "Secret=https://ada:tok3n@127.0.0.1:1/x.git" },
    ]);
    const failing = atelier(["deps", "fetch", "--workspace", ws, "--project", "Other", "--project", "Private"]);
    expect(failing.status).toBe(1);
    const failed = JSON.parse(failing.stdout).failed as { project: string }[];
    expect(failed.map((f) => f.project)).toEqual(["Gone", "Secret"]);
    expect(failed[0]).toMatchObject({ project: "Gone", referencedBy: "Other" });
    expect(failing.stdout).not.toContain("tok3n");
    expect(failing.stdout).toContain("https://***@127.0.0.1:1/x.git");
    const nowhere = spawnSync(process.execPath, [bin, "deps", "fetch", "--workspace", path.join(tmp, "nope")], {
      encoding: "utf8",
    });
    expect(nowhere.status).toBe(2);
    expect(nowhere.stderr).toMatch(/^atelier: the workspace .*nope does not exist/);
  });

  it("accepts only git's plain transports", () => {
    expect(gitUrlProblem("https://github.com/convertigo/c8oprj-lib-fullsync-grp.git")).toBeUndefined();
    expect(gitUrlProblem("git@github.com:convertigo/x.git")).toBeUndefined();
    expect(gitUrlProblem("file:///srv/mirror/x.git")).toBeUndefined();
    expect(gitUrlProblem("ext::sh -c evil")).toBeDefined();
    expect(gitUrlProblem("fd::3")).toBeDefined();
    expect(gitUrlProblem("--upload-pack=evil")).toBeDefined();
    expect(gitUrlProblem("relative/x.git")).toBeDefined();
  });
});
