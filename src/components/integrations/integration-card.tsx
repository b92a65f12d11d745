"use client";

import Link from "next/link";
import { useState } from "react";
import { api, errorMessage, type RouterOutputs } from "~/trpc/react";
import { timeAgo } from "../devices/format";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { useLocale } from "../ui/locale";
import { Spinner } from "../ui/spinner";
import { SwitchRow } from "../ui/switch";
import { formatTime } from "../ui/time";
import { DiscordChannelPicker, DiscordLimits, INTEGRATION_PURPOSE } from "./chat-parts";

export type IntegrationView = RouterOutputs["integrations"]["list"][number];

/** How an account is named: "@octo-dev" for a handle, but an email-like login (a calendar's) as it is, never "@ana@…". */
export function accountLabel(login: string): string {
  return login.includes("@") ? login : `@${login}`;
}

function StateBadge({ integration, consentWithdrawn }: { integration: IntegrationView; consentWithdrawn: boolean }) {
  // Still connected (tokens kept), but the server runs nothing for it: "Connected" would promise syncs that never come.
  if (consentWithdrawn && isConnected(integration)) return <Badge tone="warning">Consent withdrawn</Badge>;
  switch (integration.state) {
    case "not_configured":
      return <Badge>Not configured</Badge>;
    case "available":
      return <Badge tone="brand">Available</Badge>;
    case "connected":
      // A calendar account is a (long) email address, shown under the name instead.
      return <Badge tone="success">Connected{integration.account && integration.kind !== "calendar" ? ` as ${accountLabel(integration.account.login)}` : ""}</Badge>;
    case "syncing":
      return <Badge tone="brand">Syncing…</Badge>;
    case "error":
      return <Badge tone="danger">Error</Badge>;
    case "needs_reauth":
      return <Badge tone="warning">Needs re-authorization</Badge>;
  }
}

/** A row exists for the provider: the user connected it and has not disconnected it (whatever its last sync did). */
export function isConnected(integration: Pick<IntegrationView, "state">): boolean {
  return ["connected", "syncing", "error", "needs_reauth"].includes(integration.state);
}

/** What DevPulse stops doing for a connected provider whose consent the user withdrew on /privacy. */
function withdrawnConsequences(integration: IntegrationView): string {
  if (integration.kind === "chat") return `DevPulse shows no status on ${integration.name} until you allow it again.`;
  return `DevPulse reads nothing from ${integration.name} until you allow it again: no sync, automatic or by hand.`;
}

/** What disconnecting does, said before the user confirms. */
function disconnectConsequences(integration: IntegrationView): string {
  if (integration.kind === "chat") {
    return `DevPulse takes its status down from ${integration.name} (putting back your own if you had one), revokes its access there and deletes your tokens. You can connect again at any time.`;
  }
  if (integration.kind === "calendar") {
    return `DevPulse stops following ${integration.name}, revokes its access there, and deletes your tokens and every calendar and event it cached, with its record of your focus blocks. The focus blocks already in your calendar stay there. You can connect again at any time.`;
  }
  return `DevPulse revokes its access at ${integration.name}, removes the webhooks it added, and deletes your tokens and every commit and repository it cached. You can connect again at any time.`;
}

/**
 * One provider: its state in words, what it will ask for, and the actions that make sense now.
 * Git and calendar providers sync (now, or automatically); chat providers show a status, so they
 * have no sync, and Discord says what its platform does not allow and where its team message goes.
 * `consentWithdrawn`: the user withdrew consent on /privacy; the server then runs nothing for the
 * provider, so the card offers no sync and says where to allow it again.
 */
export function IntegrationCard({ integration, consentWithdrawn }: { integration: IntegrationView; consentWithdrawn: boolean }) {
  const utils = api.useUtils();
  const locale = useLocale();
  const refresh = () => void Promise.all([utils.integrations.list.invalidate(), utils.external.commits.invalidate(), utils.status.current.invalidate(), utils.calendar.calendars.invalidate()]);
  const connect = api.integrations.connect.useMutation({ onSuccess: ({ authorizationUrl }) => window.location.assign(authorizationUrl) });
  const sync = api.integrations.sync.useMutation({ onSuccess: refresh });
  const disconnect = api.integrations.disconnect.useMutation({ onSuccess: refresh });
  // The same setting as "Sync automatically" on the Privacy page, with the same switch. The choice shows at
  // once and stays until the refetched list carries it (else it would flick back while the list reloads):
  // the mutation stays pending until its onSettled, which awaits the refetch, has finished.
  const autoSync = api.integrations.setAutoSync.useMutation({
    onSettled: () => Promise.all([utils.integrations.list.invalidate(), utils.privacy.settings.invalidate()]),
  });
  const shownAutoSync = autoSync.isPending ? autoSync.variables.autoSync : integration.autoSync;
  const [confirming, setConfirming] = useState(false);
  const [agreed, setAgreed] = useState(false);
  const connected = isConnected(integration);
  const paused = connected && consentWithdrawn;
  const chat = integration.kind === "chat";
  const failure = connect.error ?? sync.error ?? disconnect.error ?? autoSync.error;

  return (
    // min-w-0: a grid item is otherwise as wide as its longest unbreakable text, wider than a phone.
    <Card className="flex min-w-0 flex-col">
      <div className="flex items-start gap-4 px-5 py-4">
        <span aria-hidden="true" className="flex size-11 shrink-0 items-center justify-center rounded-lg bg-zinc-900 text-sm font-bold text-white">
          {integration.name.slice(0, 2)}
        </span>
        <div className="min-w-0 flex-1">
          <h2 className="flex flex-wrap items-center gap-2 text-base font-semibold text-zinc-900">
            {integration.name}
            <StateBadge integration={integration} consentWithdrawn={consentWithdrawn} />
          </h2>
          {integration.kind === "calendar" && integration.account && (
            <p className="truncate text-sm font-medium text-zinc-700" title={integration.account.login}>
              {integration.account.login}
            </p>
          )}
          <p className="mt-0.5 text-sm text-zinc-500">{INTEGRATION_PURPOSE[integration.provider]}</p>
        </div>
      </div>

      <div className="flex-1 space-y-3 px-5 pb-4 text-sm text-zinc-700">
        {integration.state === "not_configured" && (
          <p>
            The server has no {integration.name} OAuth app yet. An operator sets{" "}
            {integration.missingConfiguration.map((name, index) => (
              <span key={name}>
                {index > 0 && " and "}
                <code className="rounded bg-zinc-100 px-1 py-0.5 text-xs">{name}</code>
              </span>
            ))}{" "}
            to enable it.
          </p>
        )}
        {integration.state === "available" && (
          <div>
            <p className="font-medium text-zinc-900">DevPulse will ask {integration.name} for:</p>
            <ul className="mt-1 space-y-1" aria-label={`Permissions requested from ${integration.name}`}>
              {integration.scopes.map((scope) => (
                <li key={scope.scope}>
                  {/* A scope can be a long URL (Google's): let it break anywhere rather than widen the card. */}
                  <code className="rounded bg-zinc-100 px-1 py-0.5 text-xs break-all">{scope.scope}</code> — {scope.why}
                </li>
              ))}
            </ul>
          </div>
        )}
        {paused && (
          <Alert tone="warning" title={`You withdrew your consent for ${integration.name}`}>
            <p>
              {withdrawnConsequences(integration)}
              {integration.account && ` Your account ${accountLabel(integration.account.login)} stays connected; disconnect to also delete its tokens and data.`}
            </p>
            <Link href="/privacy" className="mt-1 inline-block font-medium underline hover:no-underline">
              Allow {integration.name} on the Privacy page
            </Link>
          </Alert>
        )}
        {integration.provider === "discord" && <DiscordLimits />}
        {connected && !chat && (
          <p className="text-zinc-500">
            {integration.state === "syncing" ? (
              <span className="inline-flex items-center gap-2">
                <Spinner /> {integration.kind === "calendar" ? "Syncing calendars and events…" : "Syncing repositories and commits…"}
              </span>
            ) : integration.lastSyncedAt ? (
              `Last synced ${timeAgo(integration.lastSyncedAt)}.`
            ) : (
              "Not synced yet."
            )}
            {integration.kind === "calendar" && integration.state !== "needs_reauth" && (
              <>
                {" "}
                <Link href="/calendar" className="font-medium text-brand-700 hover:underline">
                  Open your calendar
                </Link>
              </>
            )}
          </p>
        )}
        {chat && !paused && integration.state === "connected" && integration.account && (
          <p className="text-zinc-500">
            {integration.provider === "discord"
              ? `The DevPulse bot names you ${integration.account.name ?? integration.account.login} in its message, in the channel you pick below.`
              : `DevPulse reads your ${integration.name} status before changing it, so a status you set yourself is never overwritten.`}
          </p>
        )}
        {/* Listing the channels asks Discord: not while consent is withdrawn. */}
        {integration.provider === "discord" && !paused && (integration.state === "connected" || integration.state === "error") && <DiscordChannelPicker />}
        {integration.outage && (
          <Alert tone="warning">
            {integration.name} has been failing, so calls are paused until {integration.outage.until ? formatTime(locale, integration.outage.until, new Date()) : "shortly"}.
          </Alert>
        )}
        {integration.lastError && integration.state === "syncing" && <Alert tone="warning">{integration.lastError}</Alert>}
        {integration.lastError && (integration.state === "error" || integration.state === "needs_reauth") && (
          <Alert tone={integration.state === "needs_reauth" ? "warning" : "error"}>{integration.lastError}</Alert>
        )}
        {failure && <Alert tone="error">{errorMessage(failure)}</Alert>}
      </div>

      <div className="flex flex-wrap items-center gap-2 border-t border-zinc-100 px-5 py-3">
        {integration.state === "available" && (
          <>
            <label className="flex w-full items-start gap-2 text-sm text-zinc-700">
              <input type="checkbox" className="mt-0.5 size-4 rounded border-zinc-300" checked={agreed} onChange={(event) => setAgreed(event.target.checked)} />
              <span>
                {chat
                  ? `I agree that DevPulse uses what is listed above at ${integration.name} to show my status. I can withdraw this on the Privacy page at any time.`
                  : integration.kind === "calendar"
                    ? `I agree that DevPulse reads my calendars at ${integration.name} and adds the focus blocks I book, as listed above. I can withdraw this on the Privacy page at any time.`
                    : `I agree that DevPulse reads what is listed above from ${integration.name}. I can withdraw this on the Privacy page at any time.`}
              </span>
            </label>
            <Button onClick={() => connect.mutate({ provider: integration.provider, consent: true })} loading={connect.isPending} disabled={!agreed}>
              Connect {integration.name}
            </Button>
          </>
        )}
        {/* Reconnecting needs the consent that was withdrawn: the server would refuse it. */}
        {integration.state === "needs_reauth" && !paused && (
          <Button onClick={() => connect.mutate({ provider: integration.provider })} loading={connect.isPending}>
            Reconnect {integration.name}
          </Button>
        )}
        {connected && (
          <>
            {/* The server honours the withdrawal and syncs nothing: a "Sync now" that does nothing, or a switch
                that cannot take effect, would only mislead. */}
            {!chat && !paused && integration.state !== "needs_reauth" && (
              <Button variant="secondary" size="sm" onClick={() => sync.mutate({ provider: integration.provider })} loading={sync.isPending} disabled={integration.state === "syncing"}>
                Sync now
              </Button>
            )}
            {!chat && !paused && (
              <SwitchRow
                label="Sync automatically"
                checked={shownAutoSync}
                pending={autoSync.isPending}
                onChange={(next) => autoSync.mutate({ provider: integration.provider, autoSync: next })}
              />
            )}
            <Button variant="ghost" size="sm" className="ml-auto text-red-700" onClick={() => setConfirming(true)}>
              Disconnect
            </Button>
          </>
        )}
      </div>
      <ConfirmDialog
        open={confirming}
        title={`Disconnect ${integration.name}?`}
        confirmLabel={`Disconnect ${integration.name}`}
        pending={disconnect.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => disconnect.mutate({ provider: integration.provider }, { onSettled: () => setConfirming(false) })}
      >
        {disconnectConsequences(integration)}
      </ConfirmDialog>
    </Card>
  );
}
