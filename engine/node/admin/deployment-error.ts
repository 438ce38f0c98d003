/** A refused deploy or rollback, with the HTTP status to answer. */
export class DeployError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
