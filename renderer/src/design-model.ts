/**
 * What the designer shows (issue 18, design §6): the page an object belongs to, and the
 * application it is rendered in. Pure: read from the explorer's flat objects.
 */
import type { FlatNode } from "../../engine/common/studio/api.ts";
import type { ProjectState } from "./tree-model.ts";

export interface DesignTarget {
  /** The Application object. */
  application: FlatNode;
  /** The page shown: the one holding the selection, else the start page, else the first. */
  page: FlatNode;
}

/** The page the object `id` is in (the object itself when it is a Page), or undefined. */
export function pageOf(p: ProjectState, id: string): FlatNode | undefined {
  let n = p.nodes.get(id);
  for (let guard = 0; n && guard < 500; guard++) {
    if (n.type === "Page") return n;
    n = n.parent ? p.nodes.get(n.parent) : undefined;
  }
  return undefined;
}

/**
 * What to design when `id` is selected: inside a page, that page; the Application itself, its
 * start page (else its first page). Undefined elsewhere (a sequence, a connector...).
 */
export function designTarget(p: ProjectState, id: string): DesignTarget | undefined {
  const page = pageOf(p, id);
  if (page) {
    const application = page.parent ? p.nodes.get(page.parent) : undefined;
    return application?.type === "Application" ? { application, page } : undefined;
  }
  const n = p.nodes.get(id);
  if (n?.type !== "Application") return undefined;
  const pages = n.children.map((c) => p.nodes.get(c)).filter((c): c is FlatNode => c?.type === "Page");
  const start = pages.find((c) => c.name === n.props.startPage) ?? pages[0];
  return start ? { application: n, page: start } : undefined;
}

/** The device frames of the preview (CSS pixels). */
export const FRAMES = {
  phone: { label: "Phone", width: 390, height: 844 },
  tablet: { label: "Tablet", width: 820, height: 1180 },
  desktop: { label: "Desktop", width: 1280, height: 800 },
} as const;
export type FrameName = keyof typeof FRAMES;
