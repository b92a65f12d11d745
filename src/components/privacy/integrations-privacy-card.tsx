"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { INTEGRATION_FEATURES, type IntegrationFeature } from "~/lib/schemas/privacy";
import { api, errorMessage } from "~/trpc/react";
import { PlugIcon } from "../icons";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { EmptyState } from "../ui/empty-state";
import { Field } from "../ui/field";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { useLocale } from "../ui/locale";
import type { DeletionOffer, Notice } from "./deletion-offer";
import { formatDate, parseDays } from "./labels";
import { SaveStatus } from "./save-status";
import { SwitchRow } from "../ui/switch";
import { useRecordConsent, useUpdateSettings, type Consents, type IntegrationView, type Settings } from "./use-privacy";
import { accountLabel } from "../integrations/integration-card";

const DEFAULT_RETENTION_DAYS = 90;

const featureLabels: Record<IntegrationFeature, { name: string; description: (provider: string) => string }> = {
  repositories: { name: "Read your repository list", description: () => "Always on while connected: it is what connecting means." },
  commits: { name: "Fetch your commit history", description: () => "Commits you authored in the last 30 days, with their size, to match with your activity." },
  webhooks: { name: "Hear about pushes as they happen", description: (provider) => `Webhooks on repositories you administer. Withholding this removes them from ${provider} at the next sync.` },
};

/** The features the integration may use: each a permission the server checks before it runs. */
function FeaturePermissions({ provider, name, granted, disabled, onChange }: { provider: string; name: string; granted: IntegrationFeature[]; disabled: boolean; onChange: (next: IntegrationFeature[]) => void }) {
  return (
    <fieldset className="mt-4" disabled={disabled}>
      <legend className="text-sm font-medium text-zinc-900">What {name} may be used for</legend>
      <ul className="mt-2 space-y-2">
        {INTEGRATION_FEATURES.map((feature) => {
          const id = `${provider}-permission-${feature}`;
          const always = feature === "repositories";
          return (
            <li key={feature} className="flex items-start gap-3">
              <input
                id={id}
                type="checkbox"
                className="mt-0.5 size-4 rounded border-zinc-300 text-brand-600 focus-visible:ring-2 focus-visible:ring-brand-500 disabled:opacity-60"
                checked={always || granted.includes(feature)}
                disabled={always}
                aria-describedby={`${id}-hint`}
                onChange={(event) => onChange(INTEGRATION_FEATURES.filter((candidate) => candidate === "repositories" || (candidate === feature ? event.target.checked : granted.includes(candidate))))}
              />
              <div className="text-sm">
                <label htmlFor={id} className="text-zinc-700">
                  {featureLabels[feature].name}
                </label>
                <p id={`${id}-hint`} className="text-xs text-zinc-500">
                  {featureLabels[feature].description(name)}
                </p>
              </div>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

function ConnectionBadge({ integration }: { integration: IntegrationView }) {
  if (integration.state === "not_configured") return <Badge>Not available here</Badge>;
  if (integration.state === "available") return <Badge>Not connected</Badge>;
  if (integration.state === "needs_reauth") return <Badge tone="warning">Needs re-authorization</Badge>;
  if (integration.state === "error") return <Badge tone="danger">Connected, failing</Badge>;
  return <Badge tone="success">Connected{integration.account ? ` as ${accountLabel(integration.account.login)}` : ""}</Badge>;
}

/** One provider's privacy choices: consent (enabled), automatic sync and how long its data is kept. */
function IntegrationPrivacyRow({ integration, settings, consents, onOffer }: { integration: IntegrationView; settings: Settings; consents: Consents; onOffer: (offer: DeletionOffer) => void }) {
  const { provider, name } = integration;
  const locale = useLocale();
  const consent = useRecordConsent();
  const update = useUpdateSettings();
  const type = `integration:${provider}` as const;
  const choice = settings.integrations[provider];
  const decision = consents.current[type];
  const connected = integration.account !== null || !["available", "not_configured"].includes(integration.state);
  // No recorded decision: an integration connected before consents were recorded runs as its settings say; an unconnected one has no consent.
  const enabled = decision ? decision.granted && (choice?.enabled ?? true) : connected && (choice?.enabled ?? true);
  const shownEnabled = consent.isPending ? consent.variables.granted : enabled;
  const autoSync = choice?.autoSync ?? true;
  const retentionDays = choice?.retentionDays ?? DEFAULT_RETENTION_DAYS;
  // Set in the click handler itself: a controlled checkbox reverts to its old value until the next render,
  // and the mutation's pending state arrives a tick later.
  const [choosingFeatures, setChoosingFeatures] = useState<IntegrationFeature[] | null>(null);
  const storedPermissions = (choice?.permissions ?? []).filter((permission): permission is IntegrationFeature => (INTEGRATION_FEATURES as readonly string[]).includes(permission));
  // Nothing stored means everything is allowed (the default).
  const grantedFeatures: IntegrationFeature[] = choosingFeatures ?? (choice?.permissions.length ? storedPermissions : [...INTEGRATION_FEATURES]);

  const [days, setDays] = useState(String(retentionDays));
  const [daysError, setDaysError] = useState<string>();
  const [editedFrom, setEditedFrom] = useState(retentionDays);
  // Follow the server's value when it changes (another tab, a reload of the settings), unless the user is mid-edit.
  if (editedFrom !== retentionDays) {
    setEditedFrom(retentionDays);
    setDays(String(retentionDays));
  }

  function setEnabled(granted: boolean) {
    update.reset();
    consent.mutate({ type, granted }, { onSuccess: (result) => !granted && result.offerDeletion && onOffer({ kind: "integration", provider, name }) });
  }

  function saveDays(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = parseDays(days, `cached ${name} data`);
    setDaysError(parsed.error);
    if (parsed.days === undefined) return;
    consent.reset();
    update.mutate({ integrations: { [provider]: { retentionDays: parsed.days } } });
  }

  const autoSyncPending = update.isPending && update.variables.integrations?.[provider]?.autoSync !== undefined;
  const daysPending = update.isPending && update.variables.integrations?.[provider]?.retentionDays !== undefined;
  const failure = consent.error ?? update.error;
  // A chat provider only receives the status DevPulse shows: nothing is fetched or cached from it.
  const chat = integration.kind === "chat";
  // A calendar keeps events for the week view and suggestions; what of them is kept is chosen on /calendar.
  const calendar = integration.kind === "calendar";

  return (
    <li className="px-5 py-5">
      <div className="flex flex-wrap items-center gap-3">
        <span aria-hidden="true" className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-zinc-900 text-xs font-bold text-white">
          {name.slice(0, 2)}
        </span>
        <h3 className="flex min-w-0 flex-1 flex-wrap items-center gap-2 text-sm font-semibold text-zinc-900">
          {name}
          <ConnectionBadge integration={integration} />
        </h3>
        <SaveStatus pending={consent.isPending || update.isPending} saved={consent.isSuccess || update.isSuccess} />
      </div>

      <div className="mt-4 grid gap-5 md:grid-cols-2">
        <SwitchRow
          label={`Allow ${name}`}
          checked={shownEnabled}
          pending={consent.isPending}
          onChange={setEnabled}
          description={
            <>
              {chat
                ? `Your consent for DevPulse to show your status on ${name}. Withdrawing stops every status update at once.`
                : calendar
                  ? `Your consent for DevPulse to read your calendars at ${name}, keep when you are busy, and add the focus blocks you book. Withdrawing stops every fetch at once.`
                  : `Your consent for DevPulse to read your repositories and commits from ${name} and keep them to correlate with your activity. Withdrawing stops every fetch at once.`}
              <span className="mt-1 block text-xs">
                {decision
                  ? `${decision.granted ? "Agreed" : "Withdrawn"} on ${formatDate(locale, decision.at)} · policy ${decision.policyVersion}`
                  : `No decision recorded yet · policy ${consents.policyVersion}`}
              </span>
            </>
          }
        />
        {!chat && <SwitchRow
          label="Sync automatically"
          checked={autoSyncPending ? Boolean(update.variables.integrations?.[provider]?.autoSync) : autoSync}
          pending={autoSyncPending}
          disabled={update.isPending || !enabled}
          onChange={(next) => {
            consent.reset();
            update.mutate({ integrations: { [provider]: { autoSync: next } } });
          }}
          description={`Let the hourly background sync fetch ${calendar ? "your calendars' changes" : "new commits"}. When off, ${name} is read only when you choose Sync now on the Integrations page.${enabled ? "" : ` Takes effect once you allow ${name}.`}`}
        />}
      </div>

      {calendar ? (
        <p className="mt-4 text-sm text-zinc-600">
          Whether event titles and attendee counts are kept, and what your chat status says about your calendar, are the switches on the{" "}
          <Link href="/calendar" className="font-medium text-brand-600 hover:text-brand-700">
            Calendar page
          </Link>
          ; titles and attendees are not kept until you turn them on.
        </p>
      ) : chat ? (
        <p className="mt-4 text-sm text-zinc-600">
          Whether your project&apos;s name may follow your activity is the status switch on the{" "}
          <Link href="/integrations" className="font-medium text-brand-600 hover:text-brand-700">
            Integrations page
          </Link>
          ; it is off until you turn it on.
        </p>
      ) : (
        <>
      <FeaturePermissions
        provider={provider}
        name={name}
        granted={grantedFeatures}
        disabled={update.isPending || !enabled}
        onChange={(next) => {
          consent.reset();
          setChoosingFeatures(next);
          update.mutate({ integrations: { [provider]: { permissions: next } } }, { onSettled: () => setChoosingFeatures(null) });
        }}
      />

      <form onSubmit={saveDays} noValidate className="mt-4 flex flex-wrap items-start gap-3">
        <Field
          className="w-full sm:w-80"
          label={`Keep cached ${name} data for (days)`}
          type="number"
          inputMode="numeric"
          min={1}
          max={3650}
          value={days}
          onChange={(event) => {
            setDays(event.target.value);
            setDaysError(undefined);
          }}
          error={daysError}
          hint="Older commits and repositories are deleted."
          disabled={daysPending}
        />
        <Button type="submit" variant="secondary" className="sm:mt-[26px]" loading={daysPending} disabled={update.isPending || days.trim() === String(retentionDays)}>
          Save
        </Button>
      </form>
        </>
      )}

      {failure && (
        <div className="mt-3">
          <Alert tone="error">{errorMessage(failure)}</Alert>
        </div>
      )}
      {!connected && integration.state !== "not_configured" && (
        <p className="mt-3 text-sm text-zinc-500">
          Not connected.{" "}
          <Link href="/integrations" className="font-medium text-brand-600 hover:text-brand-700">
            Connect {name} on the Integrations page
          </Link>{" "}
          to use it.
        </p>
      )}
      {connected && !enabled && !consent.isPending && (
        <div className="mt-3 flex flex-wrap items-center justify-between gap-2 rounded-lg bg-zinc-50 px-4 py-3 text-sm text-zinc-600">
          <span>{chat ? `${name} is disabled: DevPulse does not change your status there.` : `${name} is disabled: nothing is fetched, but what it cached is still kept.`}</span>
          <Button variant="ghost" size="sm" className="text-red-700" onClick={() => onOffer({ kind: "integration", provider, name })}>
            Disconnect and delete…
          </Button>
        </div>
      )}
    </li>
  );
}

export function IntegrationsPrivacyCard({ settings, consents, notice, onOffer }: { settings: Settings; consents: Consents; notice: Notice | null; onOffer: (offer: DeletionOffer) => void }) {
  const integrations = api.integrations.list.useQuery();
  return (
    <Card>
      <CardHeader title="Integrations" description="Each integration reads your data only with your consent. Choose what runs on its own and how long its data is kept." />
      {notice && (
        <div className="px-5 pt-4">
          <Alert tone={notice.tone}>{notice.text}</Alert>
        </div>
      )}
      {integrations.isPending ? (
        <Loading label="Loading integrations" />
      ) : integrations.isError ? (
        <LoadError title="Could not load your integrations" message={errorMessage(integrations.error)} onRetry={() => void integrations.refetch()} />
      ) : integrations.data.length === 0 ? (
        <EmptyState icon={<PlugIcon />} title="No integrations on this server">
          When an operator sets one up, its privacy choices appear here.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-zinc-100" aria-label="Integration privacy settings">
          {integrations.data.map((integration) => (
            <IntegrationPrivacyRow key={integration.provider} integration={integration} settings={settings} consents={consents} onOffer={onOffer} />
          ))}
        </ul>
      )}
    </Card>
  );
}
