// Minimal declarations of the untyped packages embedded-db uses (PouchDB 9 ships no types).
// The shapes we rely on are described in pouch.ts; these only let TypeScript import them.
declare module "pouchdb" {
  const PouchDB: import("./pouch.ts").PouchStatic;
  export default PouchDB;
}
declare module "pouchdb-adapter-memory" {
  const plugin: unknown;
  export default plugin;
}
declare module "pouchdb-selector-core" {
  export function massageSelector(selector: unknown): Record<string, unknown>;
  export function matchesSelector(doc: unknown, selector: unknown): boolean;
}
declare module "express-pouchdb" {
  import type { RequestHandler } from "express";
  function ExpressPouchDB(
    PouchDB: import("./pouch.ts").PouchStatic,
    opts?: Record<string, unknown>,
  ): RequestHandler & { setPouchDB(p: unknown): Promise<void> };
  export default ExpressPouchDB;
}
declare module "pouchdb-find" {
  const plugin: unknown;
  export default plugin;
}
declare module "leveldown" {
  const leveldown: ((location: string) => import("./level-reads.ts").LevelHandle) & {
    destroy(location: string, callback: (err?: Error) => void): void;
  };
  export default leveldown;
}
declare module "memdown" {
  const memdown: (location: string) => import("./level-reads.ts").LevelHandle;
  export default memdown;
}
