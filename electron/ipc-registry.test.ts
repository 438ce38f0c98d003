import { describe, expect, it } from "vitest";
import { invokeChannels } from "../engine/common/desktop/ipc-channels.ts";
import { IpcRegistry, originOf, senderRefusal, type IpcInvokeEventLike, type TrustedSenders } from "./ipc-registry.ts";
import { FakeIpcMain, memoryLog } from "./test/fakes.ts";

const engineOrigin = "http://127.0.0.1:43210";
const trust: TrustedSenders = { origin: () => engineOrigin, isOwnWebContents: (id) => id === 7 };
const from = (url: string | null, id = 7): IpcInvokeEventLike => ({
  sender: { id },
  senderFrame: url === null ? null : { url },
});

describe("senderRefusal", () => {
  it("accepts a page of the engine's origin in a window of the shell", () => {
    expect(senderRefusal(from(`${engineOrigin}/studio/?token=abc`), trust)).toBeNull();
  });

  it.each([
    ["another port", "http://127.0.0.1:43211/studio/"],
    ["another host name for the same machine", "http://localhost:43210/studio/"],
    ["https instead of http", "https://127.0.0.1:43210/"],
    ["a remote site", "https://evil.example/"],
    ["a file", "file:///etc/passwd"],
    ["about:blank", "about:blank"],
    ["a data URL", "data:text/html,<script>1</script>"],
    ["a malformed URL", "not a url"],
  ])("refuses %s", (_what, url) => {
    expect(senderRefusal(from(url), trust)).toMatch(/is not the engine's/);
  });

  it("refuses a web contents that is not one of the shell's windows, even on the right origin", () => {
    expect(senderRefusal(from(`${engineOrigin}/`, 8), trust)).toMatch(/not a window of the shell/);
  });

  it("refuses when the sending frame is gone or no engine runs", () => {
    expect(senderRefusal(from(null), trust)).toMatch(/frame is gone/);
    expect(senderRefusal(from(`${engineOrigin}/`), { ...trust, origin: () => null })).toMatch(/no engine/);
  });

  it("reads the origin of URLs", () => {
    expect(originOf("http://127.0.0.1:5/a?b#c")).toBe("http://127.0.0.1:5");
    expect(originOf("about:blank")).toBeNull();
    expect(originOf("::")).toBeNull();
  });
});

describe("IpcRegistry", () => {
  it("reaches the handler only for trusted senders with well-formed arguments", async () => {
    const ipc = new FakeIpcMain();
    const log = memoryLog();
    const registry = new IpcRegistry(ipc, trust, log);
    const opened: string[] = [];
    registry.handle("shell:open-external", (url) => {
      opened.push(url);
    });
    registry.handle("workspace:current", () => ({ dir: "/w" }));

    await expect(ipc.invoke("workspace:current", from(`${engineOrigin}/studio/`))).resolves.toEqual({ dir: "/w" });
    await expect(
      ipc.invoke("shell:open-external", from(`${engineOrigin}/`), "https://atelier.example/docs"),
    ).resolves.toBeUndefined();
    expect(opened).toEqual(["https://atelier.example/docs"]);

    await expect(
      ipc.invoke("shell:open-external", from("https://evil.example/"), "https://x.example/"),
    ).rejects.toThrow(/Refused: sender origin https:\/\/evil.example is not the engine's/);
    await expect(ipc.invoke("shell:open-external", from(`${engineOrigin}/`), "file:///etc/passwd")).rejects.toThrow(
      /bad arguments/,
    );
    await expect(ipc.invoke("shell:open-external", from(`${engineOrigin}/`), "javascript:alert(1)")).rejects.toThrow(
      /bad arguments/,
    );
    await expect(ipc.invoke("shell:open-external", from(`${engineOrigin}/`))).rejects.toThrow(/bad arguments/);
    await expect(ipc.invoke("workspace:current", from(`${engineOrigin}/`), "extra")).rejects.toThrow(/bad arguments/);
    expect(opened).toHaveLength(1);
    expect(log.lines.filter((l) => l.startsWith("warn: IPC"))).toHaveLength(5);
  });

  it("allows one handler per channel and removes them all on close", async () => {
    const ipc = new FakeIpcMain();
    const registry = new IpcRegistry(ipc, trust, memoryLog());
    registry.handle("app:info", () => ({ version: "1", platform: "linux", workspace: "/w", userData: "/u" }));
    expect(() =>
      registry.handle("app:info", () => ({ version: "2", platform: "linux", workspace: "/w", userData: "/u" })),
    ).toThrow(/already has a handler/);
    await registry.close();
    expect(ipc.handlers.size).toBe(0);
  });

  it("checks the arguments of every channel of the map", () => {
    expect(invokeChannels.sort()).toEqual(
      [
        "app:info",
        "convertigo:choose-project",
        "shell:open-external",
        "workspace:current",
        "workspace:open",
        "workspace:reveal",
      ].sort(),
    );
  });
});
