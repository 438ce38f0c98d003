import type { C8oBean } from "../c8o-yaml.ts";
import { decipherC8o, looksCiphered } from "../c8o-crypto.ts";
import type { SecretKeeper } from "./prop-bag.ts";

export interface PendingSecret {
  /** The Setting that will hold the value (encrypted by the caller). */
  setting: string;
  plain: string;
  description: string;
}

/**
 * The secret settings an import creates: ciphered and secret values are deciphered and moved
 * out of the objects (which get a `${setting}` placeholder); the caller encrypts them.
 */
export class SecretSettings implements SecretKeeper {
  readonly pending: PendingSecret[] = [];
  private readonly names = new Set<string>();

  constructor(
    private readonly passphrase: string,
    private readonly warn: (bean: C8oBean, message: string) => void,
  ) {}

  /**
   * Moves a secret to a secret Setting; answers the `${name}` placeholder, or the value unchanged
   * when it is ciphered with another passphrase (then it stays ciphered and is flagged).
   */
  secretSetting(bean: C8oBean, prop: string, stored: string): string {
    let plain: string | undefined = stored;
    if (looksCiphered(stored)) {
      plain = decipherC8o(stored, this.passphrase);
      if (plain === undefined) {
        this.warn(
          bean,
          `${prop} is ciphered with a passphrase other than the one given (Convertigo's default unless --c8o-passphrase): kept ciphered, set it again in Atelier`,
        );
        return stored;
      }
    }
    if (plain === "") return "";
    const base = `${bean.name}_${prop}`.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^([^A-Za-z_])/, "_$1");
    let name = base;
    let i = 2;
    while (this.names.has(name)) name = `${base}_${i++}`;
    this.names.add(name);
    this.pending.push({
      setting: name,
      plain,
      description: `Imported from Convertigo: ${prop} of ${bean.name} (${bean.cls})${looksCiphered(stored) ? ", deciphered" : ""}.`,
    });
    return `\${${name}}`;
  }
}
