import type { C8oBean } from "../c8o-yaml.ts";
import type { C8oSource } from "../c8o-values.ts";
import { parsePlainXPath, toJsAccessor, toJsonPath, type Segment } from "../xpath.ts";
import type { TranslatedSource } from "./builder.ts";
import type { Decision } from "./class-mapper.ts";
import { hasElementText } from "./steps-output.ts";

/** What translating sources needs of the project being mapped. */
export interface SourceTargets {
  /** The object a Convertigo priority designates: its id and what it became. */
  byPriority(priority: string): { bean: C8oBean; id: string; decision: Decision } | undefined;
  decisionOf(bean: C8oBean): Decision | undefined;
  calledTransactionType(step: C8oBean): string | undefined;
}

/**
 * Translates a Convertigo source (`[priority, XPath]` into a step's XML output) read by an
 * object with these ancestors: into an Atelier source (`{step, path}`, a JSON path into the
 * step's JSON output), or a JavaScript expression (a loop's current item); or explains why not.
 */
export function translateSource(src: C8oSource, ancestors: C8oBean[], targets: SourceTargets): TranslatedSource {
  const target = targets.byPriority(src.step);
  const orig = `source (step ${src.step}, XPath ${src.xpath})`;
  if (!target) return { guessed: [], problem: `${orig} points at a step that is not in the project` };
  const found = { bean: target.bean, type: target.decision.type };
  return { ...translateFound(src, ancestors, targets, target, orig), target: found };
}

function translateFound(
  src: C8oSource,
  ancestors: C8oBean[],
  targets: SourceTargets,
  target: { bean: C8oBean; id: string; decision: Decision },
  orig: string,
): TranslatedSource {
  // The children of an element built as an object (`./*`, a request body): in JSON, the object.
  if (/^(?:\.\/)?\*$/.test(src.xpath.trim()) && target.decision.type === "JsonObject") {
    const ref = { step: target.id, path: "" };
    return { ref, js: `step(${JSON.stringify(target.id)})`, guessed: [`"*" (its children) read as the object`] };
  }
  const plain = parsePlainXPath(src.xpath);
  if (!plain) return { guessed: [], problem: `${orig}: the XPath is not a plain child path` };
  let segs: Segment[] = plain.segments;
  const guessed = [...plain.guessed];
  const t = target.decision.type;
  const tName = `${target.bean.name} (${target.bean.cls})`;
  if (t === "Foreign") return { guessed, problem: `${orig} points at ${tName}, which Atelier keeps as foreign` };
  if (t === "Iterator") {
    const nearest = [...ancestors].reverse().find((a) => targets.decisionOf(a)?.type === "Iterator");
    if (nearest === target.bean) return { js: toJsAccessor("item", segs), guessed };
    return {
      guessed,
      problem: ancestors.includes(target.bean)
        ? `${orig} reads the item of an outer loop, which Atelier's "item" variable hides`
        : `${orig} reads a loop's item from outside the loop`,
    };
  }
  if (t === "CallTransaction" || t === "CallSequence") {
    if (segs[0] !== "document") {
      return { guessed, problem: `${orig}: a call's output starts with "document"` };
    }
    segs = t === "CallTransaction" ? ["data", ...segs.slice(1)] : segs.slice(1);
    // Convertigo names the root of a JSON answer "object" (or "array"); Atelier's data is the answer.
    if (
      t === "CallTransaction" &&
      (segs[1] === "object" || segs[1] === "array") &&
      targets.calledTransactionType(target.bean) === "JsonHttpTransaction"
    ) {
      segs.splice(1, 1);
    }
    // Convertigo wraps CouchDB answers in couchdb_output; Atelier's FullSync transactions do not.
    if (
      t === "CallTransaction" &&
      segs[1] === "couchdb_output" &&
      targets.calledTransactionType(target.bean)?.startsWith("FullSync")
    ) {
      segs.splice(1, 1);
    }
    if (segs[segs.length - 1] === "item") {
      segs = segs.slice(0, -1);
      guessed.push(`"item" read as the items of a JSON array`);
    }
    const at = segs.indexOf("item");
    if (at >= 0) {
      // One list on the way (rows/item/value): an expression mapping its items; more is not guessed.
      if (segs.indexOf("item", at + 1) >= 0) {
        return {
          guessed,
          problem: `${orig}: goes through the items of several lists ("item"), which a JSON path cannot`,
        };
      }
      guessed.push(`"item" read as the items of a JSON array, each item's ${toJsonPath(segs.slice(at + 1))} taken`);
      const list = toJsAccessor(`step(${JSON.stringify(target.id)})`, segs.slice(0, at));
      return { js: `(${list} ?? []).map((x) => ${toJsAccessor("x", segs.slice(at + 1))})`, guessed };
    }
  } else if (t === "SequenceJS" && target.bean.cls === "steps.SimpleStep") {
    return { guessed, problem: `${orig} points at a JavaScript step, which has no output` };
  } else if (t === "SessionGet" && segs.length === 1 && segs[0] === "expression") {
    segs = [];
  } else if (t === "JsonObject" && segs.length === 0 && hasElementText(target.bean)) {
    segs = ["text"];
  } else if (t === "GetAuthenticatedUser") {
    segs = authenticatedUserPath(segs);
  } else if (t === "JsonArray" && typeof segs[0] === "string") {
    // An array built by steps (a complex element typed "array"): its XML children are its items.
    guessed.push(`"${segs[0]}" (the children of an array built by steps) read as its items`);
    segs = segs.slice(1);
  }
  const ref = { step: target.id, path: toJsonPath(segs) };
  return { ref, js: toJsAccessor(`step(${JSON.stringify(target.id)})`, segs), guessed };
}

/** Convertigo's Get Authenticated User outputs <nodeName>user</nodeName>; Atelier's step, the user. */
function authenticatedUserPath(segs: Segment[]): Segment[] {
  return segs.length === 1 ? [] : segs;
}
