import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createPsc,
  encodeConvertigoPsc,
  encodePsc,
  hashSecret,
  parseConvertigoPsc,
  parseDuration,
  parseJavaProperties,
  parsePsc,
  PscError,
  pscCovers,
  pscSignatureValid,
  PSC_PREFIX,
} from "./psc.ts";

const key = randomBytes(32);
const future = new Date(Date.now() + 86_400_000).toISOString();

function problemOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(PscError);
    return (e as PscError).problem;
  }
}

describe("Atelier PSC", () => {
  it("round-trips, is one line with a recognisable prefix, and is signed by the server's key", () => {
    const { text, psc } = createPsc(
      {
        url: "https://deploy.example:8443/",
        pin: "a".repeat(64),
        user: "ada",
        projects: ["Demo"],
        exp: future,
        label: "CI",
      },
      key,
    );
    expect(text.startsWith(PSC_PREFIX)).toBe(true);
    expect(text).not.toMatch(/\s/);
    const back = parsePsc(`  ${text}\n`);
    expect(back).toEqual(psc);
    expect(pscSignatureValid(back, hashSecret(back.secret), key)).toBe(true);
    expect(pscSignatureValid(back, hashSecret(back.secret), randomBytes(32))).toBe(false);
    expect(pscCovers(back, "Demo")).toBe(true);
    expect(pscCovers(back, "Other")).toBe(false);
  });

  it("a URL given in any of its forms (no trailing slash, upper-case host) still verifies once read back", () => {
    for (const url of ["http://127.0.0.1:8443", "https://Deploy.Example", "https://deploy.example:443/x"]) {
      const { text } = createPsc({ url, user: "ada", projects: ["*"], exp: future }, key);
      const back = parsePsc(text);
      expect(back.url).toBe(new URL(url).toString());
      expect(pscSignatureValid(back, hashSecret(back.secret), key)).toBe(true);
    }
  });

  it("names the problem: malformed, tampered (checksum), expired", () => {
    const { text, psc } = createPsc({ url: "http://127.0.0.1:1/", user: "ada", projects: ["*"], exp: future }, key);
    expect(problemOf(() => parsePsc("hello"))).toBe("malformed");
    expect(problemOf(() => parsePsc(PSC_PREFIX + "abc"))).toBe("malformed");
    // One character changed anywhere: the checksum says so.
    const i = PSC_PREFIX.length + 10;
    const edited = text.slice(0, i) + (text[i] === "A" ? "B" : "A") + text.slice(i + 1);
    expect(problemOf(() => parsePsc(edited))).toBe("tampered");
    // A re-encoded copy with a wider scope passes the checksum but not the server's signature.
    const widened = parsePsc(encodePsc({ ...psc, projects: ["*", "Other"] }));
    expect(pscSignatureValid(widened, hashSecret(widened.secret), key)).toBe(false);
    const { text: old } = createPsc(
      { url: "http://127.0.0.1:1/", user: "ada", projects: ["*"], exp: new Date(Date.now() - 1000).toISOString() },
      key,
    );
    expect(problemOf(() => parsePsc(old))).toBe("expired");
    expect(problemOf(() => parsePsc(encodePsc({ ...psc, url: "ftp://x/" })))).toBe("malformed");
    expect(problemOf(() => parsePsc(encodePsc({ ...psc, pin: "nothex" })))).toBe("malformed");
  });

  it("any text is either a PSC or a clear refusal (never a crash)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => PSC_PREFIX + s),
        ),
        (s) => {
          try {
            parsePsc(s);
          } catch (e) {
            expect(e).toBeInstanceOf(PscError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("parses durations", () => {
    expect(parseDuration("90d")).toBe(90 * 86_400_000);
    expect(parseDuration("12h")).toBe(12 * 3_600_000);
    expect(() => parseDuration("soon")).toThrow(/not a duration/);
  });
});

describe("Convertigo PSC", () => {
  it("yields its password-based targets", () => {
    const text = encodeConvertigoPsc([
      { server: "c8o.example:28080/convertigo", user: "admin", password: "p:a=s\\s", https: true },
      { server: "localhost:18080/convertigo", user: "dev", password: "x", https: false },
    ]);
    expect(text).toMatch(/^x[0-9a-f]+$/);
    const targets = parseConvertigoPsc(text);
    expect(targets).toEqual([
      {
        server: "c8o.example:28080/convertigo",
        user: "admin",
        password: "p:a=s\\s",
        https: true,
        trustAllCertificates: false,
      },
      { server: "localhost:18080/convertigo", user: "dev", password: "x", https: false, trustAllCertificates: false },
    ]);
  });

  it("refuses what is not one, naming why", () => {
    expect(problemOf(() => parseConvertigoPsc("hello"))).toBe("malformed");
    expect(problemOf(() => parseConvertigoPsc("x" + "00".repeat(16)))).toBe("tampered");
  });

  it("reads Java properties as Java does", () => {
    const p = parseJavaProperties("# c\n a = 1\nb:2\nc 3\nd=x\\\n   y\ne=\\u0041\\t\nf\\:g=h\n");
    expect(Object.fromEntries(p)).toEqual({ a: "1", b: "2", c: "3", d: "xy", e: "A\t", "f:g": "h" });
  });
});
