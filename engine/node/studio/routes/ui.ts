import { getType } from "../../../common/model/registry.ts";
import type { JsonSchema } from "../../../common/model/json-schema.ts";
import { uiCatalogue } from "../../../common/ui/ui-catalogue.ts";
import { OutputSchemas } from "../../api/output-schemas.ts";
import { StudioError } from "../studio-service.ts";
import type { StudioContext } from "./context.ts";
import type { StudioHandlers } from "./register.ts";

/**
 * The UI builder: its component and actions catalogues, for the designer; the shapes of what the
 * project's sequences and transactions answered in runs (`engine.outputSchemas`, by
 * `project/sequence` and `project/connector.transaction`), which the binding checks and picker
 * read after declared schemas, static shapes and test cases (engine/common/model/output-schema.ts).
 */
export function uiRoutes(ctx: StudioContext) {
  return {
    uiCatalogue: () => uiCatalogue(),
    buildApp: async ({ params }) => {
      const p = ctx.engine.project(params.project);
      if (!p) throw new StudioError(404, "unknown_project", `There is no project named "${params.project}"`);
      // Loaded when used: the Studio's start does not load the app builder.
      const { generateAndBuild } = await import("../../app-builder/app-build.ts");
      const { AppBuildError } = await import("../../app-builder/build.ts");
      try {
        const r = await generateAndBuild(p.dir);
        return {
          url: `/apps/${encodeURIComponent(r.project)}/`,
          ms: r.ms,
          files: r.files.length,
          bytes: r.bytes,
          warnings: r.warnings,
          lines: r.lines,
        };
      } catch (e) {
        if (e instanceof AppBuildError) throw new StudioError(422, "app_build_failed", e.message);
        throw e;
      }
    },
    outputSchemas: ({ params }) => {
      const p = ctx.engine.workspace.get(params.project);
      if (!p) throw new StudioError(404, "unknown_project", `There is no project named "${params.project}"`);
      const out: Record<string, JsonSchema> = {};
      const add = (key: string) => {
        const s = ctx.engine.outputSchemas.get(key);
        if (s) Object.defineProperty(out, key, { value: s, enumerable: true, writable: true, configurable: true });
      };
      // Only the requestables the project has now (a renamed one's old schema is not answered).
      for (const c of p.root.children) {
        const category = getType(c.type)?.category;
        if (category === "sequence") add(OutputSchemas.key(p.name, { sequence: c.name }));
        if (category !== "connector") continue;
        for (const t of c.children) {
          if (getType(t.type)?.category === "transaction") {
            add(OutputSchemas.key(p.name, { connector: c.name, transaction: t.name }));
          }
        }
      }
      return out;
    },
  } satisfies Partial<StudioHandlers>;
}
