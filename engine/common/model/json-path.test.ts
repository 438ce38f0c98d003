import { describe, expect, it } from "vitest";
import { getPath, parsePath } from "./json-path.ts";

describe("JSON paths of sources", () => {
  const data = { items: [{ name: "a" }, { name: "b" }], "odd key": { x: 1 }, n: 0 };
  it("read plain child paths", () => {
    expect(getPath(data, "items[1].name")).toBe("b");
    expect(getPath(data, "$.items[0].name")).toBe("a");
    expect(getPath(data, "odd key.x")).toBe(1);
    expect(getPath(data, '$["odd key"].x')).toBe(1);
    expect(getPath(data, "items[-1]")).toEqual({ name: "b" });
    expect(getPath(data, "n")).toBe(0);
    expect(getPath(data, "")).toBe(data);
    expect(getPath(data, "$")).toBe(data);
  });
  it("answer undefined for a path that leads nowhere", () => {
    expect(getPath(data, "items[5].name")).toBeUndefined();
    expect(getPath(data, "nope.deeper")).toBeUndefined();
    expect(getPath(data, "n.x")).toBeUndefined();
    expect(getPath(data, "items.constructor")).toBeUndefined();
    expect(getPath({}, "__proto__")).toBeUndefined();
  });
  it("reject malformed paths naming the position", () => {
    expect(() => parsePath("items[x]")).toThrow('Invalid path "items[x]" at character 7');
    expect(() => parsePath("a..b")).toThrow(/Invalid path "a\.\.b"/);
  });
});
