import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "../../common/model/trace.ts";
import { testWorkspace, type TestWorkspace } from "../testing/harness.ts";
import { Session } from "./sessions.ts";

// Convertigo's JavaScript API as imported projects call it (the calls below are the corpus's own
// forms: lib_FullSyncGrp's CalcID, lib_Stripe's Base64, lib_BaseRow's log.warn, session
// attributes in lib_OAuth), run by a real engine.

let ws: TestWorkspace;

beforeAll(async () => {
  ws = await testWorkspace({
    sequences: [
      {
        type: "Sequence",
        name: "Compat",
        children: [
          { type: "Variable", name: "user", default: "ada" },
          { type: "Variable", name: "group", default: "admins" },
          {
            type: "SequenceJS",
            name: "calc",
            code: [
              'log.warn("warned", 1);',
              'log.message("message");',
              'log.debug("debugged");',
              'log.error("failed");',
              'var _id = org.apache.commons.codec.digest.DigestUtils.sha256Hex(user + ":" + group);',
              'context.httpSession.setAttribute("token", "t-1");',
              'var token = context.httpSession.getAttribute("token");',
              'context.httpSession.removeAttribute("token");',
              'var gone = context.httpSession.getAttribute("token");',
              'var b64 = com.twinsoft.convertigo.engine.util.Base64.encodeString("key:sécret");',
              "var back = com.twinsoft.convertigo.engine.util.Base64.decodeToString(b64);",
              'var id = "C8O_" + java.util.UUID.randomUUID().toString();',
              "var t = java.lang.System.currentTimeMillis();",
              'context.addTextNodeUnderRoot("success", true);',
            ].join("\n"),
          },
          {
            type: "JsonObject",
            name: "nested",
            children: [
              {
                type: "SequenceJS",
                name: "deep",
                code: 'context.addTextNodeUnderRoot("atRoot", context.projectName);',
              },
              { type: "Element", name: "inside", expression: "context.getProjectName()" },
            ],
          },
          { type: "Element", name: "id", expression: "_id" },
          { type: "Element", name: "token", expression: "token" },
          { type: "Element", name: "gone", expression: "gone === null" },
          { type: "Element", name: "b64", expression: "b64" },
          { type: "Element", name: "back", expression: "back" },
          { type: "Element", name: "uuid", expression: "id" },
          { type: "Element", name: "fresh", expression: "Math.abs(Date.now() - t) < 60000" },
        ],
      },
      {
        type: "Sequence",
        name: "JavaFile",
        children: [{ type: "SequenceJS", name: "file", code: 'var f = new java.io.File("/etc/passwd");' }],
      },
    ],
  });
});

afterAll(async () => {
  await ws.close();
});

describe("Convertigo's JavaScript API in the sandbox", () => {
  it("runs the log, session, output, hash, Base64, UUID and time calls of imported code", async () => {
    const events: RunEvent[] = [];
    const session = new Session(undefined, 60);
    const r = await ws.run({ sequence: "Compat", inputs: {}, session, onEvent: (e) => events.push(e) });
    expect(r.error).toBeUndefined();
    const out = r.output as Record<string, unknown>;
    expect(out).toMatchObject({
      success: "true",
      atRoot: "P",
      nested: { inside: "P" },
      id: createHash("sha256").update("ada:admins").digest("hex"),
      token: "t-1",
      gone: true,
      b64: Buffer.from("key:sécret", "utf8").toString("base64"),
      back: "key:sécret",
      fresh: true,
    });
    expect(out.uuid).toMatch(/^C8O_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // Added at the root, not inside the object being filled.
    expect(Object.keys(out.nested as object)).toEqual(["inside"]);
    const logs = events.flatMap((e) => (e.kind === "log" ? [[e.level, e.message]] : []));
    expect(logs).toEqual([
      ["warn", "warned 1"],
      ["info", "message"],
      ["debug", "debugged"],
      ["error", "failed"],
    ]);
    expect(session.get("token")).toBeUndefined();
  });

  it("names the Java class a call needs when Atelier has no such thing", async () => {
    const r = await ws.run({ sequence: "JavaFile", inputs: {} });
    expect(r.ok).toBe(false);
    expect(r.error?.message).toContain("java.io.File: Java classes do not exist in Atelier's sandbox");
    expect(r.error?.step?.name).toBe("file");
  });
});
