import type { z } from "zod";

/** A failed parse as one message per field, keyed by its path ("slack.emoji"); the first message of each wins. */
export function issuesByPath(error: z.ZodError): Record<string, string> {
  const found: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "form";
    found[key] ??= issue.message;
  }
  return found;
}
