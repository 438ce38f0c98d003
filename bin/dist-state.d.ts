/** The folders dist/ is compiled from. */
export const SOURCE_DIRS: string[];
/** The newest modification time (ms) of the source files under `root`'s SOURCE_DIRS; 0 when none. */
export function newestSource(root: string): number;
/** The entry `name` of dist/ when it can be run: built, and not older than the sources. */
export function freshDistEntry(root: string, name: string): string | undefined;
