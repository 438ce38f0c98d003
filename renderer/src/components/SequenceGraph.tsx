import { Background, Controls, ReactFlow, type Edge, type Node } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo } from "react";
import { glyph } from "../icons.ts";
import { select, useStudio } from "../store.ts";
import { enclosingRequestable, isStep } from "../tree-model.ts";

const COL = 190;
const ROW = 56;

/**
 * The selected sequence as a graph: steps as nodes laid out in run order (one row each), nesting
 * as an indent; edges for the order of siblings and from a block to its first child. Read-only;
 * clicking a node selects it in the explorer.
 */
export default function SequenceGraph() {
  const selection = useStudio((s) => s.selection);
  const project = useStudio((s) => (s.selection ? s.projects[s.selection.project] : undefined));
  const types = useStudio((s) => s.types);
  const breakpoints = useStudio((s) => s.breakpoints);
  const run = useStudio((s) => s.run);
  const req = project && selection ? enclosingRequestable(project, selection.id, types) : undefined;
  const seq = req && !req.connector ? req.node : undefined;

  const { nodes, edges } = useMemo(() => {
    const nodes: Node[] = [];
    const edges: Edge[] = [];
    if (!project || !seq) return { nodes, edges };
    let row = 0;
    const status = new Map(run.trace.map((t) => [t.id, t.status]));
    const visit = (ids: string[], depth: number, parent?: string) => {
      let prev: string | undefined;
      for (const id of ids) {
        const n = project.nodes.get(id);
        if (!n || !isStep(n, types)) continue;
        const schema = types.get(n.type);
        const classes = [
          "graph-node",
          selection?.id === n.id ? "selected" : "",
          n.issues?.length ? "invalid" : "",
          breakpoints.has(n.id) ? "breakpoint" : "",
          status.get(n.id) ? `run-${status.get(n.id)}` : "",
          run.paused?.entry.id === n.id ? "paused" : "",
        ];
        nodes.push({
          id: n.id,
          position: { x: depth * 36, y: row++ * ROW },
          data: { label: `${glyph(schema?.icon)} ${n.name}` },
          className: classes.join(" "),
          style: { width: COL },
          draggable: false,
          connectable: false,
          ariaLabel: `Step ${n.name}`,
        } as Node);
        if (prev) edges.push({ id: `${prev}->${n.id}`, source: prev, target: n.id, type: "smoothstep" });
        else if (parent)
          edges.push({
            id: `${parent}=>${n.id}`,
            source: parent,
            target: n.id,
            type: "smoothstep",
            animated: false,
            style: { strokeDasharray: "4 3" },
          });
        prev = n.id;
        visit(n.children, depth + 1, n.id);
      }
    };
    visit(seq.children, 0);
    return { nodes, edges };
  }, [project, seq, types, selection, breakpoints, run.trace, run.paused]);

  if (!seq) return <p className="hint">Select a sequence or one of its steps to see its graph.</p>;
  return (
    <div className="graph nokey" aria-label={`Graph of ${seq.name}`} role="figure">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        fitViewOptions={{ maxZoom: 1 }}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable
        onNodeClick={(_e, n) => project && select({ project: project.name, id: n.id })}
        proOptions={{ hideAttribution: true }}
        minZoom={0.2}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
