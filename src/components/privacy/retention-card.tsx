"use client";

import { useState, type FormEvent } from "react";
import { INACTIVITY_POLICY } from "~/lib/schemas/privacy";
import { errorMessage } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { Field } from "../ui/field";
import { parseDays } from "./labels";
import { SaveStatus } from "./save-status";
import { SwitchRow } from "../ui/switch";
import { useUpdateSettings, type Settings } from "./use-privacy";

type Policy = Settings["retentionPolicy"];

/** How long data is kept: in the cloud (enforced by a daily job), on the desktop, and after inactivity. */
export function RetentionCard({ settings }: { settings: Settings }) {
  const policy = settings.retentionPolicy;
  const update = useUpdateSettings();
  const autoDelete = useUpdateSettings();

  const [cloud, setCloud] = useState(String(policy.cloudRetentionDays));
  const [local, setLocal] = useState(String(policy.localRetentionDays));
  const [errors, setErrors] = useState<{ cloud?: string; local?: string }>({});
  const [shown, setShown] = useState<Policy>(policy);
  // The saved values changed (saved here, or elsewhere): show them.
  if (shown.cloudRetentionDays !== policy.cloudRetentionDays || shown.localRetentionDays !== policy.localRetentionDays) {
    setShown(policy);
    setCloud(String(policy.cloudRetentionDays));
    setLocal(String(policy.localRetentionDays));
  }
  const dirty = cloud.trim() !== String(policy.cloudRetentionDays) || local.trim() !== String(policy.localRetentionDays);

  function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const cloudDays = parseDays(cloud, "synced data");
    const localDays = parseDays(local, "local data");
    setErrors({ cloud: cloudDays.error, local: localDays.error });
    if (cloudDays.days === undefined || localDays.days === undefined) {
      // Take the keyboard to the first field to fix.
      const first = cloudDays.error ? "cloudRetentionDays" : "localRetentionDays";
      (event.currentTarget.elements.namedItem(first) as HTMLInputElement | null)?.focus();
      return;
    }
    autoDelete.reset();
    update.mutate({ retentionPolicy: { cloudRetentionDays: cloudDays.days, localRetentionDays: localDays.days } });
  }

  return (
    <Card>
      <CardHeader
        title="Retention"
        description="How long your data is kept. Shorter is more private; longer keeps more history to go back to."
        action={<SaveStatus pending={update.isPending || autoDelete.isPending} saved={update.isSuccess || autoDelete.isSuccess} />}
      />
      <form onSubmit={save} noValidate className="space-y-4 px-5 py-4" aria-label="Retention periods">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            label="Cloud retention (days)"
            name="cloudRetentionDays"
            type="number"
            inputMode="numeric"
            min={1}
            max={3650}
            value={cloud}
            onChange={(event) => {
              setCloud(event.target.value);
              setErrors((current) => ({ ...current, cloud: undefined }));
            }}
            error={errors.cloud}
            hint="Every night the server deletes synced records not changed for this long, and older versions of the rest. Your devices keep their own copies."
            disabled={update.isPending}
          />
          <Field
            label="Local data on your devices (days)"
            name="localRetentionDays"
            type="number"
            inputMode="numeric"
            min={1}
            max={3650}
            value={local}
            onChange={(event) => {
              setLocal(event.target.value);
              setErrors((current) => ({ ...current, local: undefined }));
            }}
            error={errors.local}
            hint="Read by the DevPulse desktop app, which applies it to what it keeps on your computer."
            disabled={update.isPending}
          />
        </div>
        {update.error && <Alert tone="error">{errorMessage(update.error)}</Alert>}
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" loading={update.isPending} disabled={!dirty}>
            Save retention
          </Button>
          {dirty && !update.isPending && (
            <Button
              variant="ghost"
              onClick={() => {
                setCloud(String(policy.cloudRetentionDays));
                setLocal(String(policy.localRetentionDays));
                setErrors({});
              }}
            >
              Discard changes
            </Button>
          )}
        </div>
      </form>
      <div className="border-t border-zinc-100 px-5 py-4">
        <SwitchRow
          label="Delete my account if I stop using it"
          description={`If you do not use DevPulse Cloud for ${INACTIVITY_POLICY.deleteAfterDays} days (no sign-in, no device sync), your account and everything in it are deleted. We email you ${INACTIVITY_POLICY.warnDaysBefore} days before; signing in cancels it.`}
          checked={autoDelete.isPending ? autoDelete.variables.retentionPolicy?.autoDeleteAfterInactivity === true : policy.autoDeleteAfterInactivity}
          pending={autoDelete.isPending}
          onChange={(next) => {
            update.reset();
            autoDelete.mutate({ retentionPolicy: { autoDeleteAfterInactivity: next } });
          }}
        />
        {autoDelete.error && (
          <div className="mt-3">
            <Alert tone="error">{errorMessage(autoDelete.error)}</Alert>
          </div>
        )}
      </div>
    </Card>
  );
}
