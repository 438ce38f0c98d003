import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SettingsFile } from "./settings-file.ts";
import { memoryLog } from "./test/fakes.ts";
import { chooseStartWorkspace } from "./workspace-choice.ts";

let tmp: string;
let example: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "atelier-ws-"));
  example = path.join(tmp, "app", "examples", "workspace");
  fs.mkdirSync(path.join(example, "Demo"), { recursive: true });
  fs.writeFileSync(path.join(example, "Demo", "project.yaml"), "type: project\nname: Demo\n");
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const settingsIn = (log = memoryLog()) => new SettingsFile(path.join(tmp, "userData", "settings.json"), log);

describe("SettingsFile", () => {
  it("remembers the workspace and the recent ones across instances (a restart)", () => {
    const a = settingsIn();
    a.rememberWorkspace("/w/one");
    a.rememberWorkspace("/w/two");
    a.rememberWorkspace("/w/one");
    const b = settingsIn();
    expect(b.read()).toEqual({ workspace: "/w/one", recentWorkspaces: ["/w/one", "/w/two"] });
  });

  it("keeps fields it does not know, and writes no temp file behind", () => {
    const file = path.join(tmp, "userData", "settings.json");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ fromANewerVersion: { a: 1 }, workspace: 3 }));
    const s = settingsIn();
    expect(s.read()).toEqual({});
    s.update({ window: { width: 900, height: 700, maximized: false } });
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({
      fromANewerVersion: { a: 1 },
      workspace: 3,
      window: { width: 900, height: 700, maximized: false },
    });
    expect(fs.readdirSync(path.dirname(file))).toEqual(["settings.json"]);
  });

  it("sets a corrupt file aside, says where, and starts from defaults", () => {
    const file = path.join(tmp, "userData", "settings.json");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"workspace": "/w/one",');
    const log = memoryLog();
    const s = settingsIn(log);
    expect(s.read()).toEqual({});
    const aside = fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith("settings.json.corrupt-"));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(path.dirname(file), aside[0]!), "utf8")).toBe('{"workspace": "/w/one",');
    expect(log.lines.join("\n")).toContain(`settings ${file} is unreadable`);
    s.rememberWorkspace("/w/new");
    expect(settingsIn().read().workspace).toBe("/w/new");
  });
});

describe("chooseStartWorkspace", () => {
  it("opens the example in place on a first run from a checkout, and remembers it", async () => {
    const settings = settingsIn();
    const choice = await chooseStartWorkspace({ settings, env: {}, exampleDir: example, log: memoryLog() });
    expect(choice).toEqual({ dir: example, source: "example" });
    expect(settingsIn().read().workspace).toBe(example);
  });

  it("copies the example out of a packaged app on first run, then reopens the copy", async () => {
    const copy = path.join(tmp, "Documents", "Atelier Workspace");
    const first = await chooseStartWorkspace({
      settings: settingsIn(),
      env: {},
      exampleDir: example,
      firstRunCopyTo: copy,
      log: memoryLog(),
    });
    expect(first).toEqual({ dir: copy, source: "example" });
    expect(fs.readFileSync(path.join(copy, "Demo", "project.yaml"), "utf8")).toContain("name: Demo");

    fs.writeFileSync(path.join(copy, "Demo", "project.yaml"), "type: project\nname: Demo\ncomment: edited\n");
    const again = await chooseStartWorkspace({
      settings: settingsIn(),
      env: {},
      exampleDir: example,
      firstRunCopyTo: copy,
      log: memoryLog(),
    });
    expect(again).toEqual({ dir: copy, source: "remembered" });
    expect(fs.readFileSync(path.join(copy, "Demo", "project.yaml"), "utf8")).toContain("edited");
  });

  it("reopens the workspace chosen last time", async () => {
    const mine = path.join(tmp, "mine");
    fs.mkdirSync(mine);
    settingsIn().rememberWorkspace(mine);
    expect(
      await chooseStartWorkspace({ settings: settingsIn(), env: {}, exampleDir: example, log: memoryLog() }),
    ).toEqual({
      dir: mine,
      source: "remembered",
    });
  });

  it("falls back to the example, saying so, when the remembered workspace was deleted", async () => {
    settingsIn().rememberWorkspace(path.join(tmp, "deleted"));
    const log = memoryLog();
    const choice = await chooseStartWorkspace({ settings: settingsIn(), env: {}, exampleDir: example, log });
    expect(choice.source).toBe("example");
    expect(log.lines.join("\n")).toContain("is gone");
    expect(settingsIn().read().recentWorkspaces).toEqual([example, path.join(tmp, "deleted")]);
  });

  it("takes ATELIER_WORKSPACE for this run only", async () => {
    const mine = path.join(tmp, "mine");
    fs.mkdirSync(mine);
    settingsIn().rememberWorkspace(mine);
    const choice = await chooseStartWorkspace({
      settings: settingsIn(),
      env: { ATELIER_WORKSPACE: "/elsewhere/ws" },
      exampleDir: example,
      log: memoryLog(),
    });
    expect(choice).toEqual({ dir: path.resolve("/elsewhere/ws"), source: "env" });
    expect(settingsIn().read().workspace).toBe(mine);
  });
});
