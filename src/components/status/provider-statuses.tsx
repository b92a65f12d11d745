import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { useLocale } from "../ui/locale";
import { formatTime } from "../ui/time";
import { untilLabel } from "./format";
import type { CurrentStatusView, ProviderStatusView } from "./use-status";
import { isConnected } from "../integrations/integration-card";


function Shown({ provider }: { provider: ProviderStatusView }) {
  const locale = useLocale();
  if (provider.heldByUser) return <span className="text-zinc-700">Your own status</span>;
  if (!provider.shown) return <span className="text-zinc-500">Nothing from DevPulse</span>;
  const emoji = provider.shown.emoji;
  return (
    <span className="text-zinc-900">
      {emoji.startsWith(":") ? <code className="rounded bg-zinc-100 px-1 py-0.5 text-xs">{emoji}</code> : <span aria-hidden="true">{emoji}</span>} {provider.shown.text}{" "}
      <span className="text-zinc-500">({untilLabel(locale, provider.shown.expiresAt)})</span>
    </span>
  );
}

/** Per chat provider: what DevPulse shows there, or that the user holds their own status by hand. */
export function ProviderStatuses({ current }: { current: CurrentStatusView }) {
  const locale = useLocale();
  const connected = current.providers.filter(isConnected);
  if (connected.length === 0) {
    return <p className="text-sm text-zinc-500">Connect Slack or Discord above to show your status there. The DevPulse desktop app still receives it.</p>;
  }
  return (
    <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-200" aria-label="Status on each chat app">
      {connected.map((provider) => (
        <li key={provider.provider} className="space-y-2 px-4 py-3 text-sm">
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <span className="w-16 font-medium text-zinc-900">{provider.name}</span>
            <Shown provider={provider} />
            {provider.state === "needs_reauth" && <Badge tone="warning">Needs re-authorization</Badge>}
            {provider.state === "error" && <Badge tone="danger">Failing</Badge>}
          </div>
          {provider.capabilities.doNotDisturb && provider.dndUntil && <p className="text-zinc-500">Notifications paused until {formatTime(locale, provider.dndUntil, new Date())}.</p>}
          {provider.capabilities.channelMessage && (
            <p className="text-zinc-500">{provider.channel ? `Team message in #${provider.channel.name ?? provider.channel.id}.` : "Pick a channel on the Discord card for the team message."}</p>
          )}
          {provider.heldByUser && <Alert tone="warning">You set your status by hand; DevPulse will not change it until you clear it.</Alert>}
        </li>
      ))}
      {current.discordPresence && (
        <li className="px-4 py-3 text-sm text-zinc-500">
          <span className="font-medium text-zinc-900">Discord Rich Presence</span> (applied by the desktop app): {current.discordPresence.details}
          {current.discordPresence.state ? ` · ${current.discordPresence.state}` : ""}
        </li>
      )}
    </ul>
  );
}
