import { existsSync } from "node:fs";
import path from "node:path";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

/**
 * The real Convertigo projects used as test data (the team's read-only `shared/fixtures/convertigo`,
 * beside the repository). ATELIER_CONVERTIGO_FIXTURES may point elsewhere. Missing fixtures fail
 * the tests that need them with this message, never skip them.
 */
export function convertigoFixtures(): string {
  const candidates = [
    process.env.ATELIER_CONVERTIGO_FIXTURES,
    path.join(repoRoot, "../shared/fixtures/convertigo"),
    "/work/shared/fixtures/convertigo",
  ].filter((c): c is string => Boolean(c));
  const found = candidates.find((c) => existsSync(path.join(c, "SOURCES.md")));
  if (!found) {
    throw new Error(
      `The Convertigo fixtures are missing: looked in ${candidates.join(", ")} (set ATELIER_CONVERTIGO_FIXTURES)`,
    );
  }
  return found;
}
