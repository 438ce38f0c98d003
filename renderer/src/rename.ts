/**
 * Renames from the Studio (the explorer, the Name field, the code editor's F2): the engine plans
 * the rename with every reference to update (engine/node/studio/rename.ts); when it would change
 * more than the object itself, the Rename dialog shows the list first (RenameDialog.tsx), else
 * the object is renamed at once. Either way it is one change, undone in one step.
 */
import { api } from "./api.ts";
import { flushEdits, mutate, notify, useStudio } from "./store.ts";

/** Renames an object, through the preview dialog when references would change too. */
export async function requestRename(project: string, id: string, name: string, rev?: string): Promise<void> {
  await flushEdits();
  let changes: number;
  try {
    const preview = await api.renamePreview(project, id, { name, ...(rev ? { rev } : {}) });
    changes = preview.changes.length + preview.skipped.length;
  } catch (e) {
    notify((e as Error).message);
    return;
  }
  if (changes > 1) {
    openRename(project, id, name);
    return;
  }
  await mutate(() => api.rename(project, id, { name, ...(rev ? { rev } : {}) }), project);
}

/** Opens the Rename dialog on an object (with a new name proposed, or its own). */
export function openRename(project: string, id: string, name?: string): void {
  const node = useStudio.getState().projects[project]?.nodes.get(id);
  if (!node) return;
  useStudio.setState({ dialog: { kind: "rename", project, id, name: name ?? node.name } });
}
