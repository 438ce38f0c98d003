/**
 * Values typed in the property panel that were not saved: the engine refused them (400
 * invalid_value, naming the field and why) or the field could not read them (JSON that does not
 * parse). The panel keeps the typed text with the error beside it instead of reverting, the
 * Problems view lists them, and they are forgotten once a value of that field is saved.
 */
import { create } from "zustand";
import type { TypeSchema } from "../../engine/common/model/typedef.ts";
import type { ChangeResult } from "../../engine/common/studio/api.ts";
import { api, ApiError } from "./api.ts";
import type { UnsavedValue } from "./problems-model.ts";
import { useStudio } from "./store.ts";
import { formatFieldValue } from "./tree-model.ts";

export const useUnsaved = create<{ values: Record<string, UnsavedValue> }>(() => ({ values: {} }));

export function unsavedKey(project: string, id: string, prop: string): string {
  return `${project}\u0000${id}\u0000${prop}`;
}

/** Remembers a refused value (the text as typed, and why). */
export function setUnsaved(v: UnsavedValue): void {
  useUnsaved.setState((s) => ({ values: { ...s.values, [unsavedKey(v.project, v.id, v.prop)]: v } }));
}

/** Forgets the refused values of some fields of an object (a value of theirs was saved). */
export function clearUnsaved(project: string, id: string, props: readonly string[]): void {
  const values = useUnsaved.getState().values;
  const keys = props.map((p) => unsavedKey(project, id, p)).filter((k) => k in values);
  if (keys.length === 0) return;
  const next = { ...values };
  for (const k of keys) delete next[k];
  useUnsaved.setState({ values: next });
}

/** The refused value of one field, if any. */
export function useUnsavedValue(project: string, id: string, prop: string): UnsavedValue | undefined {
  return useUnsaved((s) => s.values[unsavedKey(project, id, prop)]);
}

/**
 * Saves a change of an object's fields (the panel's `api.update`): a value the engine refuses
 * is kept as unsaved, with the engine's reason, and the change answers "nothing changed" (no
 * notice: the field says it); other refusals go to the caller as before.
 */
export async function updateFields(
  project: string,
  id: string,
  body: { rev?: string; name?: string; set?: Record<string, unknown>; unset?: string[] },
  texts: (prop: string) => { label: string; text: string },
): Promise<ChangeResult> {
  try {
    const r = await api.update(project, id, body);
    clearUnsaved(project, id, [...Object.keys(body.set ?? {}), ...(body.unset ?? [])]);
    return r;
  } catch (e) {
    const details = (e instanceof ApiError ? e.details : undefined) as { field?: string } | undefined;
    if (
      e instanceof ApiError &&
      e.status === 400 &&
      details?.field &&
      (e.code === "invalid_value" || e.code === "unknown_property")
    ) {
      const { label, text } = texts(details.field);
      setUnsaved({ project, id, prop: details.field, label, text, message: e.message });
      return { deltas: [], history: useStudio.getState().history };
    }
    throw e;
  }
}

/** A field's label and a value as its field shows it (what a refusal keeps as typed). */
export function fieldText(
  schema: TypeSchema | undefined,
  prop: string,
  value: unknown,
): { label: string; text: string } {
  const def = schema?.props.find((p) => p.name === prop);
  return { label: def?.label ?? prop, text: formatFieldValue(def?.kind ?? "string", value) };
}
