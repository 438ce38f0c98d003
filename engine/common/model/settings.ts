/** Resolution of `${name}` and `${name=default}` placeholders from named settings. */

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_.-]*)(?:=([^}]*))?\}/g;

export class MissingSettingError extends Error {
  constructor(readonly setting: string) {
    super(
      `The setting "${setting}" has no value (define it in the project, or give it with --set ${setting}=... or ATELIER_SET_${setting})`,
    );
  }
}

/**
 * Replaces placeholders in a text. A placeholder without a value and without a default throws
 * MissingSettingError. `$${...}` escapes a literal `${...}`.
 */
export function resolvePlaceholders(text: string, lookup: (name: string) => string | undefined): string {
  if (!text.includes("${")) return text;
  return text.replace(
    /(\$?)\$\{([A-Za-z_][A-Za-z0-9_.-]*)(?:=([^}]*))?\}/g,
    (m, escape: string, name: string, dflt?: string) => {
      if (escape) return m.slice(1);
      const v = lookup(name);
      if (v !== undefined) return v;
      if (dflt !== undefined) return dflt;
      throw new MissingSettingError(name);
    },
  );
}

/** Names of the settings a text refers to. */
export function placeholderNames(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

/** Resolves placeholders in every string of a JSON value. */
export function resolveDeep(value: unknown, lookup: (name: string) => string | undefined): unknown {
  if (typeof value === "string") return resolvePlaceholders(value, lookup);
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, lookup));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveDeep(v, lookup);
    return out;
  }
  return value;
}
