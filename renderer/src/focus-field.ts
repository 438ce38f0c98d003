/**
 * Going to a problem: the object is selected (and revealed in the explorer), then its field is
 * focused in the property panel once the panel shows it; a JavaScript field is also scrolled to
 * the line (the code editor listens for `atelier:reveal` on its field).
 */
import { select, useStudio } from "./store.ts";

export interface RevealDetail {
  line: number;
  column: number;
}

/** The event a field's element receives to show a place in its code. */
export const REVEAL_EVENT = "atelier:reveal";

/** Selects an object and focuses one of its fields (by property name; "name" for the name). */
export function focusField(project: string, id: string, prop?: string, at?: RevealDetail): void {
  const p = useStudio.getState().projects[project];
  if (!p?.nodes.has(id)) return;
  select({ project, id }, { reveal: true });
  const started = Date.now();
  const attempt = () => {
    const panel = document.querySelector<HTMLElement>(
      `section.properties[data-object="${CSS.escape(`${project}/${id}`)}"]`,
    );
    const field = panel?.querySelector<HTMLElement>(`[data-prop="${CSS.escape(prop ?? "name")}"]`);
    if (!field) {
      if (Date.now() - started < 2000) requestAnimationFrame(attempt);
      return;
    }
    field.scrollIntoView({ block: "center" });
    field.classList.add("flash");
    setTimeout(() => field.classList.remove("flash"), 1200);
    if (field.querySelector(".code-editor, .code-fallback")) {
      // The editor may still be loading: it reveals the place once it is mounted.
      const deliver = () =>
        field.dispatchEvent(new CustomEvent<RevealDetail>(REVEAL_EVENT, { detail: at ?? { line: 1, column: 1 } }));
      if (field.querySelector(".monaco-editor")) deliver();
      else {
        const wait = () => {
          if (field.querySelector(".monaco-editor")) deliver();
          else if (Date.now() - started < 4000) requestAnimationFrame(wait);
        };
        requestAnimationFrame(wait);
      }
      return;
    }
    field.querySelector<HTMLElement>("input:not([type=hidden]), textarea, select")?.focus();
  };
  requestAnimationFrame(attempt);
}
