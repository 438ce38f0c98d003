/**
 * A refusal of an API call (Studio API, admin API), with its HTTP status, a stable code and a
 * sentence for people. The engine throws it, the wire carries `{error: {code, message, details}}`,
 * and clients (the renderer, the CLI's deploy client) throw it again on their side.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** The JSON body of the refusal. */
  toBody(): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details !== undefined ? { details: this.details } : {}),
      },
    };
  }
}

/** The error body of every refused call. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}
