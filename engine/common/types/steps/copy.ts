import { isPlainObject } from "../../model/props.ts";
import { defineType } from "../../model/typedef.ts";
import { commentProp, valueProps } from "../shared-props.ts";
import { isOutput, outputProp } from "./output-prop.ts";

/**
 * Convertigo's XMLCopyStep on a JSON output: the nodes a source selects are copied under their own
 * names (`./document/error` adds "error"), or their children are (`./document/object/*`). A source
 * that selects nothing copies nothing, which is what sequences rely on to pass an optional part on.
 */
export const copyStep = defineType({
  type: "Copy",
  label: "Copy",
  category: "step",
  icon: "element",
  description:
    "Copies a value read from an earlier step into the output under the step's name, or, with Members, each key of an object (each item of an array) as it is. Nothing is added when the value is missing.",
  accepts: [],
  output: "value",
  props: [
    commentProp,
    ...valueProps("the value to copy"),
    {
      name: "members",
      label: "Members",
      kind: "boolean",
      default: false,
      help: "Copy the value's members instead of the value: each key of an object under its own name, each item of an array (under the step's name in an object).",
    },
    {
      name: "except",
      label: "Except",
      kind: "stringList",
      help: "With Members: keys of the object that are not copied.",
    },
    outputProp(true, "the copy"),
  ],
  run: async (ctx) => {
    const { source, expression, value: constant } = ctx.node.props;
    // Nothing to copy from (a source that could not be set): nothing is copied.
    if (source === undefined && (expression === undefined || expression === "") && constant === undefined)
      return undefined;
    const value = await ctx.value();
    // A source that names nothing (undefined) copies nothing; an explicit null is a value.
    if (value === undefined) return undefined;
    if (!isOutput(ctx)) return value;
    if (!ctx.prop<boolean>("members")) {
      // A list made of a name written several times (repeated XML elements) is several values.
      if (Array.isArray(value) && (value as unknown[] & { repeated?: boolean }).repeated) {
        for (const item of value) ctx.emit(ctx.node.name, item);
      } else ctx.emit(ctx.node.name, value);
      return value;
    }
    if (Array.isArray(value)) {
      for (const item of value) ctx.emit(ctx.node.name, item);
    } else if (isPlainObject(value)) {
      const except = new Set(ctx.prop<string[] | undefined>("except") ?? []);
      for (const [k, v] of Object.entries(value)) if (!except.has(k)) ctx.emit(k, v);
    } else {
      ctx.emit(ctx.node.name, value);
    }
    return value;
  },
});
