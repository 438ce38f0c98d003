import { createCipheriv, createDecipheriv, createHash } from "node:crypto";

/**
 * Convertigo's ciphered property values: `x` + hex of AES-128-CBC (PKCS#5 padding) where key and
 * IV are both the MD5 of a passphrase. The passphrase is the server's `crypto.passphrase`, whose
 * default is public (EnginePropertiesManager.CRYPTO_PASSPHRASE in Convertigo's sources): a value
 * ciphered with it protects nothing, which is why imported secrets move to Atelier's SecretBox.
 */
export const C8O_DEFAULT_PASSPHRASE = "A8dkLmsdfkKze0e34FGh";

const CIPHERED_RE = /^x(?:[0-9a-fA-F]{32})+$/;

/** Does this look like a Convertigo ciphered value (`x` + whole AES blocks in hex)? */
export function looksCiphered(value: string): boolean {
  return CIPHERED_RE.test(value);
}

function keyOf(passphrase: string): Buffer {
  return createHash("md5").update(passphrase, "utf8").digest();
}

/** Deciphers a value; undefined when it is not ciphered with this passphrase (bad padding or text). */
export function decipherC8o(value: string, passphrase = C8O_DEFAULT_PASSPHRASE): string | undefined {
  if (!looksCiphered(value)) return undefined;
  const key = keyOf(passphrase);
  try {
    const d = createDecipheriv("aes-128-cbc", key, key);
    const plain = Buffer.concat([d.update(Buffer.from(value.slice(1), "hex")), d.final()]);
    return new TextDecoder("utf-8", { fatal: true }).decode(plain);
  } catch {
    return undefined;
  }
}

/** Ciphers a value the way Convertigo does (used by tests to build ciphered projects). */
export function cipherC8o(plain: string, passphrase = C8O_DEFAULT_PASSPHRASE): string {
  const key = keyOf(passphrase);
  const c = createCipheriv("aes-128-cbc", key, key);
  return "x" + Buffer.concat([c.update(plain, "utf8"), c.final()]).toString("hex");
}
