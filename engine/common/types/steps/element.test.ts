import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Element step", () => {
  it("emits a constant, an expression and a source under its name", async () => {
    const r = await runSteps([
      { type: "Element", name: "constant", value: { a: 1 } },
      { type: "Element", name: "computed", expression: "1 + 2" },
      { type: "Element", name: "copied", source: { step: "Main-0-constant", path: "a" } },
    ]);
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ constant: { a: 1 }, computed: 3, copied: 1 });
  });

  it("turns a name emitted twice into a list, as repeated elements do", async () => {
    const r = await runSteps([
      { type: "Element", name: "item", value: "x" },
      { type: "Element", name: "item", value: "y" },
      { type: "Element", name: "item", value: "z" },
    ]);
    expect(r.output).toEqual({ item: ["x", "y", "z"] });
  });

  it("resolves settings in a constant", async () => {
    const r = await runSteps(
      [{ type: "Element", name: "host", value: "${apiHost}:${apiPort=8080}" }],
      {},
      {
        settings: [{ type: "Setting", name: "apiHost", value: "example.org" }],
      },
    );
    expect(r.output).toEqual({ host: "example.org:8080" });
  });

  it("fails clearly when its source step has not run", async () => {
    const r = await runSteps([{ type: "Element", name: "x", source: { step: "nope", path: "a" } }]);
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe("source_not_ready");
    expect(r.error?.message).toContain('Element "x"');
    expect(r.error?.step?.name).toBe("x");
  });

  it("kept out of the response (output: false), still gives its value to sources", async () => {
    // Convertigo's Bitly Shorten: a hidden element (output: false) read by a later step.
    const r = await runSteps([
      { type: "Element", name: "domain", value: "bit.ly", output: false },
      { type: "Element", name: "shown", source: { step: "Main-0-domain" } },
    ]);
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ shown: "bit.ly" });
  });
});
