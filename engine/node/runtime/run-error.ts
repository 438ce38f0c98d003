import type { ErrorInfo } from "../../common/model/typedef.ts";

/** An error that ends a run, in Convertigo's shape, with the HTTP status a caller receives. */
export class RunError extends Error {
  constructor(
    readonly code: string | number,
    message: string,
    readonly details?: unknown,
    readonly status = 500,
    /** The object (step, transaction) where it happened. */
    public where?: { id: string; name: string; type: string; project: string },
  ) {
    super(message);
    this.name = "RunError";
  }

  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message, status: this.status };
    if (this.details !== undefined) info.details = this.details;
    return info;
  }
}

/** Thrown by a Return step: ends the sequence normally. */
export class FinishSignal extends Error {
  constructor() {
    super("finish");
  }
}

/** Thrown by a Break step: ends the innermost loop running (SequenceRun's runLoopTurn catches it). */
export class BreakSignal extends Error {
  constructor() {
    super("break");
  }
}

/** Turns anything thrown during a run into a RunError (an unknown error is an engine fault). */
export function toRunError(e: unknown): RunError {
  if (e instanceof RunError) return e;
  if (e instanceof Error) return new RunError("engine_error", e.message, undefined, 500);
  return new RunError("engine_error", String(e), undefined, 500);
}
