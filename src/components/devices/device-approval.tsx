"use client";

import { useEffect, useState, type FormEvent } from "react";
import { api, errorMessage } from "~/trpc/react";
import { useRealtime } from "../realtime/use-realtime";
import { CheckIcon, DevicesIcon } from "../icons";
import { Alert } from "../ui/alert";
import { Button, ButtonLink } from "../ui/button";
import { Card } from "../ui/card";
import { Field } from "../ui/field";
import { timeAgo } from "./format";

type Decision = { status: "approved" | "denied"; deviceName: string; elsewhere?: boolean };

/**
 * Enter the code a desktop app shows, see which device asks, then approve or deny it.
 * Live: a decision made in another tab or window replaces the buttons, and a request
 * that expires while shown says so. (A new request cannot "arrive" here: RFC 8628 ties a
 * request to an account only when its code is entered.)
 */
export function DeviceApproval({ initialCode }: { initialCode?: string }) {
  const [code, setCode] = useState(initialCode ?? "");
  const [submittedCode, setSubmittedCode] = useState(initialCode || undefined);
  const [decision, setDecision] = useState<Decision>();
  const request = api.devices.describeAuthorization.useQuery(
    { userCode: submittedCode ?? "" },
    { enabled: Boolean(submittedCode), retry: false, refetchOnWindowFocus: false },
  );
  const approve = api.devices.approveAuthorization.useMutation({ onSuccess: setDecision });
  const deny = api.devices.denyAuthorization.useMutation({ onSuccess: setDecision });
  const decideError = approve.error ?? deny.error;
  const shown = submittedCode ? request.data : undefined;

  useRealtime(
    "device:authorization_decided",
    (payload) => {
      // This tab's own decision arrives as an event too, sometimes before its answer.
      if (!shown || payload.requestId !== shown.requestId || approve.isPending || deny.isPending) return;
      setDecision((current) => current ?? { status: payload.status, deviceName: shown.deviceName, elsewhere: true });
    },
    // Decided while this page was not listening: asking again says "already used".
    { onReady: () => void (submittedCode && request.refetch()) },
  );

  // At its expiry, ask again: the answer says the code expired, and the buttons go.
  const expiresAt = shown?.expiresAt.getTime();
  const { refetch } = request;
  useEffect(() => {
    if (expiresAt === undefined) return;
    const timer = setTimeout(() => void refetch(), Math.max(0, expiresAt - Date.now()) + 500);
    return () => clearTimeout(timer);
  }, [expiresAt, refetch]);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // The same code again (after a failure, say): ask again rather than do nothing.
    if (code === submittedCode) void request.refetch();
    else setSubmittedCode(code);
  }
  // Busy only while the code in the box is being checked. The submitted code is also asked
  // about again in the background (when live updates come up, or come back): that must not
  // disable the button under a person typing a new code, or their click is lost.
  const checking = request.isFetching && code === submittedCode;

  if (decision) {
    return (
      <Card className="p-6 sm:p-8 text-center">
        <span className="mx-auto flex size-12 items-center justify-center rounded-full bg-emerald-50 text-emerald-600">
          <CheckIcon />
        </span>
        <h2 className="mt-4 text-lg font-semibold text-zinc-900">
          {decision.status === "approved" ? `“${decision.deviceName}” is connected` : `Access denied for “${decision.deviceName}”`}
        </h2>
        <p className="mt-1 text-sm text-zinc-600">
          {decision.elsewhere && `It was ${decision.status} in another tab or window. `}
          {decision.status === "approved" ? "You can return to the desktop app: it finishes signing in by itself." : "The device was not signed in. You can close this page."}
        </p>
        <div className="mt-6">
          <ButtonLink href="/settings/devices" variant="secondary">
            Manage devices
          </ButtonLink>
        </div>
      </Card>
    );
  }

  // A request that was decided elsewhere or expired since it was shown answers with an error: show the form and why.
  const showRequest = submittedCode && request.data && !request.isError;
  return (
    <Card className="p-6 sm:p-8">
      {!showRequest ? (
        <form onSubmit={onSubmit} className="space-y-4" noValidate>
          <Field
            label="Device code"
            name="userCode"
            value={code}
            onChange={(event) => setCode(event.target.value.toUpperCase())}
            placeholder="BCDF-GHJK"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            className="[&_input]:font-mono [&_input]:tracking-widest"
            hint="The 8-letter code shown by the DevPulse desktop app."
            error={request.error ? errorMessage(request.error) : undefined}
            autoFocus
          />
          <Button type="submit" loading={checking} disabled={code.trim().length === 0}>
            Continue
          </Button>
        </form>
      ) : (
        <div>
          <div className="flex items-start gap-4">
            <span className="flex size-11 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
              <DevicesIcon />
            </span>
            <div>
              <h2 className="font-semibold text-zinc-900">
                “{request.data.deviceName}” wants to access your account
              </h2>
              <p className="mt-1 text-sm text-zinc-600">
                Requested {timeAgo(request.data.requestedAt)} with code <span className="font-mono font-medium">{submittedCode.toUpperCase()}</span>. Approve only if you
                started this on a device you own: it will sync your data and act as you.
              </p>
            </div>
          </div>
          {decideError && (
            <div className="mt-4">
              <Alert tone="error">{errorMessage(decideError)}</Alert>
            </div>
          )}
          <div className="mt-6 flex flex-wrap gap-2">
            <Button onClick={() => approve.mutate({ userCode: submittedCode })} loading={approve.isPending} disabled={deny.isPending}>
              Approve device
            </Button>
            <Button variant="secondary" onClick={() => deny.mutate({ userCode: submittedCode })} loading={deny.isPending} disabled={approve.isPending}>
              Deny
            </Button>
            <Button
              variant="ghost"
              onClick={() => {
                setSubmittedCode(undefined);
                setCode("");
              }}
            >
              Use another code
            </Button>
          </div>
        </div>
      )}
    </Card>
  );
}
