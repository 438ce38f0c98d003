import type { Migration } from "../../model/typedef.ts";
import type { PropDef } from "../../model/props.ts";

/**
 * The `output` flag of steps (Convertigo's): whether what the step makes is added to the
 * sequence's response. A step kept out of it still answers its value, for sources.
 */
export function outputProp(dflt: boolean, what: string): PropDef {
  return {
    name: "output",
    label: "In the response",
    kind: "boolean",
    default: dflt,
    help: dflt
      ? `Adds ${what} to the sequence's response under the step's name. Off: kept out of the response; later steps still read it through a source.`
      : `Off: ${what} is only the step's output (for sources). On: it is also added to the sequence's response under the step's name.`,
    group: "Output",
  };
}

/** Is the step's `output` flag on (its type's default when the object does not set it)? */
export function isOutput(ctx: { prop<T = unknown>(name: string): T }): boolean {
  return ctx.prop<boolean>("output") !== false;
}

/**
 * The migration of a type that gained the `output` flag: an object saved before has no flag, and
 * the flag's default is what the type always did (add to the response, or not), so it is unchanged.
 */
export function outputFlagAdded(to: number, dflt: boolean): Migration {
  return {
    to,
    description: `"output" (add to the response) was added; its default (${dflt}) is what the step did before`,
    up: (props) => props,
  };
}
