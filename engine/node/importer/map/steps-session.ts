import type { Builder } from "./builder.ts";
import { always, type ClassMappers } from "./class-mapper.ts";

/** Convertigo's session steps: the authenticated user and session values. */
export const sessionStepClasses: ClassMappers = {
  "steps.SetAuthenticatedUserStep": always(
    "SetAuthenticatedUser",
    (b) => {
      b.comment();
      b.smartValue(b.bag.smart("userid"), "user");
    },
    { output: false },
  ),
  "steps.RemoveAuthenticatedUserStep": always("RemoveAuthenticatedUser", (b) => b.comment()),
  "steps.GetAuthenticatedUserStep": always("GetAuthenticatedUser", getAuthenticatedUser),
  "steps.SessionSetStep": always("SessionSet", sessionSet),
  "steps.SessionSetObjectStep": always("SessionSet", sessionSet),
  "steps.SessionGetStep": always("SessionGet", sessionKey, { output: true }),
  "steps.SessionGetObjectStep": always("SessionGet", sessionKey, { output: true }),
  "steps.SessionRemoveStep": always("SessionRemove", sessionKey),
};

/** Convertigo adds <nodeName>user</nodeName> to the response unless its output flag is off. */
function getAuthenticatedUser(b: Builder): void {
  b.comment();
  const nodeName = b.bag.str("nodeName", "authenticatedUserID");
  if (b.bag.bool("output", true)) b.renamed(nodeName);
  else b.set("addToResponse", false);
}

function sessionSet(b: Builder): void {
  b.comment();
  b.set("key", b.bag.str("key", ""));
  b.smartValue(b.bag.smart(b.bean.cls === "steps.SessionSetStep" ? "expression" : "value"), "value");
}

/** Steps naming a session key only (get, remove). */
function sessionKey(b: Builder): void {
  b.comment();
  b.set("key", b.bag.str("key", ""));
}
