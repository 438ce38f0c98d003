import { jsModeOf, jsSyntaxMessage, type JsMode } from "../../common/model/js-syntax.ts";
import type { PropDef } from "../../common/model/props.ts";
import type { ObjNode } from "../../common/model/node.ts";
import { referencesOf } from "../../common/model/references.ts";
import { getType } from "../../common/model/registry.ts";
import { describe } from "./interpreter.ts";
import { checkJsSyntax, jsSyntaxCheckerLoaded, loadJsSyntaxChecker } from "./js-syntax-check.ts";
import { RunError } from "./run-error.ts";

/** What the preflight reads of a type: its JavaScript properties, and whether it can name a sequence. */
interface Shape {
  js: { prop: PropDef; mode: JsMode }[];
  callsSequences: boolean;
}
const shapes = new Map<string, Shape>();

function shapeOf(type: string): Shape {
  let shape = shapes.get(type);
  if (!shape) {
    const props = getType(type)?.props ?? [];
    shape = {
      js: props.flatMap((prop) => {
        const mode = jsModeOf(prop);
        return mode ? [{ prop, mode }] : [];
      }),
      callsSequences: props.some((p) => p.kind === "reference" && p.refers === "sequence"),
    };
    shapes.set(type, shape);
  }
  return shape;
}

/** Where the preflight finds the projects of called sequences. */
export type ProjectRoots = (name: string) => { readonly name: string; readonly root: ObjNode } | undefined;

/**
 * Refuses to start a run whose JavaScript does not parse: the code and expressions of the
 * sequence's steps, and of the sequences it calls by name (Call Sequence, in any project), are
 * compiled without running (the sandbox's parser, js-syntax-check.ts) before any step runs, so a
 * typo in a late step no longer lets the earlier ones call servers first. Throws a RunError
 * naming the step, the property and the line.
 */
export function checkRunJavaScript(
  project: string,
  sequence: ObjNode,
  projects: ProjectRoots,
): Promise<void> | undefined {
  // Once the parser is in (the engine loads it at start), the check is synchronous: a run costs
  // no promise for it.
  if (!jsSyntaxCheckerLoaded()) return loadJsSyntaxChecker().then(() => preflight(project, sequence, projects));
  preflight(project, sequence, projects);
  return undefined;
}

function preflight(project: string, sequence: ObjNode, projects: ProjectRoots): void {
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
      const shape = shapeOf(node.type);
      for (const { prop, mode } of shape.js) {
        const code = node.props[prop.name];
        if (typeof code !== "string" || code.trim() === "") continue;
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
      if (shape.callsSequences)
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
