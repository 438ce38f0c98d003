import { existsSync } from "node:fs";
import path from "node:path";
import { APP_BUILD_DIR, APPS_PATH } from "./apps.ts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ObjNode } from "../../common/model/node.ts";
import { getType, propOrDefault } from "../../common/model/registry.ts";
import { DEFAULT_REST_PREFIX } from "../project/workspace.ts";
import type { Engine } from "../engine.ts";

/** What the engine's root page shows. */
export interface RootPageOptions {
  /**
   * A local engine: every sequence (Hidden and Private ones marked, Private ones without a link)
   * and the projects that failed to load. Otherwise (a server) only Public sequences.
   */
  local?: boolean;
  /** The Studio's path (never with its token), linked from the page of a local engine. */
  studioPath?: string;
}

/** Text for HTML (element content and quoted attribute values). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The URL that runs a sequence with the Convertigo API (relative to the engine's root). */
export function sequencePath(project: string, sequence: string): string {
  return `/projects/${encodeURIComponent(project)}/.json?__sequence=${encodeURIComponent(sequence)}`;
}

interface SequenceLine {
  name: string;
  access: string;
  authenticated: boolean;
  variables: { name: string; required: boolean }[];
}

function sequencesOf(root: ObjNode, local: boolean): SequenceLine[] {
  const out: SequenceLine[] = [];
  for (const c of root.children) {
    if (getType(c.type)?.category !== "sequence") continue;
    const access = String(propOrDefault<string>(c, "accessibility") ?? "Public");
    if (!local && access !== "Public") continue;
    out.push({
      name: c.name,
      access,
      authenticated: propOrDefault<boolean>(c, "authenticatedContextRequired") === true,
      variables: c.children
        .filter((v) => v.type === "Variable")
        .map((v) => ({ name: v.name, required: propOrDefault<boolean>(v, "required") === true })),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d2430}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}ul{padding-left:1.2rem}li{margin:.25rem 0}
code{background:#f1f3f6;padding:0 .25rem;border-radius:3px}.badge{font-size:.75rem;border:1px solid #aab;border-radius:3px;padding:0 .3rem;margin-left:.4rem;color:#445}
.private{color:#777}.vars{color:#556;font-size:.9rem}.hint{color:#667}
@media (prefers-color-scheme:dark){body{background:#14171c;color:#dde3ea}code{background:#232831}a{color:#8ab4ff}.badge{color:#bcc;border-color:#556}.vars,.hint{color:#99a3ae}}`;

/**
 * The engine's root page: its projects and their sequences, each linked to its URL. Every name is
 * escaped; no secret, setting, default value or token is written.
 */
export function renderRootPage(engine: Engine, opts: RootPageOptions = {}): string {
  const local = opts.local === true;
  const parts: string[] = [];
  parts.push(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>Atelier engine</title><link rel="icon" href="/favicon.ico" type="image/svg+xml"><style>${STYLE}</style></head><body>`,
    `<h1>Atelier engine</h1>`,
  );
  if (local && opts.studioPath) {
    parts.push(
      `<p><a href="${escapeHtml(opts.studioPath)}">Open the Studio</a> <span class="hint">(this browser must have opened the link the engine printed once)</span></p>`,
    );
  }
  parts.push(
    `<p class="hint">Call a sequence with <code>GET</code> or <code>POST /projects/&lt;project&gt;/.json?__sequence=&lt;name&gt;&amp;&lt;variable&gt;=&lt;value&gt;</code> (also <code>.xml</code>).</p>`,
  );
  const projects = [...engine.workspace.projects.values()].sort((a, b) => a.name.localeCompare(b.name));
  if (projects.some((p) => p.root.children.some((c) => c.type === "UrlMapper"))) {
    const rest = escapeHtml(engine.config.rest?.prefix ?? DEFAULT_REST_PREFIX);
    parts.push(
      `<p>REST APIs: <a href="${rest}/docs">documentation</a> · <a href="${rest}/openapi.json">OpenAPI 3.1</a></p>`,
    );
  }
  let shown = 0;
  for (const p of projects) {
    const sequences = sequencesOf(p.root, local);
    const hasApp = typeof p.dir === "string" && existsSync(path.join(p.dir, APP_BUILD_DIR, "index.html"));
    if (!local && sequences.length === 0 && !hasApp) continue;
    shown++;
    parts.push(`<section><h2>${escapeHtml(p.name)}</h2>`);
    if (hasApp) parts.push(`<p><a href="${APPS_PATH}/${escapeHtml(encodeURIComponent(p.name))}/">Open the app</a></p>`);
    if (sequences.length === 0) parts.push(`<p class="hint">No sequence.</p>`);
    else {
      parts.push(`<ul>`);
      for (const s of sequences) {
        const name = escapeHtml(s.name);
        const callable = s.access !== "Private";
        parts.push(
          callable
            ? `<li><a href="${escapeHtml(sequencePath(p.name, s.name))}">${name}</a>`
            : `<li class="private">${name}`,
        );
        if (s.access === "Private") parts.push(`<span class="badge">Private: not callable over HTTP</span>`);
        else if (s.access === "Hidden")
          parts.push(`<span class="badge">Hidden: callable, not listed on a server</span>`);
        if (s.authenticated) parts.push(`<span class="badge">needs an authenticated session</span>`);
        if (s.variables.length) {
          parts.push(
            ` <span class="vars">(${s.variables.map((v) => `${escapeHtml(v.name)}${v.required ? "*" : ""}`).join(", ")})</span>`,
          );
        }
        parts.push(`</li>`);
      }
      parts.push(`</ul>`);
    }
    parts.push(`</section>`);
  }
  if (local) {
    const failures = [...engine.workspace.failures.keys()].sort();
    if (failures.length) {
      parts.push(
        `<section><h2>Not loaded</h2><ul>${failures.map((f) => `<li>${escapeHtml(f)}</li>`).join("")}</ul><p class="hint">The Studio says why.</p></section>`,
      );
    }
  }
  if (shown === 0) parts.push(`<p>No project is served yet.</p>`);
  parts.push(`</body></html>`);
  return parts.join("");
}

/** The route handler of `GET /`: the root page, with headers that keep it inert. */
export function rootPageHandler(engine: Engine, opts: RootPageOptions) {
  return (_req: FastifyRequest, reply: FastifyReply) =>
    reply
      .header("cache-control", "no-store")
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .header(
        "content-security-policy",
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      )
      .type("text/html; charset=utf-8")
      .send(renderRootPage(engine, opts));
}

/** The engine's icon (the Studio's), answered at `/favicon.ico` so browsers get no 404 on the root page. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#2f6fde"/>' +
  '<path d="M32 12 16 52h8.5l3.2-9h8.6l3.2 9H48L32 12Zm0 13.5 2.6 9.5h-5.2L32 25.5Z" fill="#fff"/></svg>';

/** The route handler of `GET /favicon.ico`. */
export function faviconHandler(_req: FastifyRequest, reply: FastifyReply) {
  return reply
    .header("cache-control", "public, max-age=86400")
    .header("x-content-type-options", "nosniff")
    .type("image/svg+xml")
    .send(FAVICON_SVG);
}
