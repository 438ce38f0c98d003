/** What a JSON field of the property panel says of text it cannot read. */
import { defaultProblem } from "../../engine/common/types/variable.ts";

/**
 * Why the text of a JSON field cannot be read: a variable's default is judged by its type first
 * (`abc` for a number variable says it must be a number, as the engine would), else the parse
 * error, with how to write a text when it looks like one.
 */
export function unreadableJson(
  type: string,
  props: Readonly<Record<string, unknown>>,
  prop: string,
  text: string,
  error: Error,
): string {
  if (type === "Variable" && prop === "default") {
    const why = defaultProblem(text, typeof props.dataType === "string" ? props.dataType : "string");
    if (why) return why;
  }
  const t = text.trim();
  const looksLikeText = /^[^{["\d-]/.test(t) && !/^(true|false|null)$/.test(t);
  return `Not valid JSON: ${error.message}${looksLikeText ? `; a text is written in quotes: ${JSON.stringify(t)}` : ""}`;
}
