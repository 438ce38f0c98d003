/**
 * Deployment targets on a developer's machine: imported PSCs (Atelier's, or Convertigo's
 * password-based ones), kept in the user's configuration folder with owner-only permissions, their
 * secrets protected by the platform when the desktop app gives a protector (Electron's safeStorage),
 * and the last target used for each project.
 */
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type { TargetSummary } from "../../common/admin/routes.ts";
import { isPlainObject } from "../../common/model/props.ts";
import { JsonFile } from "../admin/json-file.ts";
import type { ServerTarget } from "./admin-client.ts";
import { parseConvertigoPsc, parsePsc, PscError, PSC_PREFIX } from "./psc.ts";

interface StoredTarget extends TargetSummary {
  /** The PSC text, or the password: protected when a protector exists. */
  secret: string;
  protectedBy?: "platform";
}

type Doc = { targets: StoredTarget[]; last: Record<string, string> };

/** Encrypts secrets at rest (the desktop app passes Electron's safeStorage). */
export interface SecretProtector {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

/** The user's Atelier configuration folder. */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ATELIER_CONFIG_DIR) return env.ATELIER_CONFIG_DIR;
  if (process.platform === "win32" && env.APPDATA) return path.join(env.APPDATA, "Atelier");
  if (process.platform === "darwin") return path.join(os.homedir(), "Library", "Application Support", "Atelier");
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config"), "atelier");
}

const idOf = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);

/** Reads a PSC of either kind into targets, without storing anything; throws PscError naming the problem. */
export function readPscText(text: string): (TargetSummary & { secret: string })[] {
  const t = text.trim();
  if (t.startsWith(PSC_PREFIX)) {
    const p = parsePsc(t);
    return [
      {
        id: p.id,
        kind: "psc",
        url: p.url,
        user: p.user,
        projects: p.projects,
        expires: p.exp,
        ...(p.label ? { label: p.label } : {}),
        ...(p.pin ? { pin: p.pin } : {}),
        secret: t,
      },
    ];
  }
  if (/^x[0-9a-fA-F]+$/.test(t)) {
    return parseConvertigoPsc(t).map((c) => {
      const url = `${c.https ? "https" : "http"}://${c.server.replace(/^https?:\/\//, "").replace(/\/convertigo\/?$/, "")}/`;
      return {
        id: `legacy_${idOf(`${url}|${c.user}`)}`,
        kind: "legacy" as const,
        url,
        user: c.user,
        projects: ["*"],
        note: "legacy, password-based",
        secret: c.password,
      };
    });
  }
  throw new PscError("malformed", `This is neither an Atelier PSC (${PSC_PREFIX}…) nor a Convertigo PSC (x…)`);
}

export class TargetStore {
  private readonly file: JsonFile<Doc>;

  constructor(
    readonly dir: string = userConfigDir(),
    private readonly protector?: SecretProtector,
  ) {
    this.file = new JsonFile<Doc>(
      path.join(dir, "targets.json"),
      () => ({ targets: [], last: {} }),
      (v) => {
        if (!isPlainObject(v) || !Array.isArray(v.targets) || !isPlainObject(v.last)) {
          throw new Error(`${path.join(dir, "targets.json")} is damaged: remove it and import your PSCs again`);
        }
        return v as Doc;
      },
    );
  }

  private summary(t: StoredTarget): TargetSummary {
    const { secret: _s, protectedBy: _p, ...rest } = t;
    return rest;
  }

  async list(): Promise<TargetSummary[]> {
    return (await this.file.read()).targets.map((t) => this.summary(t));
  }

  /** The targets and the last one used per project. */
  async info(): Promise<{ targets: TargetSummary[]; last: Record<string, string> }> {
    const doc = await this.file.read();
    return { targets: doc.targets.map((t) => this.summary(t)), last: { ...doc.last } };
  }

  /** Imports a PSC (text); answers the targets it added or replaced. */
  async import(text: string): Promise<TargetSummary[]> {
    const read = readPscText(text);
    const stored: StoredTarget[] = read.map((t) =>
      this.protector ? { ...t, secret: this.protector.encrypt(t.secret), protectedBy: "platform" } : t,
    );
    await this.file.update((doc) => {
      const ids = new Set(stored.map((t) => t.id));
      doc.targets = [...doc.targets.filter((t) => !ids.has(t.id)), ...stored];
    });
    return stored.map((t) => this.summary(t));
  }

  async remove(id: string): Promise<boolean> {
    return this.file.update((doc) => {
      const before = doc.targets.length;
      doc.targets = doc.targets.filter((t) => t.id !== id);
      for (const [k, v] of Object.entries(doc.last)) if (v === id) delete doc.last[k];
      return doc.targets.length < before;
    });
  }

  /** A target ready to connect: URL, pin and credentials. */
  async connect(id: string): Promise<{ summary: TargetSummary; target: ServerTarget }> {
    const t = (await this.file.read()).targets.find((x) => x.id === id);
    if (!t) throw new PscError("unknown", `There is no deployment target ${id} (import its PSC first)`);
    if (t.expires && Date.parse(t.expires) <= Date.now()) {
      throw new PscError(
        "expired",
        `The PSC of ${t.url} (${t.id}) expired on ${t.expires}: ask its admin for a new one`,
      );
    }
    let secret = t.secret;
    if (t.protectedBy === "platform") {
      if (!this.protector)
        throw new Error(`The secret of target ${id} is protected by the desktop app: use it from there`);
      secret = this.protector.decrypt(secret);
    }
    const credentials = t.kind === "psc" ? { psc: secret } : { user: t.user, password: secret };
    return { summary: this.summary(t), target: { url: t.url, ...(t.pin ? { pin: t.pin } : {}), credentials } };
  }

  /** The target used last for a project (by its name), if it still exists. */
  async lastFor(project: string): Promise<string | undefined> {
    const doc = await this.file.read();
    const id = doc.last[project];
    return id && doc.targets.some((t) => t.id === id) ? id : undefined;
  }

  async rememberFor(project: string, id: string): Promise<void> {
    await this.file.update((doc) => {
      doc.last[project] = id;
    });
  }
}

export type { TargetSummary };
