"use client";

import { signOut } from "next-auth/react";
import { useEffect, useState } from "react";
import { api, errorMessage } from "~/trpc/react";
import { CheckIcon } from "../icons";
import { Card } from "../ui/card";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { PageHeader } from "../ui/page-header";
import { Spinner } from "../ui/spinner";
import { CloudSyncCard } from "./cloud-sync-card";
import { ConsentHistory } from "./consent-history";
import { DangerZone, type Farewell } from "./danger-zone";
import { ExportCard } from "./export-card";
import { DeletionOfferDialog, type DeletionOffer, type Notice } from "./deletion-offer";
import { IntegrationsPrivacyCard } from "./integrations-privacy-card";
import { ProcessingLog } from "./processing-log";
import { RetentionCard } from "./retention-card";

/** After deletion or anonymization: the account is gone, so sign out and say goodbye (the home page says it again, after the redirect). */
function Goodbye({ how }: { how: Farewell }) {
  useEffect(() => {
    void signOut({ callbackUrl: `/?farewell=${how}` });
  }, [how]);
  return (
    <Card className="mx-auto mt-10 max-w-lg px-6 py-10 text-center">
      <div className="mx-auto mb-4 flex size-12 items-center justify-center rounded-full bg-emerald-50 text-emerald-600">
        <CheckIcon />
      </div>
      <h1 className="text-xl font-semibold text-zinc-900">{how === "deleted" ? "Your account is deleted" : "Your account is anonymized"}</h1>
      <p className="mt-2 text-sm text-zinc-600">
        {how === "deleted"
          ? "Everything DevPulse Cloud held about you is gone. Thank you for having tried it — goodbye."
          : "Only anonymous totals remain; your account and everything that identified you are gone. Thank you for having tried DevPulse — goodbye."}
      </p>
      <p className="mt-6 inline-flex items-center gap-2 text-sm text-zinc-500" role="status">
        <Spinner className="size-4" /> Signing you out…
      </p>
    </Card>
  );
}

export function PrivacyPage() {
  const settings = api.privacy.settings.useQuery();
  const consents = api.privacy.consents.useQuery();
  const [offer, setOffer] = useState<DeletionOffer | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [gone, setGone] = useState<Farewell | null>(null);

  if (gone) return <Goodbye how={gone} />;

  const openOffer = (next: DeletionOffer) => {
    setNotice(null);
    setOffer(next);
  };
  const noticeFor = (origin: Notice["origin"]) => (notice?.origin === origin ? notice : null);

  return (
    <>
      <PageHeader title="Privacy" description="Your data, your rules — every choice here is enforced by the server, not just shown in the app." />
      {settings.isPending || consents.isPending ? (
        <Card>
          <Loading label="Loading your privacy settings" />
        </Card>
      ) : settings.isError || consents.isError ? (
        <Card>
          <LoadError
            title="Could not load your privacy settings"
            message={errorMessage(settings.error ?? consents.error)}
            onRetry={() => void Promise.all([settings.refetch(), consents.refetch()])}
          />
        </Card>
      ) : (
        <div className="space-y-6">
          <CloudSyncCard settings={settings.data} consents={consents.data} notice={noticeFor("cloud")} onOffer={openOffer} />
          <IntegrationsPrivacyCard settings={settings.data} consents={consents.data} notice={noticeFor("integrations")} onOffer={openOffer} />
          <RetentionCard settings={settings.data} />
          <ConsentHistory consents={consents.data} />
          <ProcessingLog />
          <ExportCard />
          <DangerZone onGone={setGone} />
          <DeletionOfferDialog
            offer={offer}
            onClose={() => setOffer(null)}
            onDone={(done) => {
              setNotice(done);
              setOffer(null);
            }}
          />
        </div>
      )}
    </>
  );
}
