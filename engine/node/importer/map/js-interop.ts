import { SUPPORTED_CONVERTIGO_NAMES } from "../../runtime/convertigo-js.ts";

/**
 * Finds what in JavaScript code needs a rewrite for Atelier's sandbox: Java interop and
 * Convertigo's JavaScript API, except the part the sandbox provides (runtime/convertigo-js.ts).
 */
export function jsInteropProblems(source: string): string[] {
  let code = source;
  for (const re of SUPPORTED_CONVERTIGO_NAMES) code = code.replace(re, (m) => " ".repeat(m.length));
  const out: string[] = [];
  const java =
    /(?:^|[^\w$.])(Packages\.[\w$.]+|(?:java|javax)\.[a-z][\w$]*(?:\.[\w$]+)*|(?:org|com|net)\.(?:apache|w3c|mozilla|twinsoft|convertigo|json|xml|sun|google)(?:\.[\w$]+)+)/g;
  const found = new Set<string>();
  for (const m of code.matchAll(java)) found.add((m[1] as string).split(".").slice(0, 3).join("."));
  if (found.size)
    out.push(`uses Java interop (${[...found].slice(0, 4).join(", ")}), which Atelier's sandbox does not have`);
  const apis = new Set<string>();
  for (const m of code.matchAll(
    /(?:^|[^\w$.])(context\.[\w$]+|log\.(?:message|info|warn|warning|error|debug|trace|fatal))\b/g,
  )) {
    apis.add(m[1] as string);
  }
  if (apis.size) out.push(`uses Convertigo's JavaScript API (${[...apis].slice(0, 4).join(", ")})`);
  return out;
}
