/**
 * Convertigo's condition steps (If exists, Is in), Get Authenticated User and Break, imported from
 * excerpts of the public projects that use them, then run.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findById } from "../../../common/model/node.ts";
import { Engine } from "../../engine.ts";
import { EngineLog } from "../../log.ts";
import { loadProject } from "../../project/project-files.ts";
import { Session } from "../../runtime/sessions.ts";
import { c8oSourceLines } from "../../testing/c8o-snippets.ts";
import { importConvertigo, type ImportSummary } from "../import.ts";

const source = (step: string, xpath: string, indent: string) => [
  `${indent}sourceDefinition: `,
  ...c8oSourceLines(`${indent}  `, step, xpath),
];

const FILES: Record<string, string[]> = {
  "c8oProject.yaml": [
    "↑convertigo: 8.3.0.m006",
    "↓Conditions [core.Project]: ",
    "  ↓checkAccessTokenGoogle [sequences.GenericSequence]: 🗏 sequences/checkAccessTokenGoogle.yaml",
    "  ↓ClearRefreshToken [sequences.GenericSequence]: 🗏 sequences/ClearRefreshToken.yaml",
    "  ↓Set_Auth_Basic [sequences.GenericSequence]: 🗏 sequences/Set_Auth_Basic.yaml",
    "  ↓TableDeleteAllRows [sequences.GenericSequence]: 🗏 sequences/TableDeleteAllRows.yaml",
    "  ↓SignInAD [sequences.GenericSequence]: 🗏 sequences/SignInAD.yaml",
  ],
  // lib_GoogleSheet's checkAccessTokenGoogle (its Else calls lib_UserManager with the user).
  "_c8oProject/sequences/checkAccessTokenGoogle.yaml": [
    "↓GetTokenFromUserSession [steps.SessionGetStep-1607691398179]: ",
    "  key: oAuthAccessTokenGoogle",
    "  output: false",
    "↓IfExistThenElse [steps.IfExistThenElseStep-1608745385084]: ",
    ...source("1607691398179", "./expression/text()", "  "),
    "  ↓jThen [steps.ThenStep-1608745385086]: ",
    "    ↓login [steps.XMLElementStep-1607691398185]: ",
    "      nodeName: token",
    ...source("1607691398179", "./expression/text()", "      "),
    "    ↓Return [steps.ReturnStep-1607691398188]: ",
    "  ↓jElse [steps.ElseStep-1608745385088]: ",
    "    ↓Get_authenticated_user [steps.GetAuthenticatedUserStep-1608745429916]: ",
    "      output: false",
    "    ↓user [steps.XMLElementStep-1608745474603]: ",
    "      nodeName: user",
    ...source("1608745429916", "./authenticatedUserID/text()", "      "),
  ],
  // lib_GoogleDrive's ClearRefreshToken: the step's output flag is on (Convertigo's default).
  "_c8oProject/sequences/ClearRefreshToken.yaml": [
    "↓authenticatedUserID [steps.GetAuthenticatedUserStep-1724915718807]: ",
  ],
  // BasicAuth's Set_Auth_Basic (it tests a call's ./document/object/authenticated/text()).
  "_c8oProject/sequences/Set_Auth_Basic.yaml": [
    "↓answer [steps.SessionGetStep-1739182229973]: ",
    "  key: authenticated",
    "↓IfIsIn [steps.IsInStep-1739182477897]: ",
    ...source("1739182229973", "./expression/text()", "  "),
    "  testDefinition: ",
    "    - xmlizable: ",
    "      - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector",
    "      - com.twinsoft.convertigo.beans.common.XMLVector: ",
    "        - xmlizable: ",
    "          - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector",
    "          - com.twinsoft.convertigo.beans.common.XMLVector: ",
    "            - java.lang.String: ",
    "              - ↑value: AND",
    "            - java.lang.String: ",
    "              - ↑value: true",
    "  ↓authenticated [steps.XMLElementStep-1739182507310]: ",
    "    nodeName: authenticated",
    "    nodeText: true",
  ],
  // lib_BaseRow's TableDeleteAllRows, its transaction call replaced by a list of pages.
  "_c8oProject/sequences/TableDeleteAllRows.yaml": [
    "↓auth [steps.SimpleStep-1708425810529]: ",
    "  expression: var pages = [[1, 2], [3], []]; var page = 0; var cptTotal = 0;",
    "↓jWhile [steps.WhileStep-1708442552539]: ",
    "  condition: true",
    "  ↓ids [steps.SimpleStep-1708438380156]: ",
    "    expression: var ids = pages[page++];",
    "  ↓jIf [steps.IfStep-1708442610722]: ",
    "    condition: ids.length == 0",
    "    ↓jBreak [steps.BreakStep-1708442598138]: ",
    "  ↓body [steps.SimpleStep-1708438120729]: ",
    "    expression: cptTotal += ids.length;",
    "↓total [steps.JsonFieldStep-1708438120730]: ",
    "  key: total",
    "  value: ",
    "    - xmlizable: ",
    "      - ↑classname: com.twinsoft.convertigo.beans.steps.SmartType",
    "      - SmartType: ",
    "        - ↑mode: JS",
    "        - →→: cptTotal",
  ],
  // lib_UserManager's SignInAD: a predicate Atelier's paths do not have.
  "_c8oProject/sequences/SignInAD.yaml": [
    "↓group [steps.SessionGetStep-1582446344229]: ",
    "  key: group",
    "↓IfExist [steps.IfExistStep-1582714634715]: ",
    ...source("1582446344229", ".[starts-with('ad:')]", "  "),
  ],
};

let dir: string;
let summary: ImportSummary;
let engine: Engine;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "c8o-conditions-"));
  const src = path.join(dir, "src");
  for (const [rel, lines] of Object.entries(FILES)) {
    await mkdir(path.dirname(path.join(src, rel)), { recursive: true });
    await writeFile(path.join(src, rel), `${lines.join("\n")}\n`);
  }
  summary = await importConvertigo(src, path.join(dir, "ws"), { env: {} });
  engine = await Engine.open({
    workspaceDir: path.join(dir, "ws"),
    env: {},
    log: new EngineLog({ level: "silent" }),
  });
});
afterAll(async () => {
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});

function session(user: string | undefined, values: Record<string, unknown>): Session {
  const s = new Session(undefined, 600);
  if (user) s.setUser(user);
  for (const [k, v] of Object.entries(values)) s.set(k, v);
  return s;
}
const run = (sequence: string, s: Session = session(undefined, {})) =>
  engine.run({ project: "Conditions", sequence, inputs: {}, session: s });

describe("Convertigo's condition steps, imported", () => {
  it("become native steps reading their source; an XPath Atelier cannot read keeps its step foreign", async () => {
    expect(summary.foreignByClass).toEqual({ "steps.IfExistStep": 1 });
    const root = (await loadProject(summary.projectDir)).root;
    expect(findById(root, "1608745385084")).toMatchObject({
      type: "IfExistsThenElse",
      props: { source: { step: "1607691398179" }, textOnly: true },
    });
    expect(findById(root, "1608745429916")).toMatchObject({
      type: "GetAuthenticatedUser",
      name: "Get_authenticated_user",
      props: { addToResponse: false },
    });
    expect(findById(root, "1608745474603")?.props.source).toEqual({ step: "1608745429916", path: "" });
    expect(findById(root, "1739182477897")).toMatchObject({
      type: "IsIn",
      props: { source: { step: "1739182229973", path: "" }, textOnly: true, matches: ["true"] },
    });
    expect(findById(root, "1708442598138")).toMatchObject({ type: "Break" });
    expect(findById(root, "1582714634715")).toMatchObject({ type: "Foreign", props: { class: "steps.IfExistStep" } });
  });

  it("If exists on a session value: the token when the session holds one, else the user", async () => {
    expect((await run("checkAccessTokenGoogle", session("ada", { oAuthAccessTokenGoogle: "tok" }))).output).toEqual({
      token: "tok",
    });
    expect((await run("checkAccessTokenGoogle", session("ada", {}))).output).toEqual({ user: "ada" });
    expect((await run("checkAccessTokenGoogle", session("ada", { oAuthAccessTokenGoogle: "" }))).output).toEqual({
      user: "ada",
    });
  });

  it("Get Authenticated User adds the user to the response when its output flag is on", async () => {
    expect((await run("ClearRefreshToken", session("ada", {}))).output).toEqual({ authenticatedUserID: "ada" });
    expect((await run("ClearRefreshToken")).output).toEqual({ authenticatedUserID: null });
  });

  it("Is in tests the text of the value", async () => {
    const answer = (authenticated: unknown) => session(undefined, { authenticated });
    expect((await run("Set_Auth_Basic", answer(true))).output).toEqual({ authenticated: "true" });
    expect((await run("Set_Auth_Basic", answer(false))).output).toEqual({});
  });

  it("Break ends the While", async () => {
    const r = await run("TableDeleteAllRows");
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ total: 3 });
  });
});
