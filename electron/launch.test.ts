import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findElectronBinary, launchDesktop } from "./launch.ts";

const here = path.dirname(fileURLToPath(import.meta.url));

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "atelier-launch-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** node_modules/electron as npm leaves it (no binary) or after `npx install-electron`. */
function electronPackage(o: { pathTxt?: string; binary?: boolean }) {
  const pkg = path.join(tmp, "node_modules", "electron");
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, "index.js"), "throw new Error('requiring electron downloads it: never do that')");
  if (o.pathTxt !== undefined) fs.writeFileSync(path.join(pkg, "path.txt"), o.pathTxt);
  if (o.binary) {
    fs.mkdirSync(path.join(pkg, "dist"), { recursive: true });
    fs.writeFileSync(path.join(pkg, "dist", o.pathTxt ?? "electron"), "");
  }
  return pkg;
}

describe("findElectronBinary", () => {
  it("finds nothing when npm installed the package without its binary (Electron 45 downloads on first use)", () => {
    electronPackage({});
    expect(findElectronBinary(tmp, {})).toBeNull();
  });

  it("finds nothing when path.txt names a binary that is not there", () => {
    electronPackage({ pathTxt: "electron" });
    expect(findElectronBinary(tmp, {})).toBeNull();
  });

  it("finds the binary once installed, without requiring the package", () => {
    const pkg = electronPackage({ pathTxt: "electron", binary: true });
    expect(findElectronBinary(tmp, {})).toBe(path.join(pkg, "dist", "electron"));
  });

  it("honours ELECTRON_OVERRIDE_DIST_PATH as the electron package does", () => {
    electronPackage({ pathTxt: "electron" });
    const dist = path.join(tmp, "custom-dist");
    fs.mkdirSync(dist);
    fs.writeFileSync(path.join(dist, "electron"), "");
    expect(findElectronBinary(tmp, { ELECTRON_OVERRIDE_DIST_PATH: dist })).toBe(path.join(dist, "electron"));
  });

  it("finds nothing without the package", () => {
    expect(findElectronBinary(tmp, {})).toBeNull();
  });

  it("reads this checkout's electron package without throwing", () => {
    const found = findElectronBinary(path.resolve(here, ".."), {});
    expect(found === null || fs.statSync(found).isFile()).toBe(true);
  });
});

describe.skipIf(process.platform === "win32")("launchDesktop", () => {
  it("bundles the preload, runs the binary on electron/entry.js, and answers its exit code", async () => {
    const record = path.join(tmp, "args.txt");
    const fake = path.join(tmp, "electron");
    fs.writeFileSync(
      fake,
      `#!/bin/sh\nprintf '%s\\n' "$@" "run-as-node=\${ELECTRON_RUN_AS_NODE:-unset}" > '${record}'\nexit 3\n`,
      { mode: 0o755 },
    );
    const code = await launchDesktop(fake, ["--inspect"], { ...process.env, ELECTRON_RUN_AS_NODE: "1" });
    expect(code).toBe(3);
    expect(fs.readFileSync(record, "utf8").trim().split("\n")).toEqual([
      path.join(here, "entry.js"),
      "--inspect",
      "run-as-node=unset",
    ]);
    expect(fs.readFileSync(path.join(here, "dist", "preload.cjs"), "utf8")).toContain("exposeInMainWorld");
  });

  it("rejects when the binary cannot be run", async () => {
    await expect(launchDesktop(path.join(tmp, "missing-electron"))).rejects.toThrow(/ENOENT/);
  });
});
