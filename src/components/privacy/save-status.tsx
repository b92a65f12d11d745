"use client";

import { CheckIcon } from "../icons";
import { Spinner } from "../ui/spinner";

/**
 * "Saving…" while a change is on its way, "Saved" once the server applied it.
 * A live region, so screen readers hear the outcome of a switch they flipped.
 */
export function SaveStatus({ pending, saved, savedLabel = "Saved" }: { pending: boolean; saved: boolean; savedLabel?: string }) {
  return (
    // Always in the page (a live region must exist before it speaks), but takes no room while it has nothing to say.
    <span role="status" aria-live="polite" className={pending || saved ? "inline-flex min-h-8 items-center gap-1.5 text-sm" : "sr-only"}>
      {pending ? (
        <span className="inline-flex items-center gap-1.5 text-zinc-500">
          <Spinner className="size-4" /> Saving…
        </span>
      ) : saved ? (
        <span className="inline-flex items-center gap-1 font-medium text-emerald-700">
          <CheckIcon className="size-4" /> {savedLabel}
        </span>
      ) : null}
    </span>
  );
}
