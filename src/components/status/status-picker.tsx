"use client";

import { useState, type FormEvent } from "react";
import { z } from "zod";
import { ZText } from "~/lib/schemas/primitives";
import { STATUS_LIMITS, ZDiscordEmoji, ZSlackEmoji } from "~/lib/status/templates";
import { api, errorMessage } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { Field } from "../ui/field";
import { DURATIONS } from "./format";
import { issuesByPath } from "./issues";
import { useStatusRefresh, type CurrentStatusView, type TemplateView } from "./use-status";

const CUSTOM = "__custom";

/** A one-off status, checked here as the server checks it, so each field says what is wrong. */
const ZCustomForm = z.object({
  text: ZText.trim().min(1, "Write the status text").max(STATUS_LIMITS.slackText, `Use at most ${STATUS_LIMITS.slackText} characters`),
  slackEmoji: ZSlackEmoji.optional(),
  discordEmoji: ZDiscordEmoji.optional(),
});

/** Set a template or a custom status, for a while or until cleared; or clear what is shown. */
export function StatusPicker({ templates, current }: { templates: TemplateView[]; current: CurrentStatusView["status"] }) {
  const refresh = useStatusRefresh();
  const set = api.status.set.useMutation({ onSettled: refresh });
  const clear = api.status.clear.useMutation({ onSettled: refresh });
  const [choice, setChoice] = useState<string>(current?.templateKey ?? templates[0]?.key ?? CUSTOM);
  const [duration, setDuration] = useState("60");
  const [custom, setCustom] = useState({ text: "", slackEmoji: "", discordEmoji: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    clear.reset();
    const durationMinutes = duration === "" ? undefined : Number(duration);
    if (choice !== CUSTOM) {
      set.mutate({ template: choice, durationMinutes });
      return;
    }
    const parsed = ZCustomForm.safeParse({ text: custom.text, slackEmoji: custom.slackEmoji.trim() || undefined, discordEmoji: custom.discordEmoji.trim() || undefined });
    if (!parsed.success) {
      const found = issuesByPath(parsed.error);
      setErrors(found);
      const first = Object.keys(found)[0];
      if (first) (event.currentTarget.elements.namedItem(`custom-${first}`) as HTMLInputElement | null)?.focus();
      return;
    }
    setErrors({});
    set.mutate({ custom: parsed.data, durationMinutes });
  }

  const failure = set.error ?? clear.error;
  return (
    <form onSubmit={submit} noValidate aria-label="Set your status" className="space-y-4">
      <fieldset>
        <legend className="text-sm font-medium text-zinc-900">Show</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2 lg:grid-cols-3">
          {[...templates.map((template) => ({ key: template.key, emoji: template.discord.emoji || "💬", name: template.name, text: template.slack.text })), { key: CUSTOM, emoji: "✏️", name: "Custom…", text: "Write your own" }].map(
            (option) => (
              <label
                key={option.key}
                className={cn(
                  "flex cursor-pointer items-center gap-3 rounded-lg border px-3 py-2 text-sm",
                  choice === option.key ? "border-brand-500 bg-brand-50" : "border-zinc-200 hover:border-zinc-300",
                )}
              >
                <input type="radio" name="status-choice" value={option.key} checked={choice === option.key} onChange={() => setChoice(option.key)} className="size-4 shrink-0 accent-brand-600" />
                <span aria-hidden="true" className="text-xl">
                  {option.emoji}
                </span>
                <span className="min-w-0">
                  <span className="block font-medium text-zinc-900">{option.name}</span>
                  <span className="block truncate text-xs text-zinc-600">{option.text}</span>
                </span>
              </label>
            ),
          )}
        </div>
      </fieldset>

      {choice === CUSTOM && (
        <div className="grid gap-4 sm:grid-cols-3">
          <Field
            className="sm:col-span-3"
            label="Status text"
            name="custom-text"
            maxLength={STATUS_LIMITS.slackText}
            value={custom.text}
            error={errors.text}
            onChange={(event) => setCustom({ ...custom, text: event.target.value })}
          />
          <Field label="Slack emoji" name="custom-slackEmoji" placeholder=":speech_balloon:" hint="Written :name:" value={custom.slackEmoji} error={errors.slackEmoji} onChange={(event) => setCustom({ ...custom, slackEmoji: event.target.value })} />
          <Field label="Discord emoji" name="custom-discordEmoji" placeholder="💬" hint="One emoji, or none" value={custom.discordEmoji} error={errors.discordEmoji} onChange={(event) => setCustom({ ...custom, discordEmoji: event.target.value })} />
        </div>
      )}

      <div className="flex flex-wrap items-end gap-3">
        <div className="space-y-1.5">
          <label htmlFor="status-duration" className="block text-sm font-medium text-zinc-800">
            For how long
          </label>
          <select
            id="status-duration"
            value={duration}
            onChange={(event) => setDuration(event.target.value)}
            className="block h-10 rounded-lg border border-zinc-300 bg-white px-3 text-sm text-zinc-900 shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30"
          >
            {DURATIONS.map((option) => (
              <option key={option.label} value={option.minutes === null ? "" : String(option.minutes)}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        <Button type="submit" loading={set.isPending}>
          Set status
        </Button>
        <Button variant="secondary" onClick={() => (set.reset(), clear.mutate())} loading={clear.isPending} disabled={!current}>
          Clear status
        </Button>
      </div>
      {failure && <Alert tone="error">{errorMessage(failure)}</Alert>}
    </form>
  );
}
