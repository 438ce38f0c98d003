/** Finds what in JavaScript code needs a rewrite for Atelier's sandbox. */
export function jsInteropProblems(code: string): string[] {
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
