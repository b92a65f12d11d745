"use client";

import { useState } from "react";
import { timeAgo } from "../devices/format";
import { CheckIcon, CloseIcon, ShieldIcon } from "../icons";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { EmptyState } from "../ui/empty-state";
import { cn } from "../ui/cn";
import { useLocale } from "../ui/locale";
import { consentTypeLabel, formatDate } from "./labels";
import type { Consents } from "./use-privacy";

const FIRST = 8;

/** Every consent decision, newest first: an append-only record that is never rewritten. */
export function ConsentHistory({ consents }: { consents: Consents }) {
  const [all, setAll] = useState(false);
  const locale = useLocale();
  const history = consents.history;
  const shown = all ? history : history.slice(0, FIRST);
  return (
    <Card>
      <CardHeader title="Consent history" description="Every time you gave or withdrew consent, newest first. Entries are only ever added, never changed." />
      {history.length === 0 ? (
        <EmptyState icon={<ShieldIcon />} title="No consent decisions yet">
          When you turn cloud sync or an integration on or off, the decision is recorded here with the privacy policy it was made under.
        </EmptyState>
      ) : (
        <>
          <ul className="divide-y divide-zinc-100" aria-label="Consent history">
            {shown.map((entry) => (
              <li key={entry.id} className="flex flex-wrap items-center gap-x-4 gap-y-1 px-5 py-3 text-sm">
                <span
                  aria-hidden="true"
                  className={cn("flex size-8 shrink-0 items-center justify-center rounded-full", entry.granted ? "bg-emerald-50 text-emerald-600" : "bg-amber-50 text-amber-700")}
                >
                  {entry.granted ? <CheckIcon className="size-4" /> : <CloseIcon className="size-4" />}
                </span>
                <span className="min-w-0 flex-1">
                  <span className="flex flex-wrap items-center gap-2 font-medium text-zinc-900">
                    {consentTypeLabel(entry.type)}
                    {entry.granted ? <Badge tone="success">Granted</Badge> : <Badge tone="warning">Withdrawn</Badge>}
                  </span>
                  <span className="block text-xs text-zinc-500">Privacy policy {entry.policyVersion}</span>
                </span>
                <time dateTime={new Date(entry.createdAt).toISOString()} className="w-full pl-12 text-xs text-zinc-500 sm:w-auto sm:pl-0 sm:text-sm">
                  {formatDate(locale, entry.createdAt)}
                  <span className="sr-only"> ({timeAgo(new Date(entry.createdAt))})</span>
                </time>
              </li>
            ))}
          </ul>
          {history.length > FIRST && (
            <div className="border-t border-zinc-100 px-5 py-3">
              <Button variant="ghost" size="sm" aria-expanded={all} onClick={() => setAll((value) => !value)}>
                {all ? "Show fewer" : `Show all ${history.length} decisions`}
              </Button>
            </div>
          )}
        </>
      )}
    </Card>
  );
}
