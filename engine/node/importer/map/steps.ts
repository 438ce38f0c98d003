import type { C8oBean } from "../c8o-yaml.ts";
import { readVector, sourceOfVector } from "../c8o-values.ts";
import { parsePlainXPath } from "../xpath.ts";
import type { Builder } from "./builder.ts";
import { always, type ClassMapper, type ClassMappers } from "./class-mapper.ts";
import { beanStr } from "./prop-bag.ts";

/**
 * Convertigo's JavaScript and flow steps: SimpleStep, Input Variables and jSimpleSource (all
 * Sequence JS), If / IfThenElse / Then / Else / While / Break, Iterator and jIterator (start 0,
 * constant stop), Error structure and jException (Error), Return, Log.
 */
export const stepClasses: ClassMappers = {
  "steps.SimpleStep": always("SequenceJS", (b) => {
    b.comment();
    b.set("code", b.js("code", b.bag.str("expression", "//todo")));
  }),
  "steps.InputVariablesStep": always(
    "SequenceJS",
    (b) => {
      b.comment();
      b.bag.skip("nodeName");
      b.set("code", "// Convertigo's Input Variables step: its output is the sequence's variables\nvars");
    },
    { output: false },
  ),
  "steps.SimpleSourceStep": {
    types: ["SequenceJS"],
    decide: (bean) => {
      const src = sourceOfVector(readVector(bean.props.find((p) => p.name === "sourceDefinition")?.value));
      if (src && !parsePlainXPath(src.xpath))
        return { type: "Foreign", reason: `its XPath ${src.xpath} is not a plain path` };
      return { type: "SequenceJS" };
    },
    build: simpleSource,
    output: false,
  },
  "steps.IfStep": always("If", condition),
  "steps.IfThenElseStep": always("IfThenElse", condition),
  "steps.WhileStep": always("While", condition),
  "steps.ThenStep": always("Then", branch),
  "steps.ElseStep": always("Else", branch),
  "steps.BreakStep": {
    types: ["Break"],
    // Convertigo's Break is a JavaScript step that breaks after running its code (empty by default).
    decide: (bean) =>
      beanStr(bean, "expression", "").trim() === ""
        ? { type: "Break" }
        : { type: "Foreign", reason: "it runs JavaScript before breaking" },
    build: (b) => {
      b.comment();
      b.bag.skip("expression");
    },
  },
  "steps.IteratorStep": iterator(),
  "steps.SimpleIteratorStep": iterator(),
  "steps.XMLErrorStep": always("Error", error, { output: true }),
  "steps.ExceptionStep": always("Error", error),
  "steps.ReturnStep": always("Return", (b) => {
    b.comment();
    if (b.bag.str("expression", "") !== "") b.note(`its expression is not run: ${b.bag.str("expression", "")}`, true);
  }),
  "steps.LogStep": always("Log", (b) => {
    b.comment();
    const level = b.bag.str("level", "INFO").toUpperCase();
    b.set(
      "level",
      level === "WARN"
        ? "warn"
        : level === "ERROR" || level === "FATAL"
          ? "error"
          : level === "INFO"
            ? "info"
            : "debug",
    );
    b.set("expression", b.js("expression", b.bag.str("expression", '""')));
  }),
};

function condition(b: Builder): void {
  b.comment();
  const cond = b.bag.str("condition", "");
  if (cond.trim() === "") {
    b.set("condition", "false");
    b.note("its condition is empty (false)");
  } else b.set("condition", b.js("condition", cond));
}

/** Then and Else have no comment property in Atelier: theirs goes to the notes. */
function branch(b: Builder): void {
  b.bag.skip("comment");
  if (b.bag.str("comment", "") !== "") b.note(`comment: ${b.bag.str("comment", "")}`);
}

function iterator(): ClassMapper {
  return {
    types: ["Iterator"],
    decide: (bean) => {
      const start = beanStr(bean, "startIndex", "0").trim();
      const stop = beanStr(bean, "condition", "").trim();
      if (start !== "" && start !== "0") return { type: "Foreign", reason: `it starts at index ${start}` };
      if (stop !== "" && !/^\d+$/.test(stop)) return { type: "Foreign", reason: "its stop condition is computed" };
      return { type: "Iterator" };
    },
    build: (b) => {
      b.comment();
      b.bag.skip("startIndex");
      const stop = b.bag.str("condition", "").trim();
      if (/^\d+$/.test(stop) && Number(stop) > 0) b.set("maxIterations", Number(stop));
      if (b.bean.cls === "steps.SimpleIteratorStep") {
        const e = b.bag.str("expression", "");
        if (e.trim() !== "") b.set("expression", b.js("expression", e));
      } else {
        const src = b.bag.source();
        if (src) b.useSource(src, "list");
      }
    },
  };
}

/** Would Convertigo run another step after this one (loops aside)? */
function runsAfter(bean: C8oBean, parent: C8oBean | undefined, ancestors: C8oBean[]): boolean {
  let cur = bean;
  let par = parent;
  let depth = ancestors.length - 1;
  while (par) {
    const sibs = par.children.filter((c) => c.cls.startsWith("steps."));
    const after = sibs
      .slice(sibs.indexOf(cur) + 1)
      .filter((c) => !(cur.cls === "steps.ThenStep" && c.cls === "steps.ElseStep"));
    if (after.length) return after[0]!.cls !== "steps.ReturnStep";
    if (par.cls.startsWith("sequences.")) return false;
    cur = par;
    depth--;
    par = depth >= 0 ? ancestors[depth] : undefined;
  }
  return false;
}

function error(b: Builder): void {
  b.comment();
  const bean = b.bean;
  if (bean.cls === "steps.ExceptionStep") {
    b.set("messageExpression", b.js("message", b.bag.str("expression", "//todo")));
    const details = b.bag.str("details", '""');
    if (details.trim() !== '""' && details.trim() !== "") b.set("details", b.js("details", details));
    return;
  }
  const code = b.bag.smart("code");
  if (code.mode === "PLAIN") b.set("code", code.text.trim() === "" ? "-1" : code.text.trim());
  else {
    b.set("code", "-1");
    b.note(
      `its code is computed (${code.mode === "JS" ? code.text : "from a source"}): Atelier's error code is a constant, -1 is used`,
      true,
    );
  }
  const msg = b.bag.smart("message");
  if (msg.mode === "PLAIN") b.set("message", msg.text);
  else if (msg.mode === "JS") b.set("messageExpression", b.js("message", msg.text));
  else if (msg.source) {
    const js = b.useSource(msg.source, "message", true);
    if (js) b.set("messageExpression", `String(${js})`);
  }
  const det = b.bag.smart("details");
  if (det.mode === "PLAIN") {
    if (det.text !== "") b.set("details", JSON.stringify(det.text));
  } else if (det.mode === "JS") {
    if (det.text.trim() !== "") b.set("details", b.js("details", det.text));
  } else if (det.source) {
    const js = b.useSource(det.source, "details", true);
    if (js) b.set("details", js);
  }
  if (runsAfter(bean, b.parent, b.ancestors)) {
    b.note(
      "Convertigo's Error structure step writes an error to the response and goes on; Atelier's Error step ends the sequence",
      true,
    );
  }
}

/** jSimpleSource: a Sequence JS declaring its variable with the source's value. */
function simpleSource(b: Builder): void {
  b.comment();
  const name = b.bag.str("variableName", "myVariable");
  const src = b.bag.source();
  let expr = "undefined";
  if (src) {
    const t = b.m.translateSource(src, b.ancestors);
    if (t.problem) b.note(`${t.problem}; not translated, set it again`, true);
    else expr = t.js ?? "undefined";
  }
  b.set(
    "code",
    `// Convertigo's Simple Source step: the variable ${name} takes the source's value\nvar ${name} = ${expr};`,
  );
}
