import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";
import { checkNode } from "../../model/registry.ts";

describe("Concat step", () => {
  it("joins fixed texts and sources' values with the separator", async () => {
    // lib_Bitly Shorten: "Bearer" + the token (separator " "), kept out of the response and read
    // by a header variable; lib_OAuth: "azuread:" + id + ":" + userPrincipalName (separator "").
    const r = await runSteps([
      { type: "Element", name: "me", value: { id: "42", userPrincipalName: "ada@x" }, output: false },
      { type: "Element", name: "token", value: "t0k", output: false },
      {
        type: "Concat",
        name: "Authorization",
        parts: [{ text: "Bearer" }, { source: { step: "Main-1-token" } }],
        output: false,
      },
      { type: "Element", name: "header", source: { step: "Main-2-Authorization" } },
      {
        type: "Concat",
        name: "user",
        separator: "",
        parts: [
          { text: "azuread:" },
          { source: { step: "Main-0-me", path: "id" } },
          { text: ":" },
          { source: { step: "Main-0-me", path: "userPrincipalName" } },
        ],
      },
    ]);
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ header: "Bearer t0k", user: "azuread:42:ada@x" });
  });

  it("uses a part's text when its source gives nothing, joins a list's values, skips a leading separator", async () => {
    const r = await runSteps([
      { type: "Element", name: "doc", value: { tags: ["a", "b"], n: 3 }, output: false },
      {
        type: "Concat",
        name: "text",
        separator: "-",
        parts: [
          { source: { step: "Main-0-doc", path: "absent" } },
          { source: { step: "Main-0-doc", path: "tags" } },
          { source: { step: "Main-0-doc", path: "nope" }, text: "none" },
          { source: { step: "Main-0-doc", path: "n" } },
        ],
      },
      // lib_ChatGPT: a part read from a loop's item (an expression).
      {
        type: "Iterator",
        name: "each",
        expression: '[{ prompt: "hi" }, {}]',
        children: [
          {
            type: "Concat",
            name: "line",
            separator: "",
            parts: [{ text: "> " }, { expression: "item.prompt", text: "(none)" }],
          },
        ],
      },
    ]);
    expect(r.error).toBeUndefined();
    // The first part is empty: no separator after it.
    expect(r.output).toEqual({ text: "a-b-none-3", line: ["> hi", "> (none)"] });
  });

  it("checks the shape of its parts", () => {
    const node = { id: "c", type: "Concat", name: "c", props: { parts: [{ source: "x" }] }, children: [] };
    expect(
      checkNode(node)
        .map((i) => i.message)
        .join(),
    ).toMatch(/Part 1: source must name a step/);
  });
});
