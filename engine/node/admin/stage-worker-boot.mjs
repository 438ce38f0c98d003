// Starts stage-worker.ts from the TypeScript sources (a checkout, the tests): the compiled engine
// starts dist/stage-worker.mjs instead.
const { register } = await import("tsx/esm/api");
register();
await import("./stage-worker.ts");
