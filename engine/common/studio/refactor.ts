/**
 * The Studio API's refactoring shapes (renames that update references), shared by the engine
 * (engine/node/studio/rename.ts) and the Studio (renderer/src/components/RenameDialog.tsx).
 */
import Type from "typebox";
import type { ChangeResult } from "./api.ts";

export const RenameBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    /** The revision of the object the rename was asked from (a stale one is a 409). */
    rev: Type.Optional(Type.String({ maxLength: 100 })),
    /** Update the references too (the default); false renames the object only. */
    references: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** One change a rename makes, for the preview list. */
export interface RenameChange {
  project: string;
  id: string;
  type: string;
  /** Names from the project down to the changed object. */
  path: string[];
  /** The property changed ("name" for the object's name). */
  field: string;
  /** How the reference is written: the renamed object itself, a property, JavaScript, a key... */
  form: "self" | "property" | "code" | "name" | "key" | "template";
  /** A short excerpt before and after (for code: the line, and its number). */
  before: string;
  after: string;
  line?: number;
}

/** What a rename would do (the preview), or did. */
export interface RenamePlanInfo {
  label: string;
  /** The renamed object first, then the references, in project then tree order. */
  changes: RenameChange[];
  /** References seen but not updated, with why (a name made of a ${setting}...). */
  skipped: { project: string; path: string[]; field: string; reason: string }[];
}

export type RenameResult = ChangeResult & RenamePlanInfo;
