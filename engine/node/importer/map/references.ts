import type { Builder } from "./builder.ts";
import { always, type ClassMappers } from "./class-mapper.ts";

/**
 * Convertigo's references. A project reference ("Import Project schema") names another project
 * of the same Convertigo, with where to get it: `projectName` is a project name, or
 * `NAME=https://host/repo.git:branch=B:path=P:autoPull=true`, or `[NAME=]https://host/NAME.zip`
 * (.car too), as Convertigo's ProjectUrlParser reads it. Schema references (XSD, WSDL) stay foreign.
 */
export const referenceClasses: ClassMappers = {
  "references.ProjectSchemaReference": always("ProjectReference", projectReference),
};

/** A project reference's text, read: the project's name and, when given, where to get it. */
export interface ProjectLocation {
  project: string;
  /** The git or archive URL, when the text gives one. */
  url?: string;
  /** Options after the URL (`branch`, `path`, `autoPull`). */
  options: Record<string, string>;
}

const GIT = /^(.+?)=(.+\/(?:(.*?)\/\.git)|(?:.*\/(.*?)\.git))(.*)$/;
const ARCHIVE = /^(?:(.+?)=)?(https?:\/\/.*\/(.*?)\.(?:zip|car)[^:]*)(:.*)?$/i;
const OPTION = /:([^:=]+)=([^:]*)/g;

/** Reads a `projectName` value of a ProjectSchemaReference (see `referenceClasses`). */
export function parseProjectLocation(text: string): ProjectLocation {
  const value = text.trim();
  const options = (rest: string | undefined): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const m of (rest ?? "").matchAll(OPTION)) out[m[1]!] = m[2]!;
    return out;
  };
  const git = GIT.exec(value);
  if (git) return { project: git[1]!, url: git[2]!, options: options(git[5]) };
  const archive = ARCHIVE.exec(value);
  if (archive) return { project: archive[1] ?? archive[3]!, url: archive[2]!, options: options(archive[4]) };
  return { project: value, options: {} };
}

function projectReference(b: Builder): void {
  b.comment();
  const text = b.bag.str("projectName", "");
  if (!text) {
    b.note("it names no project", true);
    return;
  }
  const parsed = parseProjectLocation(text);
  b.set("project", parsed.project);
  if (parsed.url) b.set("location", text);
}
