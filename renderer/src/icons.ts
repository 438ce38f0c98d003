/** A glyph per icon name of the type definitions (TypeDef.icon). */
const GLYPHS: Record<string, string> = {
  workspace: "▤",
  project: "▣",
  sequence: "▶",
  variable: "x",
  test: "✓",
  setting: "⚙",
  http: "◎",
  transaction: "⇄",
  "call-transaction": "⇢",
  "call-sequence": "↪",
  code: "{}",
  element: "◆",
  object: "{ }",
  array: "[ ]",
  if: "?",
  then: "✔",
  else: "✘",
  iterator: "↻",
  while: "⟳",
  error: "⚠",
  return: "⏎",
  log: "✎",
  user: "☺",
  session: "⚷",
  fullsync: "⇅",
  database: "⛁",
  foreign: "❖",
  group: "☻",
  loop: "↻",
  view: "◉",
  lock: "⚷",
  listener: "☊",
  reference: "⇗",
  "design-document": "▭",
};

export function glyph(icon: string | undefined): string {
  if (!icon) return "•";
  return GLYPHS[icon] ?? GLYPHS[icon.split("-")[0] ?? ""] ?? "•";
}
