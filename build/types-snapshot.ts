/**
 * Records the shape of every object type (engine/common/types/type-versions.snapshot.json): run
 * after bumping a type's version with its migration (`npm run types:snapshot`).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import prettier from "prettier";
import { listTypes } from "../engine/common/model/registry.ts";
import { currentSnapshot } from "../engine/common/model/type-snapshot.ts";
import { migrationChainProblem } from "../engine/common/model/versions.ts";

const file = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../engine/common/types/type-versions.snapshot.json",
);
const chain = listTypes()
  .map(migrationChainProblem)
  .filter((p): p is string => p !== undefined);
if (chain.length) {
  process.stderr.write(`Not recorded: ${chain.join("; ")}\n`);
  process.exit(1);
}
const options = (await prettier.resolveConfig(file)) ?? {};
const text = await prettier.format(JSON.stringify(currentSnapshot()), { ...options, parser: "json", filepath: file });
await writeFile(file, text);
process.stdout.write(`Recorded ${listTypes().length} types in ${path.relative(process.cwd(), file)}\n`);
