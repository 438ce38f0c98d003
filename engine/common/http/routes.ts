/**
 * Typed route tables: an API declared once (method, path, guard, request schema, answer type), so
 * that the server registers its routes from the table, clients derive their calls from it, and a
 * route cannot exist without its guard. The Studio API (engine/common/studio/routes.ts) and the
 * admin API (engine/common/admin/routes.ts) are such tables.
 */
import type { Static, TSchema } from "typebox";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Carries a route's answer type without a value (the table is data; the type is for both sides). */
export interface Answer<T> {
  readonly __answer?: T;
}
export const answer = <T>(): Answer<T> => ({});

export interface RouteDef<G extends string = string> {
  method: HttpMethod;
  /** Below the table's prefix; `:name` segments are path parameters. */
  path: string;
  /** Who may call it: each table names its guards; registration attaches the guard to the route. */
  guard: G;
  /** A JSON body, checked against this schema (a bad one is a 400 naming the field). */
  body?: TSchema;
  query?: TSchema;
  /**
   * Bodies that are not JSON: `raw` (the bytes, e.g. an archive; `maxBytes` bounds them), `form`
   * (urlencoded or multipart, for Convertigo's clients).
   */
  bodyKind?: "raw" | "form";
  maxBytes?: number;
  /** Streams answer by themselves (newline-delimited JSON, server-sent events). */
  stream?: "ndjson" | "sse";
  answer: Answer<unknown>;
}

/** The `:name` parameters of a path, as an object type. */
export type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name]: string } & PathParams<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? { [K in Name]: string }
    : Record<never, never>;

type SchemaOf<R, K extends string> = R extends { [k in K]: infer S extends TSchema } ? Static<S> : undefined;

/** What a call of route R sends: its path parameters, body and query. */
export interface RouteRequest<R extends RouteDef> {
  params: PathParams<R["path"]>;
  body: R extends { bodyKind: "raw" } ? Uint8Array : SchemaOf<R, "body">;
  query: SchemaOf<R, "query">;
}

/** What route R answers. */
export type RouteAnswer<R extends RouteDef> = R["answer"] extends Answer<infer T> ? T : never;

/** A route's concrete path: its parameters filled in, percent-encoded. */
export function routePath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z_]\w*)/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`routePath: missing parameter "${name}" of ${path}`);
    return encodeURIComponent(v);
  });
}
