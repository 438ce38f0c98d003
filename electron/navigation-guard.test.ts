import { describe, expect, it } from "vitest";
import { guardNavigation, navigationVerdict } from "./navigation-guard.ts";
import { FakeWebContents, memoryLog, navEvent } from "./test/fakes.ts";

const origin = "http://127.0.0.1:40001";

describe("navigationVerdict", () => {
  it.each([
    [`${origin}/studio/`, "allow"],
    [`${origin}/projects/Demo/.json?__sequence=Greet`, "allow"],
    ["http://127.0.0.1:40002/studio/", "open-externally"],
    ["https://github.com/convertigo", "open-externally"],
    ["mailto:team@atelier.example", "open-externally"],
    ["file:///etc/passwd", "block"],
    ["javascript:alert(1)", "block"],
    ["data:text/html,hi", "block"],
    ["chrome://settings", "block"],
    ["not a url", "block"],
  ])("%s → %s", (url, verdict) => {
    expect(navigationVerdict(url, origin)).toBe(verdict);
  });

  it("allows nothing while no engine runs", () => {
    expect(navigationVerdict(`${origin}/studio/`, null)).toBe("open-externally");
  });
});

describe("guardNavigation", () => {
  function guarded(initialOrigin = origin) {
    const contents = new FakeWebContents();
    const opened: string[] = [];
    const log = memoryLog();
    let current: string | null = initialOrigin;
    guardNavigation(
      contents,
      () => current,
      (u) => opened.push(u),
      log,
    );
    return { contents, opened, log, setOrigin: (o: string | null) => (current = o) };
  }

  it("lets the page move within the engine's origin", () => {
    const { contents, opened } = guarded();
    const e = navEvent(`${origin}/studio/#/project/Demo`);
    contents.emit("will-navigate", e, e.url);
    expect(e.prevented).toBe(false);
    expect(opened).toEqual([]);
  });

  it("stops navigations elsewhere and hands web links to the OS browser", () => {
    const { contents, opened, log } = guarded();
    const web = navEvent("https://docs.atelier.example/sequences");
    contents.emit("will-navigate", web, web.url);
    const file = navEvent("file:///home/me/.ssh/id_rsa");
    contents.emit("will-navigate", file, file.url);
    expect(web.prevented).toBe(true);
    expect(file.prevented).toBe(true);
    expect(opened).toEqual(["https://docs.atelier.example/sequences"]);
    expect(log.lines).toContain("warn: blocked navigate to file:///home/me/.ssh/id_rsa");
  });

  it("stops redirects and sub-frame navigations off the origin without opening them", () => {
    const { contents, opened } = guarded();
    const redirect = navEvent("https://evil.example/");
    contents.emit("will-redirect", redirect, redirect.url);
    const frame = navEvent("https://evil.example/frame", { isMainFrame: false });
    contents.emit("will-frame-navigate", frame);
    const mainFrame = navEvent("https://evil.example/main", { isMainFrame: true });
    contents.emit("will-frame-navigate", mainFrame); // will-navigate handles the main frame
    expect(redirect.prevented).toBe(true);
    expect(frame.prevented).toBe(true);
    expect(mainFrame.prevented).toBe(false);
    expect(opened).toEqual([]);
  });

  it("never opens a new window: web links go to the OS browser, the rest is dropped", () => {
    const { contents, opened } = guarded();
    const open = contents.windowOpenHandler!;
    expect(open({ url: "https://convertigo.example/" })).toEqual({ action: "deny" });
    expect(open({ url: `${origin}/studio/other` })).toEqual({ action: "deny" });
    expect(open({ url: "file:///tmp/x" })).toEqual({ action: "deny" });
    expect(opened).toEqual(["https://convertigo.example/"]);
  });

  it("refuses <webview>", () => {
    const { contents } = guarded();
    const e = navEvent("");
    contents.emit("will-attach-webview", e);
    expect(e.prevented).toBe(true);
  });

  it("follows the engine when a workspace switch moves it to another port", () => {
    const { contents, setOrigin } = guarded();
    setOrigin("http://127.0.0.1:40009");
    const old = navEvent(`${origin}/studio/`);
    contents.emit("will-navigate", old, old.url);
    const now = navEvent("http://127.0.0.1:40009/studio/");
    contents.emit("will-navigate", now, now.url);
    expect(old.prevented).toBe(true);
    expect(now.prevented).toBe(false);
  });
});
