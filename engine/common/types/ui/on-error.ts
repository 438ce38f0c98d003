import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const onErrorType = defineType({
  type: "OnError",
  label: "On error",
  category: "action",
  icon: "error",
  description:
    "Runs its actions when its action fails (the error is their out: code and message), instead of stopping the chain.",
  accepts: ["Action"],
  onlyIn: ["Action"],
  props: [commentProp],
});
