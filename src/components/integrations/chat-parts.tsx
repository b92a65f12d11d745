"use client";

import { useState, type FormEvent } from "react";
import { api, errorMessage } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { SaveStatus } from "../privacy/save-status";
import { Spinner } from "../ui/spinner";

/** What each integration is for, under its name. */
export const INTEGRATION_PURPOSE: Record<string, string> = {
  github: "Commits from your repositories, correlated with your coding activity.",
  gitlab: "Commits from your repositories, correlated with your coding activity.",
  google: "Your week beside your coding: focus blocks booked for you, free time suggested, conflicts flagged.",
  microsoft: "Your Outlook week beside your coding: focus blocks booked for you, free time suggested, conflicts flagged.",
  slack: "Your Slack status follows what you are doing, and notifications pause while you focus.",
  discord: "Your status as a team message in a channel you pick, and on your own Discord client.",
};

/** Discord does not let a bot set a person's custom status: say so, and what DevPulse does instead. */
export function DiscordLimits() {
  return (
    <Alert tone="info" title="What Discord allows">
      <p>Discord does not let a bot set your custom status, so DevPulse cannot change it. Instead it offers:</p>
      <ul className="mt-1 list-disc space-y-0.5 pl-5">
        <li>
          <strong>Rich Presence</strong> on your own Discord client, applied by the DevPulse desktop app while Discord runs on the same computer.
        </li>
        <li>
          <strong>A team status message</strong> in a channel you pick: the DevPulse bot keeps one message for you there, edited in place, and removes it when you clear your status.
        </li>
      </ul>
    </Alert>
  );
}

/** Where the DevPulse bot keeps the user's status message: the text channels of the server it was added to. */
export function DiscordChannelPicker() {
  const utils = api.useUtils();
  const channels = api.status.discord.channels.useQuery();
  const current = api.status.current.useQuery();
  const choose = api.status.discord.chooseChannel.useMutation({ onSuccess: () => utils.status.current.invalidate() });
  const chosen = current.data?.providers.find((provider) => provider.provider === "discord")?.channel ?? null;
  const [picked, setPicked] = useState<string>("");
  const value = picked || chosen?.id || "";

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (value) choose.mutate({ channelId: value });
  }

  if (channels.isPending) {
    return (
      <p className="inline-flex items-center gap-2 text-zinc-500">
        <Spinner className="size-4" /> Loading the server's channels…
      </p>
    );
  }
  if (channels.isError) {
    return (
      <Alert tone="error" title="Could not load the channels">
        <p>{errorMessage(channels.error)}</p>
        <Button variant="secondary" size="sm" className="mt-2" onClick={() => void channels.refetch()} loading={channels.isRefetching}>
          Try again
        </Button>
      </Alert>
    );
  }
  if (channels.data.length === 0) {
    return <p className="text-zinc-500">The bot sees no text channel it may post in. Give it “View channel” and “Send messages” on one, then reload this page.</p>;
  }
  return (
    <form onSubmit={submit} className="space-y-1.5" aria-label="Channel for your status message">
      <label htmlFor="discord-channel" className="block font-medium text-zinc-900">
        Channel for your status message
      </label>
      <div className="flex flex-wrap items-center gap-2">
        <select
          id="discord-channel"
          value={value}
          onChange={(event) => (choose.reset(), setPicked(event.target.value))}
          className="block h-9 min-w-40 rounded-lg border border-zinc-300 bg-white px-3 text-sm text-zinc-900 shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30"
        >
          {!chosen && <option value="">Choose a channel…</option>}
          {channels.data.map((channel) => (
            <option key={channel.id} value={channel.id}>
              #{channel.name}
            </option>
          ))}
        </select>
        <Button type="submit" variant="secondary" size="sm" disabled={!value || value === chosen?.id} loading={choose.isPending}>
          Use this channel
        </Button>
        <SaveStatus pending={choose.isPending} saved={choose.isSuccess} />
      </div>
      {!chosen && !choose.isSuccess && <p className="text-xs text-zinc-500">Until you pick one, the bot posts nothing.</p>}
      {choose.error && <Alert tone="error">{errorMessage(choose.error)}</Alert>}
    </form>
  );
}
