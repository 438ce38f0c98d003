import { parsePasswordHash, verifyPassword } from "../../model/password.ts";
import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const checkPasswordStep = defineType({
  type: "CheckPassword",
  label: "Check Password",
  category: "step",
  icon: "lock",
  description:
    "Checks a password against a salted hash (pbkdf2-sha256$..., made by `atelier hash-password`). Output: true or false. Without a hash (unknown user) it answers false after the same work, so timing does not tell which users exist.",
  accepts: [],
  props: [
    commentProp,
    {
      name: "password",
      label: "Password",
      kind: "expression",
      required: true,
      help: "A JavaScript expression giving the password to check, e.g. password.",
    },
    {
      name: "hash",
      label: "Stored hash",
      kind: "expression",
      required: true,
      help: "A JavaScript expression giving the stored hash, e.g. users[user]; null or undefined for an unknown user.",
    },
  ],
  run: async (ctx) => {
    const name = `Check Password "${ctx.node.name}"`;
    const password = await ctx.evaluate(ctx.prop<string>("password"), `password of ${name}`);
    const hash = await ctx.evaluate(ctx.prop<string>("hash"), `hash of ${name}`);
    if (hash !== undefined && hash !== null && typeof hash !== "string") {
      return ctx.fail("invalid_hash", `${name}: the stored hash must be a text`, undefined, 500);
    }
    if (typeof hash === "string") {
      try {
        parsePasswordHash(hash);
      } catch (e) {
        return ctx.fail("invalid_hash", `${name}: ${(e as Error).message}`, undefined, 500);
      }
    }
    const ok = await verifyPassword(typeof password === "string" ? password : "", hash ?? undefined);
    ctx.input("checked", typeof hash === "string" ? "a stored hash" : "no stored hash (unknown user)");
    return ok;
  },
});
