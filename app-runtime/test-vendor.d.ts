// The untyped packages the app runtime's tests reach in Node: PouchDB with the memory adapter,
// and, through the engine some tests start, embedded-db's. Same shapes as embedded-db/vendor.d.ts
// (a file of another program: the app runtime's tsconfig does not include it). The runtime
// itself never imports these: PouchDB is passed in.
declare module "pouchdb" {
  const PouchDB: import("../embedded-db/pouch.ts").PouchStatic;
  export default PouchDB;
}
declare module "pouchdb-adapter-memory" {
  const plugin: unknown;
  export default plugin;
}
declare module "pouchdb-find" {
  const plugin: unknown;
  export default plugin;
}
declare module "leveldown" {
  const leveldown: ((location: string) => import("../embedded-db/level-reads.ts").LevelHandle) & {
    destroy(location: string, callback: (err?: Error) => void): void;
  };
  export default leveldown;
}
declare module "memdown" {
  const memdown: (location: string) => import("../embedded-db/level-reads.ts").LevelHandle;
  export default memdown;
}
