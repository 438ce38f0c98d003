import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { listTypes } from "./registry.ts";
import { currentSnapshot, snapshotProblems, type TypeSnapshot } from "./type-snapshot.ts";
import { migrateProps, migrationChainProblem, NewerTypeVersionError } from "./versions.ts";

const SNAPSHOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../types/type-versions.snapshot.json");

describe("type versions", () => {
  it("every type's migrations are a chain 2..version", () => {
    expect(listTypes().map(migrationChainProblem).filter(Boolean)).toEqual([]);
  });

  it("no type's stored shape changed without a new version and a migration", () => {
    const recorded = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as TypeSnapshot;
    const problems = snapshotProblems(recorded);
    // The message says what to add; read it when this fails.
    expect(problems, problems.join("\n\n")).toEqual([]);
  });

  it("the check catches a changed default, a renamed property and a forgotten snapshot", () => {
    const now = currentSnapshot();
    const recorded = structuredClone(now);
    const log = recorded.Log!;
    log.props.level = { ...log.props.level!, default: "debug" };
    expect(snapshotProblems(recorded, now).join()).toMatch(
      /Log changed without a new version \(property "level": default "debug" → "info"\): set `version: 2`/,
    );
    const renamed = structuredClone(now);
    renamed.Log!.props.severity = renamed.Log!.props.level!;
    delete renamed.Log!.props.level;
    expect(snapshotProblems(renamed, now).join()).toMatch(
      /property "severity" was removed or renamed.*"level" was added/,
    );
    const bumped = structuredClone(now);
    bumped.Log!.version += 1;
    expect(snapshotProblems(now, bumped).join()).toMatch(/Log is now at version 2 .*npm run types:snapshot/);
  });

  it("migrates step by step, and refuses a newer version naming the type and both versions", () => {
    const anyVersioned = listTypes().find((t) => (t.version ?? 1) > 1);
    if (anyVersioned) {
      const r = migrateProps(anyVersioned.type, 1, {});
      expect(r.applied.length).toBe((anyVersioned.version ?? 1) - 1);
    }
    expect(() => migrateProps("Log", 5, {})).toThrow(NewerTypeVersionError);
    expect(() => migrateProps("Log", 5, {})).toThrow(
      /Log objects are at version 5 there, this Atelier reads up to version 1/,
    );
    // The caller's object is never changed.
    const props = { level: "warn" };
    expect(migrateProps("Log", 1, props).props).toBe(props);
  });
});
