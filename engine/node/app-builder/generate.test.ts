import { transform } from "esbuild";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ObjNode } from "../../common/model/node.ts";
import { generateAppSources } from "../../common/ui/codegen/app.ts";
import { writeAppSources } from "./generate.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-appgen-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

let ids = 0;
const node = (type: string, name: string, props: Record<string, unknown>, children: ObjNode[] = []): ObjNode =>
  ({ type, name, id: `gen${String(ids++).padStart(9, "0")}`, props, children }) as ObjNode;

function project(pages = ["Login", "Orders"]): ObjNode {
  ids = 0; // the same objects keep the same ids from one call to the next
  return node("Project", "Shop", {}, [
    node("FullSyncConnector", "FullSync", { databaseName: "shop" }, [
      node("FullSyncDesignDocument", "orders", {}, [
        node("FullSyncView", "byUser", { map: "function (doc) { emit(doc.owner, doc.item); }" }),
      ]),
    ]),
    node("Application", "App", { title: "Shop <orders>", themeColor: "#112233", startPage: "Orders" }, [
      node("State", "user", { persist: "device" }),
      node("Style", "Base", { css: "ion-content { --background: #fafafa; }" }),
      ...pages.map((p) =>
        node("Page", p, { title: p }, [
          node("Component", "Hello", { component: "Label", text: { script: "'Hi ' + state.user" } }),
        ]),
      ),
      node("SharedComponent", "Row", {}, []),
    ]),
  ]);
}

describe("the app's generated sources", () => {
  it("writes one module per page and shared object, compiled scripts and views, an entry and custom files", async () => {
    const sources = generateAppSources(project(), "Shop");
    expect(sources.errors).toEqual([]);
    const w = await writeAppSources(dir, sources);
    expect(w.written).toEqual([
      "README.md",
      "capacitor.config.json",
      "index.html",
      "src/generated/application.ts",
      "src/generated/components.ts",
      "src/generated/pages/Login.tsx",
      "src/generated/pages/Orders.tsx",
      "src/generated/scripts.ts",
      "src/generated/shared/Row.tsx",
      "src/generated/styles.css",
      "src/generated/theme.css",
      "src/generated/views.ts",
      "src/main.tsx",
    ]);
    expect(w.created).toEqual(["src/custom/actions.ts", "src/custom/styles.css"]);
    const app = (f: string) => readFile(path.join(dir, "app", f), "utf8");
    expect(await app("index.html")).toContain("<title>Shop &#60;orders&#62;</title>");
    expect(await app("index.html")).toContain('<meta name="theme-color" content="#112233" />');
    expect(await app("src/generated/pages/Orders.tsx")).toMatch(/<Page\s+id="[^"]+"\s+name="Orders"/);
    expect(await app("src/generated/application.ts")).toContain('import { page1 } from "./pages/Orders.tsx";');
    expect(await app("src/generated/styles.css")).toContain("ion-content { --background: #fafafa; }");
    expect(await app("src/generated/scripts.ts")).toContain("'Hi ' + state.user");
    // The data services follow the logged-in user (the user State), from before the first render.
    expect(await app("src/main.tsx")).toMatch(
      /const \{ runtime \} = renderApp\([\s\S]*\nfollowUser\(runtime, services\);/,
    );
    // Every generated module is valid TypeScript.
    for (const f of w.written.filter((f) => /\.tsx?$/.test(f))) {
      await transform(await app(f), { loader: f.endsWith(".tsx") ? "tsx" : "ts", format: "esm" });
    }
  });

  it("imports only the Ionic components the app's objects use, and PouchDB only with FullSync connectors", async () => {
    const p = project();
    const app = p.children[1]!;
    // A Button in a shared component, a Toggle nested in a Stack (plain div), the Labels of the pages.
    app.children.find((c) => c.name === "Row")!.children.push(node("Component", "Buy", { component: "Button" }));
    app.children[2]!.children.push(
      node("Component", "Box", { component: "Stack" }, [node("Component", "Agree", { component: "Toggle" })]),
      node("Component", "Nope", { component: "NoSuchComponent" }),
    );
    const withSync = generateAppSources(p, "Shop").generated;
    const table = withSync["src/generated/components.ts"]!;
    const imported = /import \{([^}]*)\} from "@ionic\/react";/
      .exec(table)![1]!
      .split(",")
      .map((s) => s.trim());
    expect(imported.filter((s) => s !== "")).toEqual(["IonButton", "IonLabel", "IonToggle"]);
    expect(table).toContain("export const components: ComponentTable = {\n  IonButton,\n  IonLabel,\n  IonToggle,\n};");
    const main = withSync["src/main.tsx"]!;
    expect(main).toContain('import { components } from "./generated/components.ts";');
    expect(main).toMatch(/renderApp\([^\n]*\n( {2}\w+,?.*\n)* {2}components,\n/);
    // With a FullSync connector: the device databases' PouchDB.
    expect(main).toContain('import PouchDB from "pouchdb";');
    expect(main).toContain("createAppServices({ PouchDB, origin");

    // Without: no PouchDB anywhere in the entry.
    p.children.splice(0, 1);
    const without = generateAppSources(p, "Shop").generated["src/main.tsx"]!;
    expect(without).not.toMatch(/pouchdb/i);
    expect(without).toContain("createAppServices({ origin, project: PROJECT, connectors });");
    // The engine called: the application's endpoint (trailing slashes dropped), else the page's origin.
    expect(without).toContain(
      'const origin = typeof endpoint === "string" && endpoint !== "" ? endpoint.replace(/\\/+$/, "") : location.origin;',
    );

    // An app using no Ionic component gets an empty table, still valid TypeScript.
    const bare = generateAppSources(
      node("Project", "Bare", {}, [node("Application", "App", {}, [node("Page", "Home", {}, [])])]),
      "Bare",
    ).generated["src/generated/components.ts"]!;
    expect(bare).not.toContain("@ionic/react");
    expect(bare).toContain("export const components: ComponentTable = {\n};");
    for (const code of [table, main, without, bare]) await transform(code, { loader: "tsx", format: "esm" });
  });

  it("regenerates without touching the developer's files, and drops the modules of removed objects", async () => {
    await writeAppSources(dir, generateAppSources(project(), "Shop"));
    const mine = "export const customActions = { hello: () => 'mine' };\n";
    await writeFile(path.join(dir, "app", "src", "custom", "actions.ts"), mine);
    // Nothing changed: nothing is written again.
    const again = await writeAppSources(dir, generateAppSources(project(), "Shop"));
    expect(again).toEqual({ written: [], removed: [], created: [] });
    // The page Login is gone.
    const fewer = await writeAppSources(dir, generateAppSources(project(["Orders"]), "Shop"));
    expect(fewer.removed).toEqual(["src/generated/pages/Login.tsx"]);
    expect(fewer.written).toContain("src/generated/application.ts");
    expect(await readFile(path.join(dir, "app", "src", "custom", "actions.ts"), "utf8")).toBe(mine);
  });

  it("themes the app: the colors in the CSS before the Style objects', the mode and dark palette in main.tsx", async () => {
    const p = project();
    p.children[1]!.props = { ...p.children[1]!.props, theme: { primary: "#2563eb", accent: "#fff" }, mode: "ios" };
    const sources = generateAppSources(p, "Shop");
    expect(sources.warnings).toContainEqual({
      path: "App",
      message:
        'Theme: unknown color "accent": the colors are primary, secondary, tertiary, success, warning, danger, medium, light, dark',
    });
    const theme = sources.generated["src/generated/theme.css"]!;
    expect(theme).toContain("  --ion-color-primary-rgb: 37, 99, 235;");
    expect(theme).not.toContain("accent");
    const main = sources.generated["src/main.tsx"]!;
    const order = [
      'import "@ionic/react/css/core.css";',
      'import "@ionic/react/css/palettes/dark.class.css";',
      'import "./generated/theme.css";',
      'import "./generated/styles.css";',
      'import "./custom/styles.css";',
    ].map((line) => main.indexOf(line));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    // The mode and dark setting are read from the application's props when the app starts.
    expect(main).toMatch(
      /setupIonicReact\(ionicModeConfig\(application\.props\)\);\napplyTheme\(document, application\.props, \{ colors: false \}\);[\s\S]*renderApp\(/,
    );
  });

  it("writes Capacitor's configuration from the application, a default id from the project's name", () => {
    const capacitor = (props: Record<string, unknown>, projectName = "Shop") => {
      const p = project();
      p.children[1]!.props = { ...p.children[1]!.props, ...props };
      const sources = generateAppSources(p, projectName);
      return { config: JSON.parse(sources.generated["capacitor.config.json"]!), warnings: sources.warnings };
    };
    expect(capacitor({}).config).toEqual({ appId: "com.example.shop", appName: "Shop <orders>", webDir: "../www" });
    expect(capacitor({ capacitorAppId: "com.acme.orders", pwaName: "Orders" }).config).toEqual({
      appId: "com.acme.orders",
      appName: "Orders",
      webDir: "../www",
    });
    expect(capacitor({ title: "" }, "Fleet-2").config).toEqual({
      appId: "com.example.fleet_2",
      appName: "Fleet-2",
      webDir: "../www",
    });
    expect(capacitor({}, "2Shop").config.appId).toBe("com.example.app_2shop");
    const bad = capacitor({ capacitorAppId: "orders" });
    expect(bad.config.appId).toBe("com.example.shop");
    expect(bad.warnings).toContainEqual({
      path: "App",
      message: 'Capacitor app id "orders" is not a reversed domain (com.example.orders): com.example.shop is used',
    });
  });

  it("says what keeps an app from being generated", () => {
    const none = generateAppSources(node("Project", "Empty", {}, []), "Empty");
    expect(none.errors).toEqual([
      { path: "Empty", message: "The project has no application (add one to design its pages)" },
    ]);
    const p = project();
    p.children[1]!.children[2]!.children[0]!.props.text = { script: "1); alert(1); (2" };
    expect(generateAppSources(p, "Shop").errors).toEqual([
      { path: "App › Login › Hello: text", message: "A script is one expression, with nothing after it" },
    ]);
  });
});
