import { useMemo } from "react";
import type { FlatNode } from "../../../engine/common/studio/api.ts";
import { api } from "../api.ts";
import { mutate, select, useStudio } from "../store.ts";
import { givesValue, responseShape, valueUse, type ShapeEntry } from "../response-model.ts";
import type { ProjectState } from "../tree-model.ts";
import "./design-safety.css";

/**
 * The data flow, made explicit in the property panel (response-model.ts): on a sequence, what
 * its response will contain, derived from its output steps (Element, Object, Array), or that it
 * will be empty; on a step giving a value (Sequence JS, a call), who reads that value, or that
 * it goes nowhere, with a button adding an Element that puts it in the response.
 */
export function ResponsePreview({ project, node }: { project: ProjectState; node: FlatNode }) {
  const types = useStudio((s) => s.types);
  const category = types.get(node.type)?.category;
  if (category === "sequence") return <SequenceResponse project={project} node={node} />;
  if (category === "step" && givesValue(node, types)) return <StepValue project={project} node={node} />;
  return null;
}

function SequenceResponse({ project, node }: { project: ProjectState; node: FlatNode }) {
  const types = useStudio((s) => s.types);
  const shape = useMemo(() => responseShape(project, node.id, types), [project, node.id, types]);
  const steps = node.children.some((c) => types.get(project.nodes.get(c)?.type ?? "")?.category === "step");
  return (
    <section className="response-preview" aria-label="Response">
      <h4>Response</h4>
      {shape.length === 0 ? (
        <p className="hint" role="note">
          {steps
            ? "Empty ({}): none of its steps writes the response. Steps compute values; only an Element (a value under a name), an Object or an Array puts something in it — a Sequence JS step's value too (give an Element its source)."
            : "Empty ({}): add steps, then an Element, Object or Array to say what it answers."}
        </p>
      ) : (
        <ShapeList entries={shape} project={project.name} />
      )}
    </section>
  );
}

function ShapeList({ entries, project, inArray }: { entries: ShapeEntry[]; project: string; inArray?: boolean }) {
  return (
    <ul className="shape">
      {entries.map((e) => (
        <li key={e.id}>
          <button
            type="button"
            className="link shape-key"
            onClick={() => select({ project, id: e.id }, { reveal: true })}
          >
            {inArray ? "item" : e.name}
          </button>
          {e.optional && <span className="shape-note"> (if its condition holds)</span>}
          {e.repeated && <span className="shape-note"> (repeated: a list)</span>}
          {e.kind === "value" ? (
            <span className="shape-from"> ← {e.from}</span>
          ) : (
            <>
              <span className="shape-kind"> {e.kind === "object" ? "{…}" : "[…]"}</span>
              {e.children.length > 0 && (
                <ShapeList entries={e.children} project={project} inArray={e.kind === "array"} />
              )}
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

function StepValue({ project, node }: { project: ProjectState; node: FlatNode }) {
  const types = useStudio((s) => s.types);
  const projects = useStudio((s) => s.projects);
  const use = useMemo(() => valueUse(projects, project.name, node.id, types), [projects, project.name, node.id, types]);
  const parent = node.parent !== undefined ? project.nodes.get(node.parent) : undefined;
  const addElement = () => {
    if (!parent) return;
    const index = parent.children.indexOf(node.id) + 1;
    void mutate(
      () =>
        api.create(project.name, {
          parent: parent.id,
          type: "Element",
          name: node.name,
          index,
          props: { source: { step: node.id } },
        }),
      project.name,
    );
  };
  if (use.readers.length > 0) {
    return (
      <p className="value-flow hint" role="note">
        Its value is read by{" "}
        {use.readers.map((r, k) => (
          <span key={`${r.id}/${r.field}`}>
            {k > 0 ? ", " : ""}
            <button
              type="button"
              className="link"
              onClick={() => select({ project: project.name, id: r.id }, { reveal: true })}
            >
              {r.name}
            </button>{" "}
            ({r.field})
          </span>
        ))}
        .
      </p>
    );
  }
  return (
    <div className="value-flow nowhere" role="note" aria-label="Where its value goes">
      <p>
        Its value goes nowhere: the response holds only what Element, Object and Array steps write, and nothing reads
        this step (no source, no <code>step({JSON.stringify(node.name)})</code>).
      </p>
      <button type="button" onClick={addElement} disabled={!parent}>
        Add an Element with its value
      </button>
    </div>
  );
}
