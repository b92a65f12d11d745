"use client";

import { useId, useState, type FormEvent } from "react";
import { NOTIFICATION_CATEGORY_LABELS, notificationKinds, WEBHOOK_NOTIFICATION_KINDS, type NotificationKind } from "~/lib/notifications/catalog";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { Field } from "../ui/field";

/** What each kind that webhooks carry is called: the catalog's own label, so a new kind needs no entry here. */
export const WEBHOOK_KIND_LABELS: Partial<Record<NotificationKind, string>> = Object.fromEntries(WEBHOOK_NOTIFICATION_KINDS.map((kind) => [kind, notificationKinds[kind].label]));

export type EndpointFormValues = { url: string; description: string; kinds: NotificationKind[] };

/** Create or edit an endpoint: its URL, a description, and the kinds of notification it receives. */
export function EndpointFormDialog({
  open,
  title,
  submitLabel,
  initial,
  pending,
  error,
  onSubmit,
  onClose,
}: {
  open: boolean;
  title: string;
  submitLabel: string;
  initial: EndpointFormValues;
  pending: boolean;
  error?: string;
  onSubmit: (values: EndpointFormValues) => void;
  onClose: () => void;
}) {
  const [values, setValues] = useState(initial);
  const [touched, setTouched] = useState(false);
  const kindsLegend = useId();
  const noKinds = values.kinds.length === 0;
  const toggle = (kind: NotificationKind, on: boolean) =>
    setValues((current) => ({ ...current, kinds: on ? [...current.kinds, kind] : current.kinds.filter((k) => k !== kind) }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!noKinds) onSubmit(values);
  };
  const formId = useId();

  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      wide
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" form={formId} loading={pending}>
            {submitLabel}
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} className="space-y-4" noValidate>
        {error && <Alert tone="error">{error}</Alert>}
        <Field
          label="Endpoint URL"
          name="url"
          type="url"
          required
          inputMode="url"
          autoComplete="off"
          placeholder="https://example.com/webhooks/devpulse"
          hint="A public https:// address. We send a POST with a JSON body and the webhook-id, webhook-timestamp and webhook-signature headers."
          value={values.url}
          onChange={(event) => setValues({ ...values, url: event.target.value })}
        />
        <Field
          label="Description (optional)"
          name="description"
          maxLength={200}
          placeholder="Team dashboard"
          value={values.description}
          onChange={(event) => setValues({ ...values, description: event.target.value })}
        />
        <fieldset aria-describedby={touched && noKinds ? `${kindsLegend}-error` : undefined}>
          <legend id={kindsLegend} className="text-sm font-medium text-zinc-800">
            Notifications to send
          </legend>
          <div className="mt-2 grid gap-2 sm:grid-cols-2">
            {WEBHOOK_NOTIFICATION_KINDS.map((kind) => (
              <label key={kind} className="flex items-start gap-2 rounded-lg border border-zinc-200 px-3 py-2 text-sm hover:bg-zinc-50">
                <input
                  type="checkbox"
                  className="mt-0.5 size-4 rounded border-zinc-300"
                  checked={values.kinds.includes(kind)}
                  onChange={(event) => toggle(kind, event.target.checked)}
                />
                <span>
                  <span className="block font-medium text-zinc-900">{WEBHOOK_KIND_LABELS[kind] ?? kind}</span>
                  <span className="block text-xs text-zinc-500">{NOTIFICATION_CATEGORY_LABELS[notificationKinds[kind].category].label}</span>
                </span>
              </label>
            ))}
          </div>
          {touched && noKinds && (
            <p id={`${kindsLegend}-error`} className="mt-1.5 text-xs font-medium text-red-600">
              Choose at least one kind of notification.
            </p>
          )}
        </fieldset>
      </form>
    </Dialog>
  );
}
