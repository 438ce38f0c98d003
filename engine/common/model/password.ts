/**
 * Salted password hashes for projects (PBKDF2-SHA256 through WebCrypto, so this runs in Node and
 * in the browser). Stored form: `pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>`.
 */

const SCHEME = "pbkdf2-sha256";
/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const DEFAULT_ITERATIONS = 600_000;
const MAX_ITERATIONS = 10_000_000;
const KEY_BITS = 256;

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    KEY_BITS,
  );
  return new Uint8Array(bits);
}

/** A new salted hash of a password. */
export async function hashPassword(password: string, iterations = DEFAULT_ITERATIONS): Promise<string> {
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, iterations);
  return `${SCHEME}$${iterations}$${toBase64(salt)}$${toBase64(hash)}`;
}

/** Reads a stored hash; throws an Error saying what is wrong with it. */
export function parsePasswordHash(stored: string): { iterations: number; salt: Uint8Array; hash: Uint8Array } {
  const parts = stored.split("$");
  if (parts.length !== 4 || parts[0] !== SCHEME) {
    throw new Error(`a password hash must look like ${SCHEME}$<iterations>$<salt>$<hash>`);
  }
  const iterations = Number(parts[1]);
  if (!Number.isInteger(iterations) || iterations < 1000 || iterations > MAX_ITERATIONS) {
    throw new Error(`the password hash's iteration count must be a whole number from 1000 to ${MAX_ITERATIONS}`);
  }
  try {
    const salt = fromBase64(parts[2] as string);
    const hash = fromBase64(parts[3] as string);
    if (salt.length < 8 || hash.length !== KEY_BITS / 8) throw new Error("length");
    return { iterations, salt, hash };
  } catch {
    throw new Error("the password hash's salt or hash is not valid base64 of the expected length");
  }
}

const DUMMY_SALT = new Uint8Array(16);

/**
 * Does the password match the stored hash? Without a stored hash (unknown user) the same work is
 * done, so the answer takes as long either way. The comparison takes constant time.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  if (stored === undefined) {
    await derive(password, DUMMY_SALT, DEFAULT_ITERATIONS);
    return false;
  }
  const { iterations, salt, hash } = parsePasswordHash(stored);
  const actual = await derive(password, salt, iterations);
  let diff = actual.length ^ hash.length;
  for (let i = 0; i < hash.length; i++) diff |= (actual[i] ?? 0) ^ (hash[i] ?? 0);
  return diff === 0;
}
