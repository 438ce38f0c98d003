import { jsModeOf, jsSyntaxMessage } from "../../common/model/js-syntax.ts";
import type { ObjNode } from "../../common/model/node.ts";
import { referencesOf } from "../../common/model/references.ts";
import { getType } from "../../common/model/registry.ts";
import { describe } from "./interpreter.ts";
import { checkJsSyntax, loadJsSyntaxChecker } from "./js-syntax-check.ts";
import { RunError } from "./run-error.ts";

/** Where the preflight finds the projects of called sequences. */
export type ProjectRoots = (name: string) => { readonly name: string; readonly root: ObjNode } | undefined;

/**
 * Refuses to start a run whose JavaScript does not parse: the code and expressions of the
 * sequence's steps, and of the sequences it calls by name (Call Sequence, in any project), are
 * compiled without running (the sandbox's parser, js-syntax-check.ts) before any step runs, so a
 * typo in a late step no longer lets the earlier ones call servers first. Throws a RunError
 * naming the step, the property and the line.
 */
export async function checkRunJavaScript(project: string, sequence: ObjNode, projects: ProjectRoots): Promise<void> {
  await loadJsSyntaxChecker();
  const seen = new Set<string>();
  const queue: { project: string; sequence: ObjNode }[] = [{ project, sequence }];
  while (queue.length) {
    const { project: pname, sequence: seq } = queue.shift()!;
    const key = `${pname}\u0000${seq.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const stack: ObjNode[] = [...seq.children];
    while (stack.length) {
      const node = stack.shift()!;
      const def = getType(node.type);
      for (const prop of def?.props ?? []) {
        const mode = jsModeOf(prop);
        const code = node.props[prop.name];
        if (!mode || typeof code !== "string" || code.trim() === "") continue;
        const e = checkJsSyntax(code, mode);
        if (!e) continue;
        const where = seq === sequence ? "" : ` (in the sequence "${pname}.${seq.name}" it calls)`;
        throw new RunError(
          "js_syntax",
          `${describe(node)}${where}: ${jsSyntaxMessage(prop.label, e)}. Nothing was run: fix the code first.`,
          { step: node.name, property: prop.name, line: e.line, column: e.column, sequence: `${pname}.${seq.name}` },
          500,
          { id: node.id, name: node.name, type: node.type, project: pname },
        );
      }
      for (const r of referencesOf(node, pname)) {
        if (r.target.refers !== "sequence" || r.value.includes("${") || r.target.project.includes("${")) continue;
        const root = projects(r.target.project)?.root;
        const called = root?.children.find((c) => getType(c.type)?.category === "sequence" && c.name === r.value);
        if (called) queue.push({ project: r.target.project, sequence: called });
      }
      stack.unshift(...node.children);
    }
  }
}
