"use client";

import { useId, useState } from "react";
import { collectionLabels, SYNC_COLLECTIONS, type SyncCollection } from "~/lib/schemas/collections";
import { DEFAULT_MERGE_RULES, MERGE_RULE_STRATEGIES, type MergeRuleStrategy } from "~/lib/schemas/merge-rules";
import { api, errorMessage } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Card, CardHeader } from "../ui/card";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { mergeRuleLabels } from "./labels";

/**
 * The user's merge rules (conflicts.rules): per collection, what their devices do
 * when the same record was changed on two of them. Saved on change.
 */
export function MergeRulesPanel() {
  const base = useId();
  const utils = api.useUtils();
  const rules = api.conflicts.rules.get.useQuery();
  const [saved, setSaved] = useState<SyncCollection>();
  const set = api.conflicts.rules.set.useMutation({
    onSuccess: (all, input) => {
      utils.conflicts.rules.get.setData(undefined, all);
      setSaved(input.collection);
    },
  });

  return (
    <Card>
      <CardHeader
        title="Automatic conflict rules"
        description="What your devices do on their own when a record was changed on two of them. A device applies a change here the next time it unlocks sync."
      />
      {rules.isPending ? (
        <Loading label="Loading your rules" />
      ) : rules.isError ? (
        <LoadError title="Could not load your rules" message={errorMessage(rules.error)} onRetry={() => void rules.refetch()} />
      ) : (
        <div className="space-y-4 p-5">
          <ul className="divide-y divide-zinc-100" aria-label="Conflict rules">
            {SYNC_COLLECTIONS.map((collection) => {
              const id = `${base}-${collection}`;
              const strategy = set.isPending && set.variables.collection === collection ? set.variables.strategy : rules.data[collection];
              return (
                <li key={collection} className="grid gap-2 py-3 first:pt-0 last:pb-0 sm:grid-cols-[12rem_1fr] sm:gap-4">
                  <div>
                    <label htmlFor={id} className="text-sm font-medium text-zinc-900">
                      {collectionLabels[collection].name}
                    </label>
                    <p className="text-xs text-zinc-500">{collectionLabels[collection].description}</p>
                  </div>
                  <div className="space-y-1">
                    <select
                      id={id}
                      value={strategy}
                      disabled={set.isPending}
                      aria-describedby={`${id}-explain`}
                      onChange={(event) => set.mutate({ collection, strategy: event.target.value as MergeRuleStrategy })}
                      className="h-9 w-full max-w-xs rounded-lg border border-zinc-300 bg-white px-2 text-sm text-zinc-900"
                    >
                      {MERGE_RULE_STRATEGIES.map((value) => (
                        <option key={value} value={value}>
                          {mergeRuleLabels[value].name}
                          {value === DEFAULT_MERGE_RULES[collection] ? " (default)" : ""}
                        </option>
                      ))}
                    </select>
                    <p id={`${id}-explain`} className="text-sm text-zinc-600">
                      {mergeRuleLabels[strategy].explain}
                    </p>
                  </div>
                </li>
              );
            })}
          </ul>
          <p role="status" className="text-sm text-emerald-700">
            {saved && !set.isPending && !set.error ? `Saved: ${collectionLabels[saved].name} now use “${mergeRuleLabels[rules.data[saved]].name}”.` : ""}
          </p>
          {set.error && (
            <Alert tone="error" title="The rule was not saved">
              {errorMessage(set.error)}
            </Alert>
          )}
          <details className="text-sm text-zinc-600">
            <summary className="cursor-pointer font-medium text-zinc-800">What each choice means</summary>
            <dl className="mt-2 space-y-2">
              {MERGE_RULE_STRATEGIES.map((value) => (
                <div key={value}>
                  <dt className="font-medium text-zinc-900">{mergeRuleLabels[value].name}</dt>
                  <dd>{mergeRuleLabels[value].explain}</dd>
                </div>
              ))}
            </dl>
          </details>
        </div>
      )}
    </Card>
  );
}
