import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

const PREFIX = "enc:v1:";

/** Is this stored value an encrypted secret? */
export function isEncrypted(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(PREFIX);
}

/**
 * Encrypts secret values for project files (AES-256-GCM). The key lives outside the projects:
 * ATELIER_SECRET_KEY (64 hex characters) or the workspace's `.atelier/secret.key`, created on
 * first use with owner-only permissions; so project folders can be shared and committed without
 * their secrets in clear.
 */
export class SecretBox {
  private constructor(
    private key: Buffer | undefined,
    private readonly keyFile: string,
  ) {}

  static async open(workspaceDir: string, env: NodeJS.ProcessEnv = process.env): Promise<SecretBox> {
    const keyFile = path.join(workspaceDir, ".atelier", "secret.key");
    const fromEnv = env.ATELIER_SECRET_KEY;
    if (fromEnv) {
      if (!/^[0-9a-fA-F]{64}$/.test(fromEnv))
        throw new Error("ATELIER_SECRET_KEY must be 64 hexadecimal characters (32 bytes)");
      return new SecretBox(Buffer.from(fromEnv, "hex"), keyFile);
    }
    try {
      const text = (await readFile(keyFile, "utf8")).trim();
      if (!/^[0-9a-fA-F]{64}$/.test(text))
        throw new Error(`${keyFile}: not a valid key (64 hexadecimal characters expected)`);
      return new SecretBox(Buffer.from(text, "hex"), keyFile);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return new SecretBox(undefined, keyFile);
      throw e;
    }
  }

  private async ensureKey(): Promise<Buffer> {
    if (this.key) return this.key;
    const key = randomBytes(32);
    await mkdir(path.dirname(this.keyFile), { recursive: true });
    await writeFile(this.keyFile, key.toString("hex") + "\n", { mode: 0o600, flag: "wx" }).catch(
      async (e: NodeJS.ErrnoException) => {
        if (e.code !== "EEXIST") throw e;
      },
    );
    await chmod(this.keyFile, 0o600);
    const reread = Buffer.from((await readFile(this.keyFile, "utf8")).trim(), "hex");
    this.key = reread;
    return reread;
  }

  /** Encrypts a value for a project file (creates the workspace key if there is none). */
  async encrypt(plain: string): Promise<string> {
    const key = await this.ensureKey();
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", key, iv);
    const data = Buffer.concat([c.update(plain, "utf8"), c.final()]);
    return PREFIX + Buffer.concat([iv, c.getAuthTag(), data]).toString("base64");
  }

  /** Decrypts a stored value; a value that is not encrypted is answered as is. */
  decrypt(stored: string, what: string): string {
    if (!isEncrypted(stored)) return stored;
    if (!this.key) {
      throw new Error(`${what} is encrypted but there is no key: set ATELIER_SECRET_KEY or restore ${this.keyFile}`);
    }
    const raw = Buffer.from(stored.slice(PREFIX.length), "base64");
    if (raw.length < 29) throw new Error(`${what}: the encrypted value is damaged`);
    try {
      const d = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString("utf8");
    } catch {
      throw new Error(`${what} cannot be decrypted with this workspace's key (was it encrypted with another key?)`);
    }
  }
}
