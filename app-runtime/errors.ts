import type { CallError } from "./services.ts";

/**
 * Any failure as a CallError (a plain object, so a binding or the preview's trace shows its
 * fields): PouchDB's errors (`name`, `reason`/`message`, `status`), CallErrors as they are,
 * anything else by its message.
 */
export function toCallError(e: unknown, fallbackCode = "error"): CallError {
  if (e && typeof e === "object") {
    const o = e as Record<string, unknown>;
    const code =
      typeof o.code === "string" && o.code !== ""
        ? o.code
        : typeof o.error === "string" && o.error !== ""
          ? o.error
          : typeof o.name === "string" && o.name !== "" && o.name !== "Error"
            ? o.name
            : fallbackCode;
    const message =
      typeof o.reason === "string" && o.reason !== ""
        ? o.reason
        : typeof o.message === "string" && o.message !== ""
          ? o.message
          : code;
    const status = typeof o.status === "number" && o.status > 0 ? o.status : undefined;
    return status === undefined ? { code, message } : { code, message, status };
  }
  return { code: fallbackCode, message: String(e) };
}

/** Whether an error is the abort of the caller's signal (not a failure: no OnError). */
export function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === "AbortError";
}
