import { describeContent } from "../c8o-values.ts";
import type { Builder } from "./builder.ts";
import { always, type ClassMappers } from "./class-mapper.ts";
import { fullSyncVariable } from "./fullsync.ts";
import { PropBag } from "./prop-bag.ts";

/** Convertigo's core objects: the project and test cases. */
export const projectClasses: ClassMappers = {
  "core.Project": always("Project", project),
  "core.TestCase": always("TestCase", testCase),
};

function project(b: Builder): void {
  b.comment();
  const version = b.bag.str("version", "");
  if (version) b.set("version", version);
  const timeout = b.bag.int("httpSessionTimeout", 1800);
  if (timeout >= 10 && timeout <= 604800) b.set("sessionTimeout", timeout);
  else b.note(`httpSessionTimeout ${timeout} is outside Atelier's range (10 to 604800 s): the default is used`, true);
}

/** A test case: its test case variables (children in Convertigo) become its `inputs`. */
function testCase(b: Builder): void {
  const inputs: Record<string, unknown> = {};
  const docs: string[] = [];
  const c = b.bag.str("comment", "");
  if (c) docs.push(c);
  const owner = b.parent ? b.m.decisionOf(b.parent).type : "";
  for (const v of b.bean.children) {
    if (b.m.decisionOf(v).type !== "TestCaseVariable") continue;
    const key =
      (owner.startsWith("FullSync") && v.name.startsWith("_use_") && fullSyncVariable(owner, v.name.slice(5))?.name) ||
      v.name;
    const vb = new PropBag(v, b.m);
    const multi = v.cls.includes("MultiValued");
    if (vb.has("value")) {
      if (b.m.isMaskedVariable(v)) {
        const ph = vb.secret("value");
        if (ph) b.note(`the value of ${v.name} is secret: moved to the setting ${ph}, not used by the test case`, true);
      } else if (multi) {
        inputs[key] = (vb.vector("value") ?? []).filter((x) => typeof x === "string");
      } else inputs[key] = vb.str("value", "");
    }
    const vdesc = vb.str("description", "new variable");
    const vcomment = vb.str("comment", "");
    for (const t of [vdesc === "new variable" ? "" : vdesc, vcomment]) if (t) docs.push(`${v.name}: ${t}`);
    vb.skip("visibility", "required", "value");
    for (const l of vb.leftovers()) docs.push(`${v.name}: ${l.name} = ${describeContent(l.value)}`);
  }
  b.set("inputs", inputs);
  if (docs.length) b.set("description", docs.join("\n\n"));
}
