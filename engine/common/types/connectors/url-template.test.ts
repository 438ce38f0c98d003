import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { requestUrl, UrlRefusal } from "./json-http-transaction.ts";

const BASE = "http://127.0.0.1:8090/api";

/** The URL, or the refusal's code. */
function build(template: string, vars: Record<string, unknown>, base = BASE): URL | string {
  try {
    return requestUrl(template, vars, base, "T.x");
  } catch (e) {
    if (e instanceof UrlRefusal) return e.code;
    throw e;
  }
}

/** Values an attacker would try: dot segments in every spelling, separators, controls, anything. */
const hostile = fc.oneof(
  fc.constantFrom(
    ".",
    "..",
    "%2e",
    "%2E%2E",
    ".%2e",
    "%2e.",
    "../..",
    "..\\..",
    "a/../../b",
    "./.",
    ".\t.",
    "\n..",
    "..?x",
    "..#x",
    "//evil.example/x",
    "\\\\evil.example",
    "@evil.example",
    "%2f..%2f",
    "..;/",
    "\ud800",
    "a\udc00.",
    "",
  ),
  fc.string({ unit: fc.constantFrom(".", "/", "\\", "%", "2", "e", "E", "a", "?", "#", "\t", "\n", "@", ":", ";") }),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
);

describe("URL templates: variables never move a request out of its path", () => {
  it("refuses a variable that is a dot segment, in every spelling, instead of sending PUT /", () => {
    for (const id of [".", ".."]) {
      expect(build("{+baseUrl}/orders/{id}", { baseUrl: "http://127.0.0.1:8090", id }), id).toBe(
        "invalid_path_variable",
      );
      expect(build("/orders/{id}", { id }), id).toBe("invalid_path_variable");
    }
    // {id} encodes "%": an id written "%2e" is that text, not a dot.
    expect((build("/orders/{id}", { id: "%2E%2E" }) as URL).pathname).toBe("/api/orders/%252E%252E");
    for (const rest of [".", "..", "%2e", "%2E%2E", ".%2E", "%2e."]) {
      expect(build("/orders/{+rest}", { rest }), rest).toBe("invalid_path_variable");
    }
    // A segment made of fixed text and a variable is held to the same rule.
    expect(build("/orders/.{ext}", { ext: "." })).toBe("invalid_path_variable");
    expect(build("/orders/{a}{b}", { a: ".", b: "." })).toBe("invalid_path_variable");
    // {+var} cannot climb either, whatever separator or spelling it uses.
    for (const rest of ["../admin", "..\\admin", "a/../../admin", "%2e%2e/admin", ".\t./admin", "./../x"]) {
      expect(build("/orders/{+rest}", { rest }), rest).toBe("invalid_path_variable");
    }
    expect(build("{+base}/orders", { base: "http://127.0.0.1:8090/x/.." })).toBe("invalid_path_variable");
  });

  it("keeps ordinary values, encoded as before", () => {
    expect((build("/orders/{id}", { id: "a b/c" }) as URL).toString()).toBe(
      "http://127.0.0.1:8090/api/orders/a%20b%2Fc",
    );
    expect((build("/orders/{id}", { id: "..." }) as URL).pathname).toBe("/api/orders/...");
    expect((build("/orders/{id}", { id: ".x" }) as URL).pathname).toBe("/api/orders/.x");
    expect((build("/orders/{+rest}", { rest: "a/b?c=1" }) as URL).toString()).toBe(
      "http://127.0.0.1:8090/api/orders/a/b?c=1",
    );
    expect((build("{+baseUrl}/items", { baseUrl: "http://127.0.0.1:9" }) as URL).toString()).toBe(
      "http://127.0.0.1:9/items",
    );
    // Dot segments the developer wrote are theirs.
    expect((build("/v1/../v2/{id}", { id: "1" }) as URL).pathname).toBe("/api/v2/1");
  });

  it("property: for any value, the normalised path stays under the template's fixed prefix", () => {
    const templates: [string, string, (v: string) => Record<string, unknown>][] = [
      ["/orders/{id}", "/api/orders/", (v) => ({ id: v })],
      ["/orders/{+rest}", "/api/orders/", (v) => ({ rest: v })],
      ["/orders/{id}/lines", "/api/orders/", (v) => ({ id: v })],
      ["/orders/.{id}", "/api/orders/", (v) => ({ id: v })],
      ["/orders/{id}{id}", "/api/orders/", (v) => ({ id: v })],
      ["orders/x{+rest}", "/api/orders/", (v) => ({ rest: v })],
      ["{+base}/orders/{id}", "/orders/", (v) => ({ base: "http://127.0.0.1:8090", id: v })],
      ["{+base}/orders/{+id}", "/orders/", (v) => ({ base: "http://127.0.0.1:8090", id: v })],
      ["http://127.0.0.1:8090/v1/{+id}", "/v1/", (v) => ({ id: v })],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...templates), hostile, ([template, prefix, vars], value) => {
        const r = build(template, vars(value));
        if (typeof r === "string") return r === "invalid_path_variable" || r === "invalid_url";
        // What any client or server would see after normalising the URL.
        const seen = new URL(r.toString());
        return seen.host === "127.0.0.1:8090" && seen.pathname.startsWith(prefix);
      }),
      { numRuns: 3000 },
    );
  });
});
