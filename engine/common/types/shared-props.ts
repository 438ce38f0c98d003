import type { PropDef } from "../model/props.ts";

/** The free comment every object can carry. */
export const commentProp: PropDef = {
  name: "comment",
  label: "Comment",
  kind: "text",
  help: "A note for the developers; it does not change how the object runs.",
  group: "Documentation",
};

/**
 * The three ways a step gets a value, tried in this order: a source (an earlier step's output),
 * a JavaScript expression, a constant.
 */
export function valueProps(what: string): PropDef[] {
  return [
    {
      name: "source",
      label: "Source",
      kind: "source",
      help: `Takes ${what} from the output of an earlier step: its id and a path such as data.items[0].name.`,
      group: "Value",
    },
    {
      name: "expression",
      label: "Expression",
      kind: "expression",
      help: `A JavaScript expression giving ${what}; it sees the variables and the outputs of earlier steps.`,
      group: "Value",
    },
    {
      name: "value",
      label: "Constant value",
      kind: "json",
      help: `A constant used as ${what} when there is no source and no expression.`,
      group: "Value",
    },
  ];
}

/** Accessibility and authentication of sequences and transactions (Convertigo's requestables). */
export const requestableProps: PropDef[] = [
  {
    name: "accessibility",
    label: "Accessibility",
    kind: "enum",
    values: ["Public", "Hidden", "Private"],
    default: "Public",
    help: "Public and Hidden can be called over HTTP (Hidden is left out of listings); Private only from other sequences.",
    group: "Access",
  },
  {
    name: "authenticatedContextRequired",
    label: "Authenticated context required",
    kind: "boolean",
    default: false,
    help: "Refuse callers whose session has no authenticated user.",
    group: "Access",
  },
];

/** Names of connectors, transactions, sequences, variables and settings: safe as file names and keys. */
export const NAME_PATTERN = "[A-Za-z_][A-Za-z0-9_.-]*";
