/**
 * Domain errors. Services throw `AppError` with one of these codes; the tRPC layer
 * maps each to an HTTP-shaped code in one place (api/trpc.ts), so domain code never
 * knows about transport.
 */
export const appErrorCodes = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
} as const;

export type AppErrorCode = keyof typeof appErrorCodes;

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    /** Small, non-secret, machine-readable details surfaced to clients (e.g. an RFC 8628 error code). */
    readonly details?: Record<string, string | number | boolean>,
    /** An HTTP status more precise than the code's own (410 Gone for a sync cursor older than retention). */
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = "AppError";
  }
}
