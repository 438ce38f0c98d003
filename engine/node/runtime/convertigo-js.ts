import { createHash, randomUUID } from "node:crypto";
import type { LogLevel } from "../../common/model/typedef.ts";

/**
 * Convertigo's JavaScript API, the part Atelier's sandbox offers, so that code imported from
 * Convertigo projects runs unchanged: the `log` methods, `context.httpSession` attributes (the
 * session), `context.addTextNodeUnderRoot` (a value at the response's root), the project's name,
 * and a few static Java utilities Convertigo projects call (hashes, Base64, time, UUID). Anything
 * else under `java.`, `org.`, `com.` or `Packages.` fails with an error naming the Java class.
 * The importer's check (importer/map/js-interop.ts) flags only what is not listed here.
 */

/** What the compatibility layer needs of the run. */
export interface ConvertigoJsHost {
  log(level: LogLevel, text: string): void;
  /** Adds a value at the response's root (Convertigo's `context.addTextNodeUnderRoot`). */
  emitRoot(name: string, value: unknown): void;
  projectName: string;
}

/** The parts of the layer code names (each is defined before the first code that needs it). */
export function convertigoPreludes(code: string): ("log" | "api")[] {
  const out: ("log" | "api")[] = [];
  if (/\blog\s*\./.test(code)) out.push("log");
  if (/\b(?:context|java|org|com|Packages)\b/.test(code)) out.push("api");
  return out;
}

/** Globals the layer defines: the debugger does not show them. */
export const CONVERTIGO_JS_GLOBALS = ["context", "java", "org", "com", "Packages", "__c8o"] as const;

/** Names of Convertigo's API that the layer provides (regular expressions, anchored at a name). */
export const SUPPORTED_CONVERTIGO_NAMES: readonly RegExp[] = [
  /log\.(?:message|info|warn|warning|error|fatal|debug|trace)\b/g,
  /context\.httpSession\.(?:getAttribute|setAttribute|removeAttribute)\b/g,
  /context\.(?:addTextNodeUnderRoot|getProjectName|projectName)\b/g,
  /org\.apache\.commons\.codec\.digest\.DigestUtils\.(?:md5Hex|sha1Hex|sha256Hex|sha512Hex)\b/g,
  /java\.lang\.System\.currentTimeMillis\b/g,
  /java\.util\.UUID\.randomUUID\b/g,
  /com\.twinsoft\.convertigo\.engine\.util\.Base64\.(?:encodeString|decodeToString)\b/g,
];

const LEVELS: Record<string, LogLevel> = { debug: "debug", info: "info", warn: "warn", error: "error" };
const DIGESTS = new Set(["md5", "sha1", "sha256", "sha512"]);

/** The host functions of the layer (the sandbox's `__c8o` object). */
export function convertigoJsFunctions(host: ConvertigoJsHost): Record<string, (...args: unknown[]) => unknown> {
  return {
    log: (level: unknown, args: unknown) => {
      const parts = Array.isArray(args) ? args : [args];
      const text = parts.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
      host.log(LEVELS[String(level)] ?? "info", text);
      return undefined;
    },
    emitRoot: (name: unknown, value: unknown) => {
      host.emitRoot(String(name), value);
      return undefined;
    },
    projectName: () => host.projectName,
    digest: (alg: unknown, text: unknown) => {
      const a = String(alg);
      if (!DIGESTS.has(a)) throw new Error(`unknown digest ${a}`);
      return createHash(a).update(String(text), "utf8").digest("hex");
    },
    uuid: () => randomUUID(),
    base64Encode: (text: unknown) => Buffer.from(String(text), "utf8").toString("base64"),
    base64Decode: (text: unknown) => Buffer.from(String(text), "base64").toString("utf8"),
  };
}

/**
 * Run in a sandbox before the first code that uses Convertigo's names (usesConvertigoApi): builds
 * the Convertigo objects over the host functions. Java packages are proxies: a known utility answers, anything else throws a clear
 * error when called, constructed or read into (`new java.io.File(...)`).
 */
export const CONVERTIGO_JS_PRELUDES: Record<"log" | "api", string> = {
  log: `(function (g) {
  "use strict";
  var h = g.__c8o, log = g.log;
  var levels = { message: "info", info: "info", warn: "warn", warning: "warn", error: "error", fatal: "error", debug: "debug", trace: "debug" };
  Object.keys(levels).forEach(function (k) {
    Object.defineProperty(log, k, { value: function () { h.log(levels[k], Array.prototype.slice.call(arguments)); } });
  });
})(globalThis);
`,
  api: `(function (g) {
  "use strict";
  var h = g.__c8o, s = g.session;
  var text = function (v) { return v === undefined || v === null ? "" : String(v); };
  var context = {
    httpSession: Object.freeze({
      getAttribute: function (k) { return s.get(String(k)); },
      setAttribute: function (k, v) { s.set(String(k), v); },
      removeAttribute: function (k) { s.remove(String(k)); }
    }),
    addTextNodeUnderRoot: function (name, value) { h.emitRoot(String(name), text(value)); },
    getProjectName: function () { return h.projectName(); }
  };
  Object.defineProperty(context, "projectName", { get: function () { return h.projectName(); }, enumerable: true });
  function javaPackage(path, members) {
    var target = function () {};
    return new Proxy(target, {
      get: function (t, k) {
        if (typeof k !== "string") return undefined;
        if (Object.prototype.hasOwnProperty.call(members, k)) return members[k];
        return javaPackage(path + "." + k, {});
      },
      apply: function () { throw new Error(path + ": Java classes do not exist in Atelier's sandbox (rewrite this call in JavaScript)"); },
      construct: function () { throw new Error(path + ": Java classes do not exist in Atelier's sandbox (rewrite this call in JavaScript)"); }
    });
  }
  var digest = function (alg) { return function (v) { return h.digest(alg, text(v)); }; };
  var DigestUtils = javaPackage("org.apache.commons.codec.digest.DigestUtils", {
    md5Hex: digest("md5"), sha1Hex: digest("sha1"), sha256Hex: digest("sha256"), sha512Hex: digest("sha512")
  });
  var org = javaPackage("org", { apache: javaPackage("org.apache", { commons: javaPackage("org.apache.commons", {
    codec: javaPackage("org.apache.commons.codec", { digest: javaPackage("org.apache.commons.codec.digest", { DigestUtils: DigestUtils }) })
  }) }) });
  var java = javaPackage("java", {
    lang: javaPackage("java.lang", { System: javaPackage("java.lang.System", { currentTimeMillis: function () { return Date.now(); } }) }),
    util: javaPackage("java.util", { UUID: javaPackage("java.util.UUID", { randomUUID: function () { return h.uuid(); } }) })
  });
  var Base64 = javaPackage("com.twinsoft.convertigo.engine.util.Base64", {
    encodeString: function (v) { return h.base64Encode(text(v)); },
    decodeToString: function (v) { return h.base64Decode(text(v)); }
  });
  var com = javaPackage("com", { twinsoft: javaPackage("com.twinsoft", { convertigo: javaPackage("com.twinsoft.convertigo", {
    engine: javaPackage("com.twinsoft.convertigo.engine", { util: javaPackage("com.twinsoft.convertigo.engine.util", { Base64: Base64 }) })
  }) }) });
  var define = function (name, value) { Object.defineProperty(g, name, { value: value, writable: true, configurable: true }); };
  define("context", context);
  define("java", java);
  define("org", org);
  define("com", com);
  define("Packages", javaPackage("Packages", { java: java, org: org, com: com }));
})(globalThis);
`,
};
