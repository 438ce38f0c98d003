/**
 * The Studio API's shapes for whole projects (rename, delete, duplicate, export, add an example),
 * the folder picker of the import dialog, and line breakpoints of the debugger. Types and
 * schemas only: both the engine and the renderer read them.
 */
import Type from "typebox";

/** Bounds of a line breakpoint list: step ids to 1-based line numbers of their code. */
export const MAX_LINE_BREAKPOINT_STEPS = 1000;
export const MAX_LINES_PER_STEP = 1000;

/** Line breakpoints: per step id, the lines of its JavaScript to pause before. */
export type LineBreakpoints = Record<string, number[]>;

export const LineBreakpointsSchema = Type.Record(
  Type.String({ minLength: 1, maxLength: 200 }),
  Type.Array(Type.Integer({ minimum: 1, maximum: 1_000_000 }), { maxItems: MAX_LINES_PER_STEP }),
  { maxProperties: MAX_LINE_BREAKPOINT_STEPS },
);

/** One folder of a listing: its name, and whether it looks like a Convertigo project. */
export interface FolderEntry {
  name: string;
  /** Holds c8oProject.yaml (a Convertigo project folder). */
  convertigo?: boolean;
  /** Holds project.yaml (an Atelier project folder). */
  atelier?: boolean;
}

/** The sub-folders of a folder on the engine's machine (the import dialog's picker in a browser). */
export interface FolderListing {
  /** The folder listed (absolute, real path). */
  path: string;
  /** Its parent, when the parent may be listed too. */
  parent?: string;
  /** Folders where listing may start (the user's home, the workspace's parent). */
  roots: string[];
  folders: FolderEntry[];
  /** More folders than a listing holds: the rest were left out. */
  truncated: boolean;
  /** The folder itself is a Convertigo project. */
  convertigo: boolean;
}
