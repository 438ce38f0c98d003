import { watch, type FSWatcher } from "chokidar";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Engine } from "../engine.ts";

/**
 * Watches the workspace folder and reloads a project whose files were changed by someone else
 * (an editor, git pull). Files the Studio just wrote are recognised by their content and ignored.
 */
export class WorkspaceWatcher {
  private watcher: FSWatcher | undefined;
  private readonly pending = new Map<string, Set<string>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly engine: Engine,
    private readonly onChange: (project: string, reason: string) => Promise<void>,
    /** Runs a check between the Studio's own changes (a save under way is not someone else's). */
    private readonly serialize: <T>(task: () => Promise<T>) => Promise<T> = (t) => t(),
    private readonly debounceMs = 120,
  ) {}

  async start(): Promise<void> {
    const root = this.engine.workspace.dir;
    this.watcher = watch(root, {
      ignoreInitial: true,
      depth: 3,
      ignored: (p: string) => {
        const rel = path.relative(root, p);
        if (!rel) return false;
        const segs = rel.split(path.sep);
        // An app's sources and build (app/, www/) hold no project file: a build swapping www/ is no edit.
        if (segs.length >= 2 && (segs[1] === "www" || segs[1] === "app")) return true;
        return segs.some((seg) => seg.startsWith(".") || seg === "node_modules");
      },
      awaitWriteFinish: false,
    });
    const onEvent = (kind: string) => (file: string) => this.note(kind, file);
    this.watcher.on("add", onEvent("add"));
    this.watcher.on("change", onEvent("change"));
    this.watcher.on("unlink", onEvent("unlink"));
    this.watcher.on("addDir", onEvent("addDir"));
    this.watcher.on("unlinkDir", onEvent("unlinkDir"));
    this.watcher.on("error", (e) => this.engine.log.warn(`Workspace watcher: ${String(e)}`));
    await new Promise<void>((resolve) => this.watcher!.once("ready", () => resolve()));
  }

  private note(kind: string, file: string): void {
    if (this.closed) return;
    const rel = path.relative(this.engine.workspace.dir, file).split(path.sep);
    const project = rel[0];
    if (!project || rel[0] === "..") return;
    const inner = rel.slice(1).join("/");
    if (kind !== "unlinkDir" && kind !== "addDir" && inner && !inner.endsWith(".yaml")) return;
    let set = this.pending.get(project);
    if (!set) this.pending.set(project, (set = new Set()));
    set.add(`${kind}:${inner}`);
    clearTimeout(this.timers.get(project));
    this.timers.set(
      project,
      setTimeout(() => void this.flush(project), this.debounceMs),
    );
  }

  private async flush(project: string): Promise<void> {
    this.timers.delete(project);
    const events = this.pending.get(project);
    this.pending.delete(project);
    if (!events || this.closed) return;
    const changed = await this.serialize(() => this.changedFiles(project, events));
    if (changed.length === 0 || this.closed) return;
    const what = changed.filter(Boolean).slice(0, 3).join(", ") || "the project folder";
    try {
      await this.onChange(project, `changed on disk (${what})`);
    } catch (e) {
      this.engine.log.warn(`Reloading ${project} after a change on disk failed: ${(e as Error).message}`, project);
    }
  }

  /** The files of a project whose content differs from what the engine last read or wrote. */
  private async changedFiles(project: string, events: Set<string>): Promise<string[]> {
    const loaded = this.engine.workspace.get(project);
    const changed: string[] = [];
    for (const ev of events) {
      const [kind, inner] = [ev.slice(0, ev.indexOf(":")), ev.slice(ev.indexOf(":") + 1)];
      if (!loaded) {
        if (inner === "project.yaml" || kind === "addDir" || kind === "unlinkDir" || inner === "") changed.push(inner);
        continue;
      }
      if (kind === "addDir" || kind === "unlinkDir") {
        if (inner === "" && kind === "unlinkDir") changed.push(project);
        continue;
      }
      const known = loaded.files.get(inner);
      if (kind === "unlink") {
        if (known) changed.push(inner);
        continue;
      }
      let text: string | undefined;
      try {
        text = await readFile(path.join(this.engine.workspace.dir, project, inner), "utf8");
      } catch {
        text = undefined;
      }
      if (text === undefined ? known !== undefined : known?.text !== text) changed.push(inner);
    }
    return changed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.watcher?.close();
  }
}
