/**
 * What the designer shows (issue 18, design §6): the page an object belongs to, and the
 * application it is rendered in. Pure: read from the explorer's flat objects.
 */
import type { FlatNode } from "../../engine/common/studio/api.ts";
import type { ProjectState } from "./tree-model.ts";

export interface DesignTarget {
  /** The Application object. */
  application: FlatNode;
  /**
   * What is shown: the page holding the selection (else the start page, else the first), or the
   * shared component holding it (shown alone, as a page would be).
   */
  page: FlatNode;
}

/** The page the object `id` is in (the object itself when it is a Page), or undefined. */
export function pageOf(p: ProjectState, id: string): FlatNode | undefined {
  return holderOf(p, id, "Page");
}

/** The page or shared component the object `id` is in (or is), or undefined. */
export function designedOf(p: ProjectState, id: string): FlatNode | undefined {
  return holderOf(p, id, "Page", "SharedComponent");
}

function holderOf(p: ProjectState, id: string, ...types: string[]): FlatNode | undefined {
  let n = p.nodes.get(id);
  for (let guard = 0; n && guard < 500; guard++) {
    if (types.includes(n.type)) return n;
    n = n.parent ? p.nodes.get(n.parent) : undefined;
  }
  return undefined;
}

/** The name the preview shows a shared component under (a page of that name cannot exist: "~" is no name character). */
export const SHARED_DESIGN_PAGE = "~shared";

/**
 * The application as the preview renders it for a target: as it is for a page; for a shared
 * component, that component made a page of its own (same id, so a click or a drop in it names
 * the real objects), standing in for it.
 */
export function previewApplication<
  T extends { id: string; type: string; name: string; props: Record<string, unknown>; children: T[] },
>(application: T, target: DesignTarget): { application: T; page: string } {
  if (target.page.type !== "SharedComponent") return { application, page: target.page.name };
  const children = application.children.map((c) =>
    c.id === target.page.id
      ? { ...c, type: "Page", name: SHARED_DESIGN_PAGE, props: { route: SHARED_DESIGN_PAGE, title: c.name } }
      : c,
  );
  return { application: { ...application, children }, page: SHARED_DESIGN_PAGE };
}

/**
 * What to design when `id` is selected: inside a page, that page; the Application itself, its
 * start page (else its first page). Undefined elsewhere (a sequence, a connector...).
 */
export function designTarget(p: ProjectState, id: string): DesignTarget | undefined {
  const page = designedOf(p, id);
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
