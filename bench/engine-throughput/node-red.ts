// The Node-RED 5 baseline: the FetchItems job as a flow (http in → http request → http response),
// and settings that serve only that flow on loopback (no editor, no admin API, no telemetry).
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/** The flow's path: GET /fetch-items?baseUrl=<upstream>. */
export const NODE_RED_PATH = "/fetch-items";

/**
 * The flow. The request node takes its URL from the query (mustache on msg.req.query), keeps its
 * connections alive ("persist", Node-RED's connection reuse option) and parses the answer as JSON
 * ("obj"), as the engine's JSON transaction does; the response node sends it back as JSON.
 */
export function fetchItemsFlow(): unknown[] {
  return [
    { id: "benchtab0001", type: "tab", label: "engine-throughput", disabled: false, info: "" },
    {
      id: "benchin00001",
      type: "http in",
      z: "benchtab0001",
      name: "GET /fetch-items",
      url: NODE_RED_PATH,
      method: "get",
      upload: false,
      swaggerDoc: "",
      x: 150,
      y: 80,
      wires: [["benchreq0001"]],
    },
    {
      id: "benchreq0001",
      type: "http request",
      z: "benchtab0001",
      name: "GET <baseUrl>/items",
      method: "GET",
      ret: "obj",
      paytoqs: "ignore",
      url: "{{{req.query.baseUrl}}}/items",
      tls: "",
      persist: true,
      proxy: "",
      insecureHTTPParser: false,
      authType: "",
      senderr: false,
      headers: [],
      x: 380,
      y: 80,
      wires: [["benchres0001"]],
    },
    {
      id: "benchres0001",
      type: "http response",
      z: "benchtab0001",
      name: "",
      statusCode: "",
      headers: {},
      x: 590,
      y: 80,
      wires: [],
    },
  ];
}

function settingsModule(userDir: string, port: number): string {
  const settings = {
    uiHost: "127.0.0.1",
    uiPort: port,
    userDir,
    flowFile: "flows.json",
    flowFilePretty: true,
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: "/",
    disableEditor: true,
    logging: { console: { level: "warn", metrics: false, audit: false } },
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    editorTheme: { projects: { enabled: false } },
    functionExternalModules: false,
    functionGlobalContext: {},
    exportGlobalContextKeys: false,
  };
  return `// Written by bench/engine-throughput: Node-RED serving one flow on loopback, nothing else.\nmodule.exports = ${JSON.stringify(settings, null, 2)};\n`;
}

/** Writes a fresh user folder (settings + flow) for a Node-RED listening on `port`. */
export async function writeNodeRedFiles(dir: string, port: number): Promise<{ settings: string; userDir: string }> {
  const userDir = path.join(dir, "node-red-user");
  await rm(userDir, { recursive: true, force: true });
  await mkdir(userDir, { recursive: true });
  const settings = path.join(userDir, "settings.cjs");
  await writeFile(settings, settingsModule(userDir, port));
  await writeFile(path.join(userDir, "flows.json"), JSON.stringify(fetchItemsFlow(), null, 2) + "\n");
  // Node-RED would otherwise install into the user folder's own package.json on first start.
  await writeFile(
    path.join(userDir, "package.json"),
    JSON.stringify({ name: "bench-node-red-user", private: true, dependencies: {} }, null, 2) + "\n",
  );
  return { settings, userDir };
}
