import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObjNode } from "../../common/model/node.ts";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { loadProject } from "../project/project-files.ts";
import { sendJson, startUpstream, type RecordedRequest, type Upstream } from "../testing/upstream.ts";
import { importConvertigo, type ImportSummary } from "./import.ts";

/*
 * Convertigo's HTTP transactions as real projects write them (the lines below are copied from
 * the public projects lib_OAuth, lib_s3 and lib_Salesforce, only the server pointed at a local
 * one), imported, then run against a real HTTP server on 127.0.0.1.
 */

const tmpRoots: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "c8o-http-"));
  tmpRoots.push(d);
  return d;
}

async function writeProject(files: Record<string, string>): Promise<string> {
  const dir = path.join(await tempDir(), "src");
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

function projectYaml(name: string, connectors: string[]): string {
  return [
    "↑convertigo: 8.0.0.m006",
    `↓${name} [core.Project]: `,
    ...connectors.map((c) => `  ↓${c} [connectors.HttpConnector]: 🗏 connectors/${c}.yaml`),
    "",
  ].join("\n");
}

interface Imported {
  summary: ImportSummary;
  engine: Engine;
  node(connector: string, transaction: string): ObjNode;
}

async function importAndOpen(files: Record<string, string>): Promise<Imported> {
  const ws = await tempDir();
  const summary = await importConvertigo(await writeProject(files), ws, { env: {} });
  const project = await loadProject(summary.projectDir);
  const engine = await Engine.open({
    workspaceDir: ws,
    projectDirs: [summary.projectDir],
    env: {},
    log: new EngineLog({ level: "error" }),
  });
  return {
    summary,
    engine,
    node: (c, t) => {
      const conn = project.root.children.find((n) => n.name === c);
      const tx = conn?.children.find((n) => n.name === t);
      if (!tx) throw new Error(`no ${c}.${t}`);
      return tx;
    },
  };
}

let upstream: Upstream;
let handler: (req: RecordedRequest, res: import("node:http").ServerResponse) => void = () => {};
const engines: Engine[] = [];
beforeAll(async () => {
  upstream = await startUpstream((req, res) => handler(req, res));
});
afterAll(async () => {
  for (const e of engines) await e.close();
  await upstream?.close();
});

describe("JSON HTTP transactions: POST variables", () => {
  it("lib_OAuth GoogleOAuth.GetToken sends its POST variables form-encoded, as Convertigo does", async () => {
    const imp = await importAndOpen({
      "c8oProject.yaml": projectYaml("lib_OAuth", ["GoogleOAuth"]),
      "_c8oProject/connectors/GoogleOAuth.yaml": [
        `port: ${upstream.port}`,
        "server: 127.0.0.1",
        "↓Default_transaction [transactions.HttpTransaction]: ",
        "  ↑default: true",
        "  accessibility: Public",
        "↓GetToken [transactions.JsonHttpTransaction]: ",
        "  accessibility: Public",
        "  httpVerb: POST",
        "  ↓code [variables.RequestableHttpVariable-1572732527246]: ",
        "    httpMethod: POST",
        "    httpName: code",
        "  ↓client_id [variables.RequestableHttpVariable-1572732553353]: ",
        "    httpMethod: POST",
        "    httpName: client_id",
        "  ↓client_secret [variables.RequestableHttpVariable-1572732579645]: ",
        "    httpMethod: POST",
        "    httpName: client_secret",
        "  ↓redirect_uri [variables.RequestableHttpVariable-1572732602768]: ",
        "    httpMethod: POST",
        "    httpName: redirect_uri",
        "  ↓grant_type [variables.RequestableHttpVariable-1572732625132]: ",
        "    httpMethod: POST",
        "    httpName: grant_type",
        "    value: authorization_code",
        "",
      ].join("\n"),
    });
    engines.push(imp.engine);
    expect(imp.summary.warnings.join("\n")).not.toMatch(/POST variables/);
    expect(imp.node("GoogleOAuth", "GetToken").props).toMatchObject({ verb: "POST", bodyEncoding: "form" });

    handler = (_req, res) => sendJson(res, 200, { access_token: "ya29.a0", token_type: "Bearer" });
    const r = await imp.engine.run({
      project: "lib_OAuth",
      connector: "GoogleOAuth",
      transaction: "GetToken",
      inputs: {
        code: "4/0AX4XfW",
        client_id: "123.apps.googleusercontent.com",
        client_secret: "s+cr/t",
        redirect_uri: "http://localhost:18080/cb",
      },
    });
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ access_token: "ya29.a0", token_type: "Bearer" });
    const got = upstream.requests.at(-1)!;
    expect(got.method).toBe("POST");
    expect(got.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(got.body).toBe(
      "code=4%2F0AX4XfW&client_id=123.apps.googleusercontent.com&client_secret=s%2Bcr%2Ft&redirect_uri=http%3A%2F%2Flocalhost%3A18080%2Fcb&grant_type=authorization_code",
    );
  });
});
