import type { C8oBean } from "../c8o-yaml.ts";
import { readSmartType } from "../c8o-values.ts";
import type { Builder, SeqInfo } from "./builder.ts";
import { always, type ClassMappers } from "./class-mapper.ts";

/** Convertigo's sequences. */
export const sequenceClasses: ClassMappers = {
  "sequences.GenericSequence": always("Sequence", sequence),
};

function sequence(b: Builder): void {
  b.comment();
  b.set("accessibility", b.bag.str("accessibility", "Public"));
  b.set("authenticatedContextRequired", b.bag.bool("authenticatedContextRequired", false));
  const seconds = b.bag.int("responseTimeout", 60);
  if (seconds > 0) b.set("timeoutMs", seconds * 1000);
}

/** What the steps of a sequence need to know of it (read once, when the mapper enters it). */
export function collectSeqInfo(seq: C8oBean): SeqInfo {
  const ids = new Set<string>();
  const visit = (b: C8oBean) => {
    if (b.cls.startsWith("variables.Requestable")) ids.add(b.name);
    for (const p of b.props) {
      const texts: string[] = [];
      if (typeof p.value === "string") texts.push(p.value);
      else if (/expression|condition|value|userid|message|details|code|key/.test(p.name)) {
        const s = readSmartType(p.value, { mode: "PLAIN", text: "" });
        if (s.mode === "JS") texts.push(s.text);
      }
      for (const t of texts) for (const m of t.matchAll(/[A-Za-z_$][\w$]*/g)) ids.add(m[0]);
    }
    b.children.forEach(visit);
  };
  visit(seq);
  return { identifiers: ids };
}
