import { describe, expect, it } from "vitest";
import { LAYOUT_KEYS } from "../../engine/common/types/ui/component.ts";
import { LAYOUT_FIELDS, parseSize, withLayoutKey } from "./layout-model.ts";

describe("the layout form", () => {
  it("has one field per layout key, in the type's list", () => {
    expect(LAYOUT_FIELDS.map((f) => f.key).sort()).toEqual([...LAYOUT_KEYS].sort());
  });

  it("sizes: digits are pixels, lengths keep their unit, anything else is refused", () => {
    expect(parseSize("12")).toEqual({ value: 12 });
    expect(parseSize(" 8px ")).toEqual({ value: 8 });
    expect(parseSize("50%")).toEqual({ value: "50%" });
    expect(parseSize("1.5rem")).toEqual({ value: "1.5rem" });
    expect(parseSize("")).toEqual({ value: undefined });
    expect(parseSize("calc(1px);}")).toEqual({
      error: '"calc(1px);}" is no size: a number of pixels, or a length such as 50%, 2rem',
    });
  });

  it("one key edited, the others kept; empty values removed, an empty layout is none", () => {
    expect(withLayoutKey({ gap: 8 }, "direction", "row")).toEqual({ gap: 8, direction: "row" });
    expect(withLayoutKey({ gap: 8, wrap: true }, "wrap", false)).toEqual({ gap: 8 });
    expect(withLayoutKey({ gap: 8 }, "gap", undefined)).toBeUndefined();
    expect(withLayoutKey("not an object", "padding", 4)).toEqual({ padding: 4 });
  });
});
