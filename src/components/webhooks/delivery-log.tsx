"use client";

import { api, errorMessage, type RouterOutputs } from "~/trpc/react";
import { timeAgo } from "../devices/format";
import { useRealtime } from "../realtime/use-realtime";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { useLocale } from "../ui/locale";
import { formatTime } from "../ui/time";
import { WEBHOOK_KIND_LABELS } from "./endpoint-form";

type Delivery = RouterOutputs["webhooks"]["deliveries"]["list"][number];

/** While a delivery waits for its next attempt, the log is also polled this often (realtime may be down). */
const PENDING_POLL_MS = 5000;

const statusTone = { pending: "warning", delivered: "success", failed: "danger" } as const;
const statusLabel = { pending: "Retrying", delivered: "Delivered", failed: "Failed" } as const;
const outcomeTone = { delivered: "success", failed: "danger", gone: "danger", refused: "danger" } as const;

function eventLabel(type: string) {
  return type === "webhook.test" ? "Test message" : (WEBHOOK_KIND_LABELS[type as keyof typeof WEBHOOK_KIND_LABELS] ?? type);
}

function AttemptRow({ attempt, now }: { attempt: Delivery["log"][number]; now: Date }) {
  const locale = useLocale();
  return (
    <li className="flex flex-wrap items-baseline gap-x-3 gap-y-1 text-sm">
      <span className="w-20 shrink-0 text-zinc-500">Attempt {attempt.attempt}</span>
      <Badge tone={outcomeTone[attempt.outcome]}>{attempt.responseCode ?? (attempt.outcome === "refused" ? "Refused" : "No answer")}</Badge>
      <time dateTime={attempt.startedAt.toISOString()} className="text-zinc-700">
        {formatTime(locale, attempt.startedAt, now)}
      </time>
      <span className="text-zinc-500">{attempt.durationMs} ms</span>
      {attempt.error && <span className="min-w-0 basis-full break-words text-red-700 sm:basis-auto">{attempt.error}</span>}
    </li>
  );
}

/** One endpoint's deliveries, newest first, each with every attempt (status, response code, time) and "Redeliver". */
export function DeliveryLog({ endpointId, endpointLabel }: { endpointId: string; endpointLabel: string }) {
  const utils = api.useUtils();
  const deliveries = api.webhooks.deliveries.list.useQuery(
    { endpointId },
    { refetchInterval: (query) => (query.state.data?.some((delivery) => delivery.status === "pending") ? PENDING_POLL_MS : false) },
  );
  const refresh = () => void utils.webhooks.deliveries.list.invalidate({ endpointId });
  useRealtime("webhook:delivery_updated", (payload) => payload.endpointId === endpointId && refresh(), { onReady: refresh });
  const redeliver = api.webhooks.deliveries.redeliver.useMutation({ onSettled: refresh });
  const locale = useLocale();
  const now = new Date();

  if (deliveries.isPending) return <Loading label="Loading deliveries" />;
  if (deliveries.isError)
    return <LoadError title="Could not load the delivery log" message={errorMessage(deliveries.error)} onRetry={() => void deliveries.refetch()} retrying={deliveries.isFetching} inset={false} />;
  if (deliveries.data.length === 0) return <p className="py-3 text-sm text-zinc-500">No deliveries yet. Send a test message to see one here.</p>;

  return (
    <div className="space-y-3">
      {redeliver.isError && <Alert tone="error">Could not redeliver: {errorMessage(redeliver.error)}</Alert>}
      <ol className="divide-y divide-zinc-100 rounded-lg border border-zinc-200" aria-label={`Deliveries to ${endpointLabel}`}>
        {deliveries.data.map((delivery) => (
          <li key={delivery.id} className="space-y-2 px-4 py-3" data-testid="webhook-delivery">
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-medium text-zinc-900">{eventLabel(delivery.eventType)}</span>
              <Badge tone={statusTone[delivery.status]}>{statusLabel[delivery.status]}</Badge>
              {delivery.redeliveryOf && <Badge>Redelivery</Badge>}
              <span className="text-sm text-zinc-500">
                {timeAgo(delivery.createdAt)}
                {delivery.status === "pending" && delivery.nextAttemptAt && ` · next attempt at ${formatTime(locale, delivery.nextAttemptAt, now)}`}
              </span>
              <Button
                size="sm"
                variant="secondary"
                className="ml-auto"
                loading={redeliver.isPending && redeliver.variables?.deliveryId === delivery.id}
                disabled={redeliver.isPending}
                onClick={() => redeliver.mutate({ deliveryId: delivery.id })}
                aria-label={`Redeliver ${eventLabel(delivery.eventType)} from ${timeAgo(delivery.createdAt)}`}
              >
                Redeliver
              </Button>
            </div>
            <p className="font-mono text-xs text-zinc-500">webhook-id {delivery.messageId}</p>
            {delivery.log.length > 0 ? (
              <ul className="space-y-1.5" aria-label="Attempts">
                {delivery.log.map((attempt) => (
                  <AttemptRow key={attempt.attempt} attempt={attempt} now={now} />
                ))}
              </ul>
            ) : (
              <p className="text-sm text-zinc-500">Sending…</p>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
