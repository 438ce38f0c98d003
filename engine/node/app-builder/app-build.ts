/**
 * `atelier app build` (and the Studio's build, later): a project's app generated from its
 * application, then built (build.ts). A project without an application whose `app/` folder was
 * written by hand is built as it is.
 */
import path from "node:path";
import { generateAppSources } from "../../common/ui/codegen/app.ts";
import { loadProject } from "../project/project-files.ts";
import { AppBuildError, buildApp, type AppBuildResult } from "./build.ts";
import { writeAppSources, type WrittenSources } from "./generate.ts";

export interface GenerateAndBuildResult extends AppBuildResult {
  project: string;
  /** What the generation wrote (absent: the project has no application, app/ was built as it is). */
  sources?: WrittenSources;
  warnings: string[];
  /** What to print, one line each. */
  lines: string[];
}

export async function generateAndBuild(projectDir: string): Promise<GenerateAndBuildResult> {
  const loaded = await loadProject(projectDir);
  const name = loaded.name;
  if (loaded.errors.length) {
    throw new AppBuildError(
      `The project ${name} does not load: ${loaded.errors.map((e) => `${e.location?.file ?? "?"}:${e.location?.line ?? "?"}: ${e.message}`).join("; ")}`,
    );
  }
  const app = loaded.root.children.find((c) => c.type === "Application");
  const warnings: string[] = [];
  let sources: WrittenSources | undefined;
  if (app) {
    const generated = generateAppSources(loaded.root, name);
    if (generated.errors.length) {
      throw new AppBuildError(
        `The app of ${name} cannot be generated:\n${generated.errors.map((e) => `  ${e.path}: ${e.message}`).join("\n")}`,
      );
    }
    warnings.push(...generated.warnings.map((w) => `${w.path}: ${w.message}`));
    sources = await writeAppSources(projectDir, generated);
  }
  const r = await buildApp({
    projectDir,
    project: name,
    title: app ? String(app.props.pwaName || app.props.title || name) : name,
    themeColor: app && typeof app.props.themeColor === "string" ? app.props.themeColor : undefined,
  });
  const lines = [
    ...(sources
      ? [
          `Generated app/ from the application ${app!.name}: ${sources.written.length} file(s) written, ${sources.removed.length} removed${sources.created.length ? `, ${sources.created.join(", ")} created for your code` : ""}`,
        ]
      : []),
    ...warnings.map((w) => `warning: ${w}`),
    `Built /apps/${name}/ in ${r.ms} ms: ${r.files.length} files, ${Math.round(r.bytes / 1024)} KB (${path.join(projectDir, "www")})`,
  ];
  return { project: name, ...r, ...(sources ? { sources } : {}), warnings, lines };
}
