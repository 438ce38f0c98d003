import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findById, type ObjNode } from "../../../common/model/node.ts";
import { Engine } from "../../engine.ts";
import { EngineLog } from "../../log.ts";
import { loadProject } from "../../project/project-files.ts";
import { sendJson, startUpstream, type Upstream } from "../../testing/upstream.ts";
import { importConvertigo } from "../import.ts";

/**
 * The XML-era steps as real Convertigo projects use them: each snippet below is copied from a
 * public project of Convertigo's corpus (named beside it), assembled into one small project that
 * is imported, then run by a real engine against a JSON API on loopback.
 */

const vector = (step: string, xpath: string, indent: string) =>
  [
    `${indent}- xmlizable: `,
    `${indent}  - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector`,
    `${indent}  - com.twinsoft.convertigo.beans.common.XMLVector: `,
    `${indent}    - java.lang.String: `,
    `${indent}      - ↑value: ${step}`,
    `${indent}    - java.lang.String: `,
    `${indent}      - ↑value: ${xpath}`,
  ].join("\n");

const PROJECT = `↑convertigo: 8.0.0.m006
↓lib_Demo [core.Project]: 
  ↓Api [connectors.HttpConnector]: 🗏 connectors/Api.yaml
  ↓Fields [sequences.GenericSequence]: 🗏 sequences/Fields.yaml
  ↓Shorten [sequences.GenericSequence]: 🗏 sequences/Shorten.yaml
`;

const connector = (port: number) => `↑default: true
port: ${port}
server: 127.0.0.1
↓list [transactions.JsonHttpTransaction-1672088989300]: 
  ↑default: true
  subDir: /fields
↓me [transactions.JsonHttpTransaction-1672088989301]: 
  subDir: /me
`;

// lib_BaseRow (TableGetDataApiKey, FieldsList, TableGetData): a JSON list read into a JavaScript
// variable by a JSON Source, the whole list copied, and a complex element typed "array" by its
// attribute holding the copy of the list's items; lib_UserManager (SignInAD): a loop on that
// array's ./item.
const FIELDS = `↓Call_Transaction [steps.TransactionStep-1672088989211]: 
  sourceTransaction: lib_Demo.Api.list
↓JsonSource [steps.JsonSourceStep-1672088989217]: 
  comment: Our field list is now in aFields
  sourceDefinition: 
${vector("1672088989211", "./document/array", "    ")}
  variableName: aFields
↓jElement [steps.ElementStep-1672088989218]: 
  expression: aFields.length
  nodeName: count
↓Copy [steps.XMLCopyStep-1665297256066]: 
  sourceDefinition: 
${vector("1672088989211", "./document/array", "    ")}
↓structure [steps.XMLComplexStep-1680611271528]: 
  nodeName: structure
  ↓type [steps.XMLAttributeStep-1680617178913]: 
    nodeName: type
    nodeText: array
  ↓Copy1 [steps.XMLCopyStep-1680611235050]: 
    sourceDefinition: 
${vector("1672088989211", "./document/array/*", "      ")}
↓IterateOnLDAPGroups [steps.IteratorStep-1582446563581]: 
  comment: Now insert the user in all the goups he belongs to
  sourceDefinition: 
${vector("1680611271528", "./item", "    ")}
  ↓name [steps.XMLElementStep-1582446563590]: 
    nodeName: name
    sourceDefinition: 
${vector("1582446563581", "./name/text()", "      ")}
`;

// lib_Bitly Shorten (Concat and Complex kept out of the response, read by later steps; its token is
// a variable here, a Convertigo symbol there), lib_OAuth
// (a Copy of ./document/object/*), lib_BaseRow (./document/*[not(self::error)]), BankingDemo
// (a Copy of ./document/object/error, absent here), lib_download_file (./document/* of a
// sequence call), lib_Kafka (a JSON-to-XML step).
const SHORTEN = `↓Input_variables [steps.InputVariablesStep-1623520490036]: 
↓Concat [steps.XMLConcatStep-1623520740268]: 
  nodeName: Authorization
  output: false
  sourcesDefinition: 
    - xmlizable: 
      - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector
      - com.twinsoft.convertigo.beans.common.XMLVector: 
        - xmlizable: 
          - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector
          - com.twinsoft.convertigo.beans.common.XMLVector: 
            - java.lang.String: 
              - ↑value: description
            - xmlizable: 
              - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector
              - com.twinsoft.convertigo.beans.common.XMLVector: 
            - java.lang.String: 
              - ↑value: Bearer
        - xmlizable: 
          - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector
          - com.twinsoft.convertigo.beans.common.XMLVector: 
            - java.lang.String: 
              - ↑value: description
${vector("1623520490036", "./token/text()", "            ")}
            - java.lang.String: 
              - ↑value: ''
↓Complex [steps.XMLComplexStep-1623520362036]: 
  nodeName: object
  output: false
  ↓Attribute [steps.XMLAttributeStep-1623520402756]: 
    nodeName: type
    nodeText: object
  ↓Element [steps.XMLElementStep-1623520369212]: 
    nodeName: long_url
    output: false
    sourceDefinition: 
${vector("1623520490036", "./url/text()", "      ")}
  ↓Element1 [steps.XMLElementStep-1623520378485]: 
    nodeName: domain
    nodeText: bit.ly
    output: false
↓header [steps.XMLElementStep-1623520378490]: 
  nodeName: header
  sourceDefinition: 
${vector("1623520740268", "./text()", "    ")}
↓body [steps.JsonSourceStep-1623520378491]: 
  sourceDefinition: 
${vector("1623520362036", ".", "    ")}
  variableName: body
↓sent [steps.ElementStep-1623520378492]: 
  expression: body.long_url + " on " + body.domain
  nodeName: sent
↓Call_Me [steps.TransactionStep-1623520434315]: 
  sourceTransaction: lib_Demo.Api.me
↓Copy [steps.XMLCopyStep-1690000000001]: 
  sourceDefinition: 
${vector("1623520434315", "./document/object/*", "    ")}
↓Copy1 [steps.XMLCopyStep-1690000000002]: 
  comment: all but the error
  sourceDefinition: 
${vector("1623520434315", "./document/*[not(self::error)]", "    ")}
↓Copy11 [steps.XMLCopyStep-1579776626113]: 
  sourceDefinition: 
${vector("1623520434315", "./document/object/error", "    ")}
↓Call_Sequence [steps.SequenceStep-1721295245300]: 
  sourceSequence: lib_Demo.Fields
↓Copy2 [steps.XMLCopyStep-1721295245306]: 
  sourceDefinition: 
${vector("1721295245300", "./document/*", "    ")}
↓produce [steps.SimpleStep-1711710350660]: 
  expression: var produced = {topic: "t", partition: 0, offset: [1, 2]};
↓object [steps.JsonToXmlStep-1711710350667]: 
  jsonObject: 
    - xmlizable: 
      - ↑classname: com.twinsoft.convertigo.beans.steps.SmartType
      - SmartType: 
        - ↑mode: JS
        - →→: produced
  key: 
    - xmlizable: 
      - ↑classname: com.twinsoft.convertigo.beans.steps.SmartType
      - SmartType: 
        - ↑mode: PLAIN
        - →→: produced
↓url [variables.RequestableVariable-1623520463817]: 
  comment: the url to shorten
↓token [variables.RequestableVariable-1623520463818]: 
`;

let upstream: Upstream;
let ws: string;
const temps: string[] = [];

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url.startsWith("/fields"))
      sendJson(res, 200, [
        { id: 1, name: "a" },
        { id: 2, name: "b" },
      ]);
    else sendJson(res, 200, { login: "ada", id: 42 });
  });
  const src = await mkdtemp(path.join(os.tmpdir(), "c8o-xml-steps-"));
  ws = await mkdtemp(path.join(os.tmpdir(), "c8o-xml-steps-ws-"));
  temps.push(src, ws);
  await mkdir(path.join(src, "_c8oProject", "sequences"), { recursive: true });
  await mkdir(path.join(src, "_c8oProject", "connectors"), { recursive: true });
  await writeFile(path.join(src, "c8oProject.yaml"), PROJECT);
  await writeFile(path.join(src, "_c8oProject", "connectors", "Api.yaml"), connector(upstream.port));
  await writeFile(path.join(src, "_c8oProject", "sequences", "Fields.yaml"), FIELDS);
  await writeFile(path.join(src, "_c8oProject", "sequences", "Shorten.yaml"), SHORTEN);
});
afterAll(async () => {
  await upstream?.close();
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

async function imported() {
  const summary = await importConvertigo(path.join(temps[0] as string), ws, { env: {} });
  const project = await loadProject(summary.projectDir);
  return { summary, root: project.root };
}

const byId = (root: ObjNode, id: string) => findById(root, id);

describe("Convertigo's XML steps, imported", () => {
  let summary: Awaited<ReturnType<typeof imported>>["summary"];
  let root: ObjNode;
  beforeAll(async () => {
    ({ summary, root } = await imported());
  });

  it("become native steps, with no output-flag warnings", () => {
    expect(summary.foreign).toBe(0);
    expect(summary.warnings.filter((w) => /output: (true|false)/.test(w))).toEqual([]);
  });

  it("Copy: a node under its name, the children of one, all but some; a JSON answer without its root", () => {
    expect(byId(root, "1665297256066")).toMatchObject({
      type: "Copy",
      name: "array",
      props: { source: { step: "1672088989211", path: "data" } },
    });
    expect(byId(root, "1690000000001")).toMatchObject({ type: "Copy", props: { members: true } });
    // ./document/* of a JSON transaction (all but an error): its root, which Convertigo names "object".
    expect(byId(root, "1690000000002")).toMatchObject({
      name: "object",
      props: { source: { step: "1623520434315", path: "data" } },
    });
    expect(byId(root, "1579776626113")).toMatchObject({
      name: "error",
      props: { source: { step: "1623520434315", path: "data.error" } },
    });
    expect(byId(root, "1721295245306")?.props).toMatchObject({ members: true, source: { step: "1721295245300" } });
  });

  it("Complex: an object, or an array when its type attribute says so; hidden ones keep output: false", () => {
    const structure = byId(root, "1680611271528");
    expect(structure?.type).toBe("JsonArray");
    expect(structure?.children.map((c) => c.type)).toEqual(["Copy"]);
    const body = byId(root, "1623520362036");
    expect(body).toMatchObject({ type: "JsonObject", name: "object", props: { output: false } });
    // Their own output: false does not keep them out of the hidden object's value.
    expect(body?.children.map((c) => [c.name, c.type, c.props.output])).toEqual([
      ["long_url", "Element", undefined],
      ["domain", "Element", undefined],
    ]);
  });

  it("Concat: its rows become parts; JsonToXml: an Element under its key; sources: a Sequence JS", () => {
    expect(byId(root, "1623520740268")).toMatchObject({
      type: "Concat",
      name: "Authorization",
      props: { output: false, parts: [{ text: "Bearer" }, { source: { step: "1623520490036", path: "token" } }] },
    });
    expect(byId(root, "1711710350667")).toMatchObject({
      type: "Element",
      name: "produced",
      props: { expression: "produced" },
    });
    expect(byId(root, "1672088989217")?.props.code).toContain('var aFields = step("1672088989211").data;');
  });

  it("run as Convertigo's would answer, in JSON", async () => {
    const engine = await Engine.open({
      workspaceDir: ws,
      projectDirs: [summary.projectDir],
      env: {},
      log: new EngineLog({ level: "error" }),
    });
    try {
      const fields = await engine.run({ project: "lib_Demo", sequence: "Fields", inputs: {} });
      expect(fields.error).toBeUndefined();
      const list = [
        { id: 1, name: "a" },
        { id: 2, name: "b" },
      ];
      expect(fields.output).toEqual({ count: 2, array: list, structure: list, name: ["a", "b"] });

      const r = await engine.run({
        project: "lib_Demo",
        sequence: "Shorten",
        inputs: { url: "https://www.convertigo.com", token: "t0k" },
      });
      expect(r.error).toBeUndefined();
      expect(r.output).toEqual({
        header: "Bearer t0k",
        sent: "https://www.convertigo.com on bit.ly",
        // ./document/object/*: the answer's keys; ./document/*[not(self::error)]: its root.
        login: "ada",
        id: 42,
        object: { login: "ada", id: 42 },
        // ./document/* of the Fields sequence: its keys.
        count: 2,
        array: list,
        structure: list,
        name: ["a", "b"],
        produced: { topic: "t", partition: 0, offset: [1, 2] },
      });
    } finally {
      await engine.close();
    }
  });
});
