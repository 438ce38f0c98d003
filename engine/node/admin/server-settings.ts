import path from "node:path";
import { isPlainObject } from "../../common/model/props.ts";
import { SecretBox } from "../project/secrets.ts";
import { FileDocs, type DocStore, type SharedDoc } from "../cluster/shared-docs.ts";

interface StoredSetting {
  value: string;
  secret: boolean;
}
type Doc = { projects: Record<string, Record<string, StoredSetting>> };

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,199}$/;

/**
 * Setting values a server's admin gives each deployed project (`<data>/admin/settings.json`):
 * they override the project's own values. Secret values are stored encrypted with the server's
 * key (`<data>/.atelier/secret.key` or ATELIER_SECRET_KEY) and never answered back.
 */
export class ServerSettings {
  private readonly file: SharedDoc<Doc>;

  private constructor(
    dataDir: string,
    private readonly box: SecretBox,
    docs: DocStore,
  ) {
    this.file = docs.doc<Doc>(
      "server-settings",
      path.join(dataDir, "admin", "settings.json"),
      () => ({ projects: {} }),
      (v) => {
        if (!isPlainObject(v) || !isPlainObject(v.projects))
          throw new Error("settings.json must hold {projects: {...}}");
        return v as Doc;
      },
    );
  }

  /**
   * `docs`: the data folder (one server) or a cluster's Redis; in a cluster every server must have
   * the same ATELIER_SECRET_KEY to read the secret values another server stored.
   */
  static async open(
    dataDir: string,
    env: NodeJS.ProcessEnv = process.env,
    docs: DocStore = new FileDocs(),
  ): Promise<ServerSettings> {
    return new ServerSettings(dataDir, await SecretBox.open(dataDir, env), docs);
  }

  /** Every value, decrypted, as `Project.name` keys (what the engine's settings resolver reads). */
  async resolved(): Promise<Record<string, string>> {
    const doc = await this.file.read();
    const out: Record<string, string> = {};
    for (const [project, values] of Object.entries(doc.projects)) {
      for (const [name, s] of Object.entries(values)) {
        out[`${project}.${name}`] = s.secret
          ? this.box.decrypt(s.value, `The server setting ${project}.${name}`)
          : s.value;
      }
    }
    return out;
  }

  async list(project: string): Promise<{ name: string; value?: string; secret: boolean }[]> {
    const doc = await this.file.read();
    return Object.entries(doc.projects[project] ?? {})
      .map(([name, s]) => (s.secret ? { name, secret: true } : { name, value: s.value, secret: false }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async set(project: string, name: string, value: string, secret: boolean): Promise<void> {
    if (!NAME_RE.test(name)) throw new Error(`"${name}" is not a valid setting name`);
    const stored = secret ? await this.box.encrypt(value) : value;
    await this.file.update((doc) => {
      const values = (doc.projects[project] ??= {});
      values[name] = { value: stored, secret };
    });
  }

  async remove(project: string, name: string): Promise<boolean> {
    return this.file.update((doc) => {
      const values = doc.projects[project];
      if (!values || !(name in values)) return false;
      delete values[name];
      return true;
    });
  }
}
