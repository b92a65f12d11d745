import { TRPCClientError } from "@trpc/client";

/** What an API refusal carries beside its message (tRPC's error shape: code, HTTP status, our details); undefined for any other failure. */
function refusalData(error: unknown): { code?: unknown; details?: Record<string, unknown> | null } | undefined {
  return error instanceof TRPCClientError ? (error.data as { code?: unknown; details?: Record<string, unknown> | null } | undefined) : undefined;
}

/** The tRPC code of an API refusal ("CONFLICT", "FORBIDDEN"…), if it is one. */
export function trpcCode(error: unknown): string | undefined {
  const code = refusalData(error)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The details a refusal names its reason and figures in (`reason`, `retryAfterSeconds`, `collections`…), if any. */
export function refusalDetails(error: unknown): Record<string, unknown> | undefined {
  return refusalData(error)?.details ?? undefined;
}
