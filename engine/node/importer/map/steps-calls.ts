import type { Builder } from "./builder.ts";
import { always, type ClassMappers } from "./class-mapper.ts";

/**
 * Convertigo's call steps. Their targets are written `project.connector.transaction` and
 * `project.sequence`; Atelier keeps the project empty for this project, and uses the renamed
 * connector and sequence names of this project.
 */
export const callStepClasses: ClassMappers = {
  "steps.TransactionStep": always("CallTransaction", callTransaction, { output: false }),
  "steps.SequenceStep": always("CallSequence", callSequence, { output: false }),
};

function callTransaction(b: Builder): void {
  b.comment();
  const ref = b.bag.str("sourceTransaction", "");
  const parts = ref.split(".");
  if (parts.length >= 3) {
    const [p, c, ...t] = parts;
    const project = b.m.projectRef(p as string);
    b.set("project", project || undefined);
    b.set("connector", project ? c : b.m.connectorName(c as string));
    b.set("transaction", t.join("."));
  } else if (parts.length === 2) {
    b.set("connector", b.m.connectorName(parts[0] as string));
    b.set("transaction", parts[1]);
  } else {
    b.set("transaction", ref);
    if (!ref) b.note("it names no transaction", true);
  }
  const conn = b.bag.source("connectionStringDefinition");
  if (conn) {
    b.note(
      `its connection string (the URL) came from a source (step ${conn.step}, XPath ${conn.xpath}); Atelier has no URL override: use the transaction's path template`,
      true,
    );
  }
  b.bag.skip("bInternalInvoke");
}

function callSequence(b: Builder): void {
  b.comment();
  const ref = b.bag.str("sourceSequence", "");
  const i = ref.indexOf(".");
  const p = i >= 0 ? ref.slice(0, i) : "";
  const s = i >= 0 ? ref.slice(i + 1) : ref;
  const project = b.m.projectRef(p);
  b.set("project", project || undefined);
  b.set("sequence", project ? s : b.m.sequenceName(s));
  if (b.bag.bool("inheritTransactionCtx", false)) b.note("inheritTransactionCtx is not supported");
  b.bag.skip("bInternalInvoke");
}
