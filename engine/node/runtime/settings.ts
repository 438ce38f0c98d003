import type { ObjNode } from "../../common/model/node.ts";
import { propOrDefault } from "../../common/model/registry.ts";
import type { SecretBox } from "../project/secrets.ts";

/** Where a setting's value came from, lowest priority first. */
export type SettingLayer = "project" | "config" | "env" | "cli";

export interface SettingsSources {
  /** The workspace or server configuration (`settings:` of atelier.config.yaml). */
  config?: Record<string, string>;
  /** Environment variables (ATELIER_SET_<name>). */
  env?: NodeJS.ProcessEnv;
  /** --set name=value of the CLI. */
  cli?: Record<string, string>;
}

export interface ResolvedSettings {
  lookup(name: string): string | undefined;
  /** Values of secret settings, to mask in logs and traces. */
  secrets: string[];
}

/**
 * Resolves a project's settings: the project's defaults, overridden by the configuration, then by
 * ATELIER_SET_<name>, then by --set. Keys of the configuration and --set may be qualified with
 * the project (`Demo.backendUrl`), which wins over the plain name.
 */
export class SettingsResolver {
  private cache = new WeakMap<ObjNode, { key: string; resolved: ResolvedSettings }>();

  constructor(
    private readonly sources: SettingsSources,
    private readonly secretBox: SecretBox | undefined,
  ) {}

  private override(project: string, name: string): string | undefined {
    const q = `${project}.${name}`;
    const cli = this.sources.cli ?? {};
    if (q in cli) return cli[q];
    if (name in cli) return cli[name];
    const env = this.sources.env ?? {};
    const fromEnv = env[`ATELIER_SET_${name}`];
    if (fromEnv !== undefined) return fromEnv;
    const config = this.sources.config ?? {};
    if (q in config) return config[q];
    if (name in config) return config[name];
    return undefined;
  }

  forProject(root: ObjNode): ResolvedSettings {
    const settings = root.children.filter((c) => c.type === "Setting");
    const key = settings
      .map((s) => `${s.name}\u0000${String(s.props.value)}\u0000${String(s.props.secret)}`)
      .join("\u0001");
    const hit = this.cache.get(root);
    if (hit && hit.key === key) return hit.resolved;
    const declared = new Map(settings.map((s) => [s.name, s]));
    const secrets: string[] = [];
    const values = new Map<string, string | undefined>();
    const valueOf = (name: string): string | undefined => {
      if (values.has(name)) return values.get(name);
      const def = declared.get(name);
      let v = this.override(root.name, name);
      if (v === undefined && def) {
        const stored = def.props.value;
        if (typeof stored === "string") {
          v = this.secretBox ? this.secretBox.decrypt(stored, `The setting "${name}" of ${root.name}`) : stored;
        }
      }
      values.set(name, v);
      if (v && def && propOrDefault<boolean>(def, "secret")) secrets.push(v);
      return v;
    };
    for (const name of declared.keys()) valueOf(name);
    const resolved: ResolvedSettings = { lookup: valueOf, secrets };
    this.cache.set(root, { key, resolved });
    return resolved;
  }
}

/** Replaces every occurrence of a secret in a text by a mask. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 1) out = out.split(s).join("••••••");
  return out;
}
