/**
 * Personal server certificates (PSC): one line of text a server's admin gives a developer, that
 * the Studio and the CLI import to deploy there.
 *
 * Atelier's PSC: `atlpsc1_<base64url JSON>_<checksum>`. The JSON holds the server URL, the SHA-256
 * pin of its TLS certificate (for HTTPS), a token id and secret, the user, the projects it may
 * touch and its expiry, signed by the server (HMAC with the server's key). The recognisable
 * prefix lets secret scanners find leaked ones; the server keeps only a hash of the secret, and
 * revoking the token id ends it at once. The checksum catches a damaged or edited copy before
 * anything is sent; the signature lets the server say "tampered" rather than "unknown".
 *
 * Convertigo's PSC (`x` + hex of AES-128-CBC under a fixed public key, a Java .properties text
 * inside with admin passwords) is read for compatibility: it yields password-based targets.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { cipherC8o, decipherC8o } from "../importer/c8o-crypto.ts";

export const PSC_PREFIX = "atlpsc1_";

/** What an Atelier PSC says (the signed part). */
export interface PscClaims {
  v: 1;
  /** The server's base URL (https://host:port/). */
  url: string;
  /** SHA-256 of the server certificate (DER), hex; present for HTTPS servers with their own certificate. */
  pin?: string;
  /** Token id (public: listed, revoked by it). */
  id: string;
  user: string;
  /** Project names it may deploy / roll back; ["*"] for all. */
  projects: string[];
  /** Expiry, ISO 8601. */
  exp: string;
  label?: string;
}

export interface Psc extends PscClaims {
  /** The token's secret (only a hash is kept by the server). */
  secret: string;
  /** HMAC-SHA256 of the claims and the secret's hash by the server's key, base64url. */
  sig: string;
}

/** Why a PSC was refused: the cause in a word, and a sentence. */
export type PscProblem = "malformed" | "tampered" | "expired" | "revoked" | "unknown" | "out_of_scope" | "wrong_server";

export class PscError extends Error {
  constructor(
    readonly problem: PscProblem,
    message: string,
  ) {
    super(message);
  }
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64url");
const checksumOf = (body: string) => createHash("sha256").update(body).digest("hex").slice(0, 8);
export const hashSecret = (secret: string) => createHash("sha256").update(secret).digest("hex");

/** The text the server signs: claims in a fixed order, and the secret's hash. */
function signedText(c: PscClaims, secretHash: string): string {
  return JSON.stringify([c.v, c.url, c.pin ?? "", c.id, c.user, c.projects, c.exp, c.label ?? "", secretHash]);
}

export function signPsc(claims: PscClaims, secretHash: string, key: Buffer): string {
  return createHmac("sha256", key).update(signedText(claims, secretHash)).digest("base64url");
}

/** Makes a new PSC (the server side): a fresh secret, signed with `key`. */
export function createPsc(
  claims: Omit<PscClaims, "v" | "id"> & { id?: string },
  key: Buffer,
): { text: string; psc: Psc } {
  const id = claims.id ?? `psc_${randomBytes(6).toString("hex")}`;
  // Signed as parsePsc will read it back (a URL's normal form: "http://host:1" is "http://host:1/").
  const full: PscClaims = { v: 1, ...claims, url: new URL(claims.url).toString(), id };
  const secret = randomBytes(32).toString("base64url");
  const psc: Psc = { ...full, secret, sig: signPsc(full, hashSecret(secret), key) };
  return { text: encodePsc(psc), psc };
}

export function encodePsc(psc: Psc): string {
  const body = b64(JSON.stringify(psc));
  return `${PSC_PREFIX}${body}_${checksumOf(body)}`;
}

const isStr = (v: unknown, max = 2000): v is string => typeof v === "string" && v.length > 0 && v.length <= max;

/**
 * Reads an Atelier PSC (pasted text or a file's content, surrounding blanks ignored). Refuses a
 * malformed or edited one naming which; says nothing about validity on the server (expiry is
 * checked here too, as a convenience).
 */
export function parsePsc(text: string, now = Date.now()): Psc {
  const t = text.trim();
  if (!t.startsWith(PSC_PREFIX)) {
    throw new PscError("malformed", `This is not an Atelier PSC (it should start with ${PSC_PREFIX})`);
  }
  if (t.length > 8192 || /\s/.test(t)) throw new PscError("malformed", "This PSC is damaged (it must be one line)");
  const rest = t.slice(PSC_PREFIX.length);
  const cut = rest.lastIndexOf("_");
  if (cut < 0) throw new PscError("malformed", "This PSC is damaged (no checksum at its end)");
  const body = rest.slice(0, cut);
  if (checksumOf(body) !== rest.slice(cut + 1)) {
    throw new PscError("tampered", "This PSC was altered or damaged: its checksum does not match. Ask for a new one.");
  }
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new PscError("malformed", "This PSC is damaged (its content is not readable)");
  }
  if (!v || typeof v !== "object" || v.v !== 1) throw new PscError("malformed", "This PSC is of an unknown version");
  const fields = ["url", "id", "user", "exp", "secret", "sig"] as const;
  for (const f of fields) if (!isStr(v[f])) throw new PscError("malformed", `This PSC has no valid "${f}"`);
  if (!Array.isArray(v.projects) || !v.projects.every((p) => isStr(p, 200)) || v.projects.length > 1000) {
    throw new PscError("malformed", 'This PSC has no valid "projects" list');
  }
  if (v.pin !== undefined && !(typeof v.pin === "string" && /^[0-9a-f]{64}$/.test(v.pin))) {
    throw new PscError("malformed", "This PSC has an invalid certificate pin (64 hex digits of SHA-256 expected)");
  }
  if (v.label !== undefined && !isStr(v.label, 200)) throw new PscError("malformed", 'This PSC has an invalid "label"');
  let url: URL;
  try {
    url = new URL(v.url as string);
  } catch {
    throw new PscError("malformed", `This PSC's server URL is not a URL: ${String(v.url).slice(0, 100)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new PscError("malformed", `This PSC's server URL must be http or https, not ${url.protocol}`);
  }
  const exp = Date.parse(v.exp as string);
  if (!Number.isFinite(exp)) throw new PscError("malformed", `This PSC's expiry is not a date: ${String(v.exp)}`);
  const psc: Psc = {
    v: 1,
    url: url.toString(),
    ...(v.pin ? { pin: v.pin as string } : {}),
    id: v.id as string,
    user: v.user as string,
    projects: v.projects as string[],
    exp: v.exp as string,
    ...(v.label ? { label: v.label as string } : {}),
    secret: v.secret as string,
    sig: v.sig as string,
  };
  if (exp <= now) throw new PscError("expired", `This PSC expired on ${new Date(exp).toISOString()}`);
  return psc;
}

/** Does the server's key sign this PSC (and is its secret the one whose hash is given)? */
export function pscSignatureValid(psc: Psc, secretHash: string, key: Buffer): boolean {
  const want = Buffer.from(signPsc(psc, secretHash, key));
  const got = Buffer.from(psc.sig);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** May this PSC touch this project? */
export function pscCovers(psc: Pick<PscClaims, "projects">, project: string): boolean {
  return psc.projects.includes("*") || psc.projects.includes(project);
}

/** Parses a duration like 90d, 12h, 30m, 1y into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,6})\s*(m|h|d|w|y)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration (use e.g. 30m, 12h, 90d, 8w, 1y)`);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 }[m[2] as "m"];
  return Number(m[1]) * unit;
}

// ---- Convertigo's PSC ----

/** The key Convertigo's Studio uses for PSCs: MD5("registration"), public in its sources. */
const C8O_PSC_PASSPHRASE = "registration";

/** One deployment target of a Convertigo PSC: password-based ("legacy"). */
export interface ConvertigoTarget {
  server: string;
  user: string;
  password: string;
  https: boolean;
  trustAllCertificates: boolean;
}

/** Reads a Convertigo PSC (`x` + hex), answering its targets; refuses anything else naming why. */
export function parseConvertigoPsc(text: string): ConvertigoTarget[] {
  const t = text.trim();
  if (!/^x[0-9a-fA-F]+$/.test(t))
    throw new PscError("malformed", "This is not a Convertigo PSC (x followed by hex digits)");
  if (t.length > 200_000) throw new PscError("malformed", "This Convertigo PSC is too long");
  const plain = decipherC8o(t, C8O_PSC_PASSPHRASE);
  if (plain === undefined)
    throw new PscError("tampered", "This Convertigo PSC does not decipher: it is damaged or altered");
  if (!/^\s*#\s*PSC file/.test(plain)) throw new PscError("malformed", "This Convertigo PSC does not hold a PSC file");
  const props = parseJavaProperties(plain);
  const targets: ConvertigoTarget[] = [];
  for (let i = 1; i <= 100; i++) {
    const server = props.get(`deploy.${i}.server`);
    if (server === undefined) break;
    const user = props.get(`deploy.${i}.admin.user`) ?? "";
    const password = props.get(`deploy.${i}.admin.password`) ?? "";
    if (!server || !user) throw new PscError("malformed", `Target ${i} of this Convertigo PSC has no server or user`);
    targets.push({
      server,
      user,
      password,
      https: props.get(`deploy.${i}.ssl.https`) === "true",
      trustAllCertificates: props.get(`deploy.${i}.ssl.trustCert`) === "true",
    });
  }
  if (!targets.length) throw new PscError("malformed", "This Convertigo PSC names no deployment target");
  return targets;
}

/** Makes a Convertigo PSC (tests, and to show what the format is). */
export function encodeConvertigoPsc(targets: Omit<ConvertigoTarget, "trustAllCertificates">[]): string {
  const lines = ["# PSC file", `# ${new Date(0).toUTCString()}`];
  targets.forEach((t, i) => {
    const n = i + 1;
    lines.push(
      `deploy.${n}.server=${escapeProp(t.server)}`,
      `deploy.${n}.admin.user=${escapeProp(t.user)}`,
      `deploy.${n}.admin.password=${escapeProp(t.password)}`,
      `deploy.${n}.ssl.https=${t.https}`,
      `deploy.${n}.ssl.trustCert=false`,
      `deploy.${n}.assembleXsl=false`,
    );
  });
  return cipherC8o(lines.join("\n") + "\n", C8O_PSC_PASSPHRASE);
}

function escapeProp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/:/g, "\\:").replace(/=/g, "\\=").replace(/\n/g, "\\n");
}

/** A Java .properties text: comments, `key=value` / `key: value` / `key value`, escapes, continuations. */
export function parseJavaProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, "");
    if (!line || line.startsWith("#") || line.startsWith("!")) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, "");
    }
    let k = "";
    let j = 0;
    for (; j < line.length; j++) {
      const ch = line[j]!;
      if (ch === "\\") {
        k += line[++j] ?? "";
        continue;
      }
      if (ch === "=" || ch === ":" || ch === " " || ch === "\t") break;
      k += ch;
    }
    let rest = line.slice(j).replace(/^[ \t\f]*[=:]?[ \t\f]*/, "");
    rest = rest.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
      if (e.startsWith("u") && e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
      return { t: "\t", n: "\n", r: "\r", f: "\f" }[e] ?? e;
    });
    out.set(k, rest);
  }
  return out;
}
