/** One difference between an expected output and the actual one. */
export interface Difference {
  /** Where, as a JSON path ($ for the root). */
  path: string;
  expected: unknown;
  /** undefined when the actual output has nothing there. */
  actual: unknown;
  message: string;
}

function pathKey(base: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

function show(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}

/**
 * Compares an actual output with an expected subset: every key of an expected object must be in
 * the actual object with a matching value; an expected array must have as many items as the
 * actual one, each matching the item at the same index; other values must be equal.
 */
export function subsetDifferences(expected: unknown, actual: unknown, path = "$"): Difference[] {
  if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
      return [{ path, expected, actual, message: `expected an object, got ${show(actual)}` }];
    }
    const out: Difference[] = [];
    for (const [k, v] of Object.entries(expected)) {
      const p = pathKey(path, k);
      if (!Object.prototype.hasOwnProperty.call(actual, k)) {
        out.push({ path: p, expected: v, actual: undefined, message: "missing" });
      } else {
        out.push(...subsetDifferences(v, (actual as Record<string, unknown>)[k], p));
      }
    }
    return out;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [{ path, expected, actual, message: `expected a list, got ${show(actual)}` }];
    const out: Difference[] = [];
    if (actual.length !== expected.length) {
      out.push({
        path,
        expected: expected.length,
        actual: actual.length,
        message: `expected ${expected.length} items, got ${actual.length}`,
      });
    }
    expected.forEach((v, i) => {
      if (i < actual.length) out.push(...subsetDifferences(v, actual[i], `${path}[${i}]`));
    });
    return out;
  }
  if (expected === actual) return [];
  if (typeof expected === "number" && typeof actual === "number" && Math.abs(expected - actual) < 1e-9) return [];
  return [{ path, expected, actual, message: `expected ${show(expected)}, got ${show(actual)}` }];
}
