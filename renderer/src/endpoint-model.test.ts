import { describe, expect, it } from "vitest";
import {
  accessOf,
  curlCommand,
  endpointPath,
  endpointRequest,
  endpointUrl,
  needsJsonBody,
  shellQuote,
} from "./endpoint-model.ts";

const ORIGIN = "http://127.0.0.1:8080";

describe("endpoint URLs", () => {
  it("runs a sequence or a transaction, names encoded", () => {
    expect(endpointPath({ project: "Demo", sequence: "Greet" })).toBe("/projects/Demo/.json?__sequence=Greet");
    expect(endpointPath({ project: "My Shop", sequence: "a&b" }, "xml")).toBe(
      "/projects/My%20Shop/.xml?__sequence=a%26b",
    );
    expect(endpointPath({ project: "Shop", connector: "Api", transaction: "GetItem" })).toBe(
      "/projects/Shop/.json?__connector=Api&__transaction=GetItem",
    );
  });

  it("puts text inputs in the query (a list repeats the name), on the engine's origin", () => {
    expect(endpointUrl(`${ORIGIN}/`, { project: "Demo", sequence: "Greet" })).toBe(
      `${ORIGIN}/projects/Demo/.json?__sequence=Greet`,
    );
    expect(endpointUrl(ORIGIN, { project: "Demo", sequence: "SumList" }, { n: ["1", "2.5"], who: "A d&a" })).toBe(
      `${ORIGIN}/projects/Demo/.json?__sequence=SumList&n=1&n=2.5&who=A%20d%26a`,
    );
  });

  it("sends JSON values (numbers, objects, lists of them) as a JSON body", () => {
    expect(needsJsonBody({ a: "x", b: ["y"] })).toBe(false);
    expect(needsJsonBody({ a: { b: 1 } })).toBe(true);
    expect(needsJsonBody({ a: [1, 2] })).toBe(true);
    const r = endpointRequest(ORIGIN, { project: "P", sequence: "S" }, { doc: { id: 1 } });
    expect(r).toEqual({
      url: `${ORIGIN}/projects/P/.json`,
      method: "POST",
      body: '{"__sequence":"S","doc":{"id":1}}',
    });
    expect(endpointRequest(ORIGIN, { project: "P", sequence: "S" }, { q: "x" })).toEqual({
      url: `${ORIGIN}/projects/P/.json?__sequence=S&q=x`,
      method: "GET",
    });
  });
});

describe("copy as curl", () => {
  it("quotes for a POSIX shell, quotes inside included", () => {
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it("is a GET with the query, or a POST of the JSON body", () => {
    expect(curlCommand(ORIGIN, { project: "Demo", sequence: "Greet" }, { name: "Ada" })).toBe(
      `curl '${ORIGIN}/projects/Demo/.json?__sequence=Greet&name=Ada'`,
    );
    expect(curlCommand(ORIGIN, { project: "P", sequence: "S" }, { o: { t: "it's" } })).toBe(
      `curl -X POST -H 'content-type: application/json' -d '{"__sequence":"S","o":{"t":"it'\\''s"}}' '${ORIGIN}/projects/P/.json'`,
    );
  });
});

describe("accessibility", () => {
  it("says who may call", () => {
    expect(accessOf({})).toMatchObject({ access: "Public", callable: true, authenticated: false });
    expect(accessOf({ accessibility: "Hidden" })).toMatchObject({ access: "Hidden", callable: true });
    const priv = accessOf({ accessibility: "Private", authenticatedContextRequired: true });
    expect(priv).toMatchObject({ access: "Private", callable: false });
    expect(priv.text).toContain("not callable over HTTP");
    expect(accessOf({ authenticatedContextRequired: true }).text).toContain("authenticated session");
  });
});
