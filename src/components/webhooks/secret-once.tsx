"use client";

import { useId, useState } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";

/** A signing secret, shown this once (the server never shows it again), with a copy button. */
export function SecretOnce({ label, secret, rotated, onDone }: { label: string; secret: string; rotated: boolean; onDone: () => void }) {
  const [copied, setCopied] = useState<"yes" | "failed">();
  const fieldId = useId();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };
  return (
    <Alert tone="success" title={rotated ? `New signing secret for ${label}` : `Endpoint added: ${label}`}>
      <p>Copy the signing secret now: it is not shown again. Verify deliveries with it using any Standard Webhooks library.</p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <label htmlFor={fieldId} className="sr-only">
          Signing secret
        </label>
        <input
          id={fieldId}
          readOnly
          value={secret}
          data-testid="webhook-secret"
          onFocus={(event) => event.currentTarget.select()}
          className="h-9 min-w-0 flex-1 rounded-lg border border-emerald-300 bg-white px-3 font-mono text-xs text-zinc-900"
        />
        <Button size="sm" variant="secondary" onClick={() => void copy()}>
          {copied === "yes" ? "Copied" : "Copy"}
        </Button>
        <Button size="sm" variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
      <p className="mt-2 text-xs" aria-live="polite">
        {copied === "failed" ? "Your browser did not allow copying: select the secret and copy it yourself." : rotated ? "The previous secret keeps working for 24 hours." : ""}
      </p>
    </Alert>
  );
}
