import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

/**
 * The UI builder's Else (Convertigo's UIActionElseEvent). Its type is not "Else": that name is the
 * Else step's (of IfThenElse steps).
 */
export const actionElseType = defineType({
  type: "ActionElse",
  label: "Else",
  category: "action",
  icon: "else",
  description: "Runs its actions when its If action's condition is false.",
  accepts: ["Action"],
  onlyIn: ["Action"],
  props: [commentProp],
});
