/**
 * Plain child paths into JSON values: `a.b[0].c`, `$.a["key with spaces"]`, `items[-1]`.
 * This is what a source points at; no filters or wildcards, on purpose (a path must name one value).
 */
export type PathSegment = string | number;

/** Parses a path; throws an Error naming the position of a syntax error. */
export function parsePath(path: string): PathSegment[] {
  const segs: PathSegment[] = [];
  let i = 0;
  const s = path.trim();
  if (s.startsWith("$")) i = 1;
  const fail = (why: string): never => {
    throw new Error(`Invalid path "${path}" at character ${i + 1}: ${why}`);
  };
  while (i < s.length) {
    const ch = s[i];
    if (ch === ".") {
      i++;
      const m = /^[^.[\]]+/.exec(s.slice(i));
      if (!m) fail("a name is expected after '.'");
      segs.push(m![0]);
      i += m![0].length;
    } else if (ch === "[") {
      i++;
      const rest = s.slice(i);
      const num = /^\s*(-?\d+)\s*\]/.exec(rest);
      const quoted = /^\s*(["'])((?:\\.|(?!\1).)*)\1\s*\]/.exec(rest);
      if (num) {
        segs.push(Number(num[1]));
        i += num[0].length;
      } else if (quoted) {
        segs.push((quoted[2] as string).replace(/\\(.)/g, "$1"));
        i += quoted[0].length;
      } else {
        fail("expected an index or a quoted name inside [ ]");
      }
    } else if (segs.length === 0 && i === 0) {
      const m = /^[^.[\]]+/.exec(s);
      segs.push(m![0]);
      i += m![0].length;
    } else {
      fail(`unexpected '${ch}'`);
    }
  }
  return segs;
}

/** Reads the value a path names; undefined when a step of the path is missing. */
export function getPath(value: unknown, path: string | undefined): unknown {
  if (path === undefined || path.trim() === "" || path.trim() === "$") return value;
  let cur: unknown = value;
  for (const seg of parsePath(path)) {
    if (cur === null || cur === undefined) return undefined;
    if (typeof seg === "number") {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[seg < 0 ? cur.length + seg : seg];
    } else {
      if (typeof cur !== "object") return undefined;
      if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return cur;
}
