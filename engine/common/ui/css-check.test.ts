import { describe, expect, it } from "vitest";
import { cssProblem } from "./css-check.ts";

describe("a Style's text is CSS", () => {
  it("accepts CSS, nesting, strings, urls and comments holding anything", () => {
    expect(cssProblem("")).toBeUndefined();
    expect(
      cssProblem(`/* a // comment { */
.card { color: red; background: url(http://x/a.png); }
.a::after { content: "// not a comment } {"; }
@import url("base.css");
@import "theme.css";
@media (max-width: 600px) { .b { & .c { padding: 0 } } }
:root { --ion-color-primary: #2563eb; }`),
    ).toBeUndefined();
  });

  it("names SCSS and unbalanced braces, with their line", () => {
    expect(cssProblem(".a { color: red }\n// Ionic Variables")).toBe(
      'line 2: "//" starts a comment in SCSS, not in CSS (write /* ... */)',
    );
    expect(cssProblem('$font-path: "../assets/fonts";')).toBe('line 1: "$font-path" is a SCSS variable, not CSS');
    expect(cssProblem('@import "ionic.globals";')).toBe(
      'line 1: @import "ionic.globals" imports SCSS (CSS imports a .css file or a url(...))',
    );
    expect(cssProblem(".a {\n  @include button();\n}")).toBe("line 2: @include is SCSS, not CSS");
    expect(cssProblem(".a {\n color: red;\n")).toBe("line 1: a { is not closed");
    expect(cssProblem(".a { }\n}")).toBe("line 2: a } closes nothing");
    expect(cssProblem('.a { content: "open }')).toBe('line 1: a text starting with " is not closed on its line');
    expect(cssProblem("/* never closed")).toBe("line 1: a comment /* is not closed");
  });
});
