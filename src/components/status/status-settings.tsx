"use client";

import { useState, type FormEvent } from "react";
import { IDLE_MINUTES } from "~/lib/status/templates";
import { api, errorMessage } from "~/trpc/react";
import { SaveStatus } from "../privacy/save-status";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { Field } from "../ui/field";
import { SwitchRow } from "../ui/switch";
import type { CurrentStatusView } from "./use-status";

/** The idle timeout, Do Not Disturb during focus, and whether the project's name goes with the status. */
export function StatusSettings({ settings }: { settings: CurrentStatusView["settings"] }) {
  const utils = api.useUtils();
  const update = api.status.updateSettings.useMutation({ onSettled: () => utils.status.current.invalidate() });
  const privacy = api.privacy.updateSettings.useMutation({ onSettled: () => Promise.all([utils.status.current.invalidate(), utils.privacy.settings.invalidate()]) });
  const [idle, setIdle] = useState(String(settings.idleMinutes));
  const [idleError, setIdleError] = useState<string>();
  const [saved, setSaved] = useState(settings.idleMinutes);
  // Saved here or elsewhere: show the value in force.
  if (saved !== settings.idleMinutes) {
    setSaved(settings.idleMinutes);
    setIdle(String(settings.idleMinutes));
  }

  function saveIdle(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const minutes = Number(idle.trim());
    if (!/^\d+$/.test(idle.trim()) || minutes < IDLE_MINUTES.min || minutes > IDLE_MINUTES.max) {
      setIdleError(`Use whole minutes from ${IDLE_MINUTES.min} to ${IDLE_MINUTES.max}.`);
      (event.currentTarget.elements.namedItem("idleMinutes") as HTMLInputElement | null)?.focus();
      return;
    }
    setIdleError(undefined);
    privacy.reset();
    update.mutate({ idleMinutes: minutes });
  }

  const shownDnd = update.isPending && update.variables.dndDuringFocus !== undefined ? update.variables.dndDuringFocus : settings.dndDuringFocus;
  const shownContext = privacy.isPending ? (privacy.variables.statusSharing?.projectContext ?? settings.projectContext) : settings.projectContext;
  const failure = update.error ?? privacy.error;
  return (
    <Card>
      <CardHeader title="Status settings" description="How the desktop app's activity becomes your status." action={<SaveStatus pending={update.isPending || privacy.isPending} saved={update.isSuccess || privacy.isSuccess} />} />
      <div className="space-y-5 px-5 py-4">
        <form onSubmit={saveIdle} noValidate className="flex flex-wrap items-end gap-3" aria-label="Idle timeout">
          <Field
            className="w-48"
            label="Clear after idle (minutes)"
            name="idleMinutes"
            inputMode="numeric"
            value={idle}
            error={idleError}
            onChange={(event) => setIdle(event.target.value)}
          />
          <Button type="submit" variant="secondary" disabled={idle.trim() === String(settings.idleMinutes)} loading={update.isPending && update.variables.idleMinutes !== undefined}>
            Save
          </Button>
          <p className="w-full text-xs text-zinc-500">When the desktop app stops reporting for this long, DevPulse clears your status.</p>
        </form>
        <SwitchRow
          label="Do Not Disturb during focus"
          description="Pause Slack notifications while a focus session runs, until it ends."
          checked={shownDnd}
          pending={update.isPending && update.variables.dndDuringFocus !== undefined}
          onChange={(next) => (privacy.reset(), update.mutate({ dndDuringFocus: next }))}
        />
        <SwitchRow
          label="Share the project name"
          description="Show the project you work in, like “Coding · devpulse”. Never for projects you marked private on the Privacy page."
          checked={shownContext}
          pending={privacy.isPending}
          onChange={(next) => (update.reset(), privacy.mutate({ statusSharing: { projectContext: next } }))}
        />
        {failure && <Alert tone="error">{errorMessage(failure)}</Alert>}
      </div>
    </Card>
  );
}
