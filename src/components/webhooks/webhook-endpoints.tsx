"use client";

import { useState } from "react";
import { formatDateTimeIn } from "~/lib/schemas/locale";
import { api, errorMessage, type RouterOutputs } from "~/trpc/react";
import { browserTimeZone } from "../calendar/format";
import { timeAgo } from "../devices/format";
import { WebhookIcon } from "../icons";
import { useRealtime } from "../realtime/use-realtime";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { EmptyState } from "../ui/empty-state";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { useLocale } from "../ui/locale";
import { Switch } from "../ui/switch";
import { DeliveryLog } from "./delivery-log";
import { EndpointFormDialog, WEBHOOK_KIND_LABELS, type EndpointFormValues } from "./endpoint-form";
import { SecretOnce } from "./secret-once";

type Endpoint = RouterOutputs["webhooks"]["endpoints"]["list"][number];

const EMPTY_FORM: EndpointFormValues = { url: "", description: "", kinds: ["sync.conflict_detected", "integration.failed", "security.device_signed_in"] };

/** Why the server (or the user) turned an endpoint off, in words. */
function disabledText(endpoint: Endpoint): string {
  const when = endpoint.disabledAt ? ` ${timeAgo(endpoint.disabledAt)}` : "";
  if (endpoint.disabledReason === "gone") return `Turned off${when}: your endpoint answered 410 Gone. Turn it back on once it accepts deliveries again.`;
  if (endpoint.disabledReason === "failing") return `Turned off${when}: deliveries kept failing. Fix the endpoint, send a test, then turn it back on.`;
  return `Turned off${when}. Notifications are not sent to it.`;
}

function EndpointCard({ endpoint, onEdit, onRemove, onRotate }: { endpoint: Endpoint; onEdit: () => void; onRemove: () => void; onRotate: () => void }) {
  const utils = api.useUtils();
  const locale = useLocale();
  const [showLog, setShowLog] = useState(false);
  const refreshEndpoints = () => void utils.webhooks.endpoints.list.invalidate();
  const toggle = api.webhooks.endpoints.update.useMutation({ onSettled: refreshEndpoints });
  const test = api.webhooks.endpoints.test.useMutation({
    onSuccess: () => {
      setShowLog(true);
      void utils.webhooks.deliveries.list.invalidate({ endpointId: endpoint.id });
    },
  });
  const label = endpoint.description || endpoint.url;
  const logId = `webhook-log-${endpoint.id}`;
  const titleId = `webhook-title-${endpoint.id}`;

  return (
    <li className="space-y-3 px-5 py-4" aria-labelledby={titleId}>
      <div className="flex flex-wrap items-start gap-4">
        <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-zinc-100 text-zinc-600">
          <WebhookIcon />
        </span>
        <div className="min-w-0 flex-1">
          <p id={titleId} className="flex flex-wrap items-center gap-2 font-medium text-zinc-900">
            <span className="break-all">{endpoint.description || endpoint.url}</span>
            {endpoint.enabled ? <Badge tone="success">Enabled</Badge> : <Badge tone={endpoint.disabledReason === "user" ? "neutral" : "danger"}>Disabled</Badge>}
            {endpoint.previousSecretExpiresAt && <Badge tone="warning">Old secret valid until {formatDateTimeIn(locale, browserTimeZone(), endpoint.previousSecretExpiresAt)}</Badge>}
          </p>
          {endpoint.description && <p className="break-all font-mono text-xs text-zinc-500">{endpoint.url}</p>}
          <p className="mt-1 text-sm text-zinc-500">{endpoint.kinds.map((kind) => WEBHOOK_KIND_LABELS[kind] ?? kind).join(" · ")}</p>
          {endpoint.enabled && endpoint.failingSince && (
            <p className="mt-1 text-sm text-amber-800">Failing since {timeAgo(endpoint.failingSince)}: deliveries are being retried.</p>
          )}
        </div>
        <Switch
          label={`Send notifications to ${label}`}
          checked={endpoint.enabled}
          pending={toggle.isPending}
          onChange={(enabled) => toggle.mutate({ id: endpoint.id, enabled })}
        />
      </div>
      {!endpoint.enabled && <Alert tone={endpoint.disabledReason === "user" ? "info" : "warning"}>{disabledText(endpoint)}</Alert>}
      {toggle.isError && <Alert tone="error">{errorMessage(toggle.error)}</Alert>}
      {test.isError && <Alert tone="error">Could not send a test: {errorMessage(test.error)}</Alert>}
      <div className="flex flex-wrap gap-2">
        <Button size="sm" variant="secondary" loading={test.isPending} onClick={() => test.mutate({ id: endpoint.id })} aria-label={`Send a test to ${label}`}>
          Send test
        </Button>
        <Button size="sm" variant="secondary" aria-expanded={showLog} aria-controls={logId} onClick={() => setShowLog((shown) => !shown)}>
          {showLog ? "Hide deliveries" : "Show deliveries"}
        </Button>
        <Button size="sm" variant="secondary" onClick={onEdit} aria-label={`Edit ${label}`}>
          Edit
        </Button>
        <Button size="sm" variant="secondary" onClick={onRotate} aria-label={`Rotate the signing secret of ${label}`}>
          Rotate secret
        </Button>
        <Button size="sm" variant="ghost" className="text-red-700 hover:bg-red-50" onClick={onRemove} aria-label={`Remove ${label}`}>
          Remove
        </Button>
      </div>
      <div id={logId} hidden={!showLog}>
        {showLog && <DeliveryLog endpointId={endpoint.id} endpointLabel={label} />}
      </div>
    </li>
  );
}

/** The webhooks settings: endpoints, their secrets (shown once), switches, tests and delivery logs. */
export function WebhookEndpoints() {
  const utils = api.useUtils();
  const endpoints = api.webhooks.endpoints.list.useQuery();
  const refresh = () => void utils.webhooks.endpoints.list.invalidate();
  // The server turns an endpoint off on its own (410 Gone, failing for long): show it as it happens.
  useRealtime(["webhook:endpoint_disabled", "webhook:delivery_updated"], refresh, { onReady: refresh });

  const [form, setForm] = useState<{ mode: "create" } | { mode: "edit"; endpoint: Endpoint }>();
  const [pendingRemove, setPendingRemove] = useState<Endpoint>();
  const [pendingRotate, setPendingRotate] = useState<Endpoint>();
  const [revealed, setRevealed] = useState<{ label: string; secret: string; rotated: boolean }>();

  const create = api.webhooks.endpoints.create.useMutation({
    onSuccess: (created) => {
      setForm(undefined);
      setRevealed({ label: created.endpoint.description || created.endpoint.url, secret: created.secret, rotated: false });
      refresh();
    },
  });
  const update = api.webhooks.endpoints.update.useMutation({
    onSuccess: () => {
      setForm(undefined);
      refresh();
    },
  });
  const remove = api.webhooks.endpoints.remove.useMutation({ onSettled: () => (setPendingRemove(undefined), refresh()) });
  const rotate = api.webhooks.endpoints.rotateSecret.useMutation({
    onSuccess: (rotated, { id }) => {
      const endpoint = endpoints.data?.find((candidate) => candidate.id === id);
      setRevealed({ label: endpoint?.description || endpoint?.url || "your endpoint", secret: rotated.secret, rotated: true });
    },
    onSettled: () => (setPendingRotate(undefined), refresh()),
  });
  const formMutation = form?.mode === "edit" ? update : create;

  return (
    <div className="space-y-6">
      {revealed && <SecretOnce label={revealed.label} secret={revealed.secret} rotated={revealed.rotated} onDone={() => setRevealed(undefined)} />}
      <Card>
        <CardHeader
          title="Endpoints"
          description="Each endpoint receives the notifications you choose, as JSON, signed with its own secret."
          action={
            <Button size="sm" onClick={() => (create.reset(), setForm({ mode: "create" }))}>
              Add endpoint
            </Button>
          }
        />
        {(remove.isError || rotate.isError) && (
          <div className="px-5 pt-4">
            <Alert tone="error">{errorMessage(remove.error ?? rotate.error)}</Alert>
          </div>
        )}
        {endpoints.isPending ? (
          <Loading label="Loading webhook endpoints" />
        ) : endpoints.isError ? (
          <LoadError title="Could not load your webhook endpoints" message={errorMessage(endpoints.error)} onRetry={() => void endpoints.refetch()} retrying={endpoints.isFetching} />
        ) : endpoints.data.length === 0 ? (
          <EmptyState
            icon={<WebhookIcon />}
            title="No webhook endpoints yet"
            action={
              <Button size="sm" variant="secondary" onClick={() => (create.reset(), setForm({ mode: "create" }))}>
                Add your first endpoint
              </Button>
            }
          >
            Add an HTTPS endpoint to receive conflicts, integration failures, new sign-ins and more as signed JSON, for your own dashboards or chat bots.
          </EmptyState>
        ) : (
          <ul className="divide-y divide-zinc-100" aria-label="Webhook endpoints">
            {endpoints.data.map((endpoint) => (
              <EndpointCard
                key={endpoint.id}
                endpoint={endpoint}
                onEdit={() => (update.reset(), setForm({ mode: "edit", endpoint }))}
                onRemove={() => setPendingRemove(endpoint)}
                onRotate={() => setPendingRotate(endpoint)}
              />
            ))}
          </ul>
        )}
      </Card>

      {form && (
        <EndpointFormDialog
          open
          title={form.mode === "edit" ? "Edit endpoint" : "Add an endpoint"}
          submitLabel={form.mode === "edit" ? "Save" : "Add endpoint"}
          initial={form.mode === "edit" ? { url: form.endpoint.url, description: form.endpoint.description, kinds: form.endpoint.kinds } : EMPTY_FORM}
          pending={formMutation.isPending}
          error={formMutation.error ? errorMessage(formMutation.error) : undefined}
          onClose={() => setForm(undefined)}
          onSubmit={(values) => (form.mode === "edit" ? update.mutate({ id: form.endpoint.id, ...values }) : create.mutate(values))}
        />
      )}
      <ConfirmDialog
        open={Boolean(pendingRemove)}
        title="Remove this endpoint?"
        confirmLabel="Remove endpoint"
        pending={remove.isPending}
        onCancel={() => setPendingRemove(undefined)}
        onConfirm={() => pendingRemove && remove.mutate({ id: pendingRemove.id })}
      >
        Nothing more is sent to <span className="break-all font-medium">{pendingRemove?.url}</span>, and its delivery log is deleted.
      </ConfirmDialog>
      <ConfirmDialog
        open={Boolean(pendingRotate)}
        title="Rotate the signing secret?"
        confirmLabel="Rotate secret"
        pending={rotate.isPending}
        onCancel={() => setPendingRotate(undefined)}
        onConfirm={() => pendingRotate && rotate.mutate({ id: pendingRotate.id })}
      >
        You get a new secret, shown once. For the next 24 hours deliveries are signed with both the old and the new secret, so you can update your endpoint without missing any.
      </ConfirmDialog>
    </div>
  );
}
