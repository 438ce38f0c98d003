/**
 * What keeps a Style object's text from being CSS (issue 18): Convertigo's styles are SCSS (`//`
 * comments, `$variables`, `@import "ionic.globals"`, mixins), which a browser skips and the app's
 * build refuses; unbalanced braces swallow the rules after them. Found here, the Problems view
 * names the Style and the line, and the app is built without that Style instead of failing.
 *
 * A scanner, not a parser: it follows strings, comments and url(...) so that their content is
 * never taken for code, and reports the first problem only.
 */

const SCSS_AT_RULES = new Set([
  "mixin",
  "include",
  "extend",
  "use",
  "forward",
  "function",
  "return",
  "each",
  "for",
  "while",
  "if",
  "else",
  "debug",
  "warn",
  "error",
]);

/** An at-rule's name, read where the scanner is. */
const AT_NAME = /[\w-]+/y;

/** The first reason `css` is not CSS, with its line, or undefined. */
export function cssProblem(css: string): string | undefined {
  let line = 1;
  const stack: number[] = []; // lines of the open braces
  let atLineStart = true; // only blanks since the last `;`, `{` or `}`: a declaration or a rule may start
  for (let i = 0; i < css.length; i++) {
    const c = css[i]!;
    if (c === "\n") {
      line++;
      continue;
    }
    if (c === "/" && css[i + 1] === "*") {
      const end = css.indexOf("*/", i + 2);
      if (end < 0) return `line ${line}: a comment /* is not closed`;
      for (let k = i; k < end; k++) if (css[k] === "\n") line++;
      i = end + 1;
      continue;
    }
    if (c === "/" && css[i + 1] === "/") {
      return `line ${line}: "//" starts a comment in SCSS, not in CSS (write /* ... */)`;
    }
    if (c === '"' || c === "'") {
      let k = i + 1;
      while (k < css.length && css[k] !== c && css[k] !== "\n") k += css[k] === "\\" ? 2 : 1;
      if (css[k] !== c) return `line ${line}: a text starting with ${c} is not closed on its line`;
      i = k;
      atLineStart = false;
      continue;
    }
    if ((c === "u" || c === "U") && css.slice(i, i + 4).toLowerCase() === "url(") {
      const end = css.indexOf(")", i);
      if (end < 0) return `line ${line}: url( is not closed`;
      i = end;
      atLineStart = false;
      continue;
    }
    if (c === "{") {
      stack.push(line);
      atLineStart = true;
      continue;
    }
    if (c === "}") {
      if (!stack.pop()) return `line ${line}: a } closes nothing`;
      atLineStart = true;
      continue;
    }
    if (c === ";") {
      atLineStart = true;
      continue;
    }
    if (/\s/.test(c)) continue;
    if (atLineStart) {
      if (c === "$") return `line ${line}: "${css.slice(i).split(/[\s:;]/, 1)[0]}" is a SCSS variable, not CSS`;
      if (c === "@") {
        // Read at the position (sticky), never by copying the rest of the text: a long style
        // with many at-rules stays linear.
        AT_NAME.lastIndex = i + 1;
        const name = AT_NAME.exec(css)?.[0] ?? "";
        if (SCSS_AT_RULES.has(name)) return `line ${line}: @${name} is SCSS, not CSS`;
        if (name === "import") {
          const semi = css.indexOf(";", i);
          const rest = css.slice(i + 7, semi < 0 ? undefined : semi).trim();
          if (!/^url\(/i.test(rest) && !/\.css["']/i.test(rest)) {
            return `line ${line}: @import ${rest} imports SCSS (CSS imports a .css file or a url(...))`;
          }
        }
      }
    }
    atLineStart = false;
  }
  if (stack.length) return `line ${stack.at(-1)}: a { is not closed`;
  return undefined;
}
