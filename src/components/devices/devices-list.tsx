"use client";

import { useState } from "react";
import { api, errorMessage } from "~/trpc/react";
import { useRealtime } from "../realtime/use-realtime";
import { DevicesIcon } from "../icons";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button, ButtonLink } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { EmptyState } from "../ui/empty-state";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { timeAgo } from "./format";
import { RotateKeyPanel } from "./rotate-key";

const ROTATE_PANEL_ID = "rotate-encryption-key";

/** Brings the rotation panel into view with its passphrase field focused. */
function showRotatePanel() {
  document.getElementById(ROTATE_PANEL_ID)?.scrollIntoView({ behavior: "smooth", block: "center" });
  document.querySelector<HTMLInputElement>(`#${ROTATE_PANEL_ID} input[name="passphrase"]`)?.focus({ preventScroll: true });
}

export function DevicesList() {
  const utils = api.useUtils();
  const devices = api.devices.list.useQuery();
  const revoke = api.devices.revoke.useMutation({ onSuccess: () => utils.devices.list.invalidate() });
  const [pendingRevoke, setPendingRevoke] = useState<{ id: string; name: string }>();
  // A device that syncs changes its "last sync", one signed in or revoked elsewhere changes the list: refresh as it happens.
  const refresh = () => void utils.devices.list.invalidate();
  useRealtime(["sync:changed", "device:changed"], refresh, { onReady: refresh });

  return (
    <>
      <Card>
        <CardHeader
          title="Signed-in devices"
          description="Desktop apps that can sync and call the API as you. Revoking one signs it out at once."
          action={
            <ButtonLink href="/device" size="sm" variant="secondary">
              Approve a device code
            </ButtonLink>
          }
        />
        {revoke.error && (
          <div className="px-5 pt-4">
            <Alert tone="error">{errorMessage(revoke.error)}</Alert>
          </div>
        )}
        {revoke.isSuccess && revoke.data && (
          <div className="px-5 py-4">
            <Alert tone="success">
              <p>“{revoke.data.name}” was signed out. It still holds your encryption key: rotate the key so it cannot read anything written from now on.</p>
              <Button size="sm" variant="secondary" className="mt-2" onClick={showRotatePanel}>
                Rotate encryption key
              </Button>
            </Alert>
          </div>
        )}
        {devices.isPending ? (
          <Loading label="Loading devices" />
        ) : devices.isError ? (
          <LoadError title="Could not load your devices" message={errorMessage(devices.error)} onRetry={() => void devices.refetch()} retrying={devices.isFetching} />
        ) : devices.data.length === 0 ? (
          <EmptyState icon={<DevicesIcon />} title="No devices yet">
            In the DevPulse desktop app choose <strong>Sign in to DevPulse Cloud</strong>. It shows a code; enter it on the{" "}
            <a className="font-medium text-brand-600 underline" href="/device">
              device page
            </a>{" "}
            to connect it.
          </EmptyState>
        ) : (
          <ul className="divide-y divide-zinc-100" aria-label="Devices">
            {devices.data.map((device) => (
              <li key={device.id} className="flex flex-wrap items-center gap-4 px-5 py-4">
                <span className="flex size-10 items-center justify-center rounded-lg bg-zinc-100 text-zinc-600">
                  <DevicesIcon />
                </span>
                <div className="min-w-0 flex-1">
                  <p className="flex items-center gap-2 truncate font-medium text-zinc-900">
                    {device.name}
                    {device.current && <Badge tone="brand">This device</Badge>}
                  </p>
                  <p className="text-sm text-zinc-500">
                    Added {timeAgo(device.createdAt)} · {device.lastUsedAt ? `last active ${timeAgo(device.lastUsedAt)}` : "never used"} ·{" "}
                    {device.lastSyncAt ? `last sync ${timeAgo(device.lastSyncAt)}` : "not synced yet"}
                  </p>
                </div>
                <Button variant="secondary" size="sm" onClick={() => setPendingRevoke({ id: device.id, name: device.name })} aria-label={`Revoke ${device.name}`}>
                  Revoke
                </Button>
              </li>
            ))}
          </ul>
        )}
        <ConfirmDialog
          open={Boolean(pendingRevoke)}
          title={`Revoke “${pendingRevoke?.name ?? ""}”?`}
          confirmLabel="Revoke device"
          pending={revoke.isPending}
          onCancel={() => setPendingRevoke(undefined)}
          onConfirm={() => {
            if (!pendingRevoke) return;
            revoke.mutate({ id: pendingRevoke.id }, { onSettled: () => setPendingRevoke(undefined) });
          }}
        >
          The device is signed out immediately and its token stops working. Data already on the device stays there; to use it again, sign it in with a new code.
        </ConfirmDialog>
      </Card>
      <RotateKeyPanel id={ROTATE_PANEL_ID} highlighted={revoke.isSuccess} />
    </>
  );
}
