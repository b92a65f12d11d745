import { TRPCClientError } from "@trpc/client";
import { errorMessage, fieldErrors } from "~/trpc/react";

/**
 * Messages for a form: zod's per-field messages, plus a domain error the server
 * tied to one field (`details.field`, e.g. a wrong current password); anything
 * else is the form's own message.
 */
export function formErrors(error: unknown): { fields: Record<string, string | undefined>; form?: string } {
  if (!error) return { fields: {} };
  const fields = fieldErrors(error);
  const field = error instanceof TRPCClientError ? (error.data as { details?: { field?: unknown } } | undefined)?.details?.field : undefined;
  if (typeof field === "string") return { fields: { ...fields, [field]: errorMessage(error) } };
  return { fields, form: Object.keys(fields).length === 0 ? errorMessage(error) : undefined };
}
