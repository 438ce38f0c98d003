/**
 * Inputs typed as their variables declare them (test cases keep `count: 3`, not `count: "3"`).
 * The run form holds text; a run sends it as text (the engine converts and refuses what does not
 * convert), but a saved test case is data: it is written with the variable's own type. Text that
 * does not convert is kept as typed, so the engine's message still says what is wrong.
 */

/** What typing reads of a Variable: its name and properties. */
export interface InputVariable {
  name: string;
  props: Record<string, unknown>;
}

/** One value of text as a variable of `dataType` holds it (the text itself when it does not convert). */
export function typedValue(text: string, dataType: string): unknown {
  switch (dataType) {
    case "integer": {
      const n = text.trim() === "" ? NaN : Number(text);
      return Number.isInteger(n) ? n : text;
    }
    case "number": {
      const n = text.trim() === "" ? NaN : Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case "boolean":
      if (["true", "1", "on"].includes(text.trim())) return true;
      if (["false", "0", "off"].includes(text.trim())) return false;
      return text;
    case "json":
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/** The run form's texts as typed inputs: lists for multi-valued variables (one value per line). */
export function typedInputs(vars: readonly InputVariable[], texts: Record<string, string>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const v of vars) {
    const text = texts[v.name];
    if (text === undefined || text === "") continue;
    const dataType = typeof v.props.dataType === "string" ? v.props.dataType : "string";
    if (v.props.multiValued === true) {
      inputs[v.name] = text
        .split("\n")
        .filter((x) => x !== "")
        .map((x) => typedValue(x, dataType));
    } else inputs[v.name] = typedValue(text, dataType);
  }
  return inputs;
}
