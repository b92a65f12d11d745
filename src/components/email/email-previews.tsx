"use client";

import { useState } from "react";
import { api, errorMessage } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { cn } from "../ui/cn";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { TabList, useTabs } from "../ui/tabs";

type Part = "html" | "text";

/**
 * Every email template rendered with sample data: pick one on the left, see its subject, the
 * HTML part (in a sandboxed frame: no scripts, no same-origin access) and the text part.
 */
export function EmailPreviews() {
  const templates = api.email.templates.useQuery();
  const [selected, setSelected] = useState<string | null>(null);
  const current = selected ?? templates.data?.[0]?.id ?? null;

  if (templates.isPending) return <Loading label="Loading email templates" />;
  if (templates.error) return <LoadError title="Could not load the templates" message={errorMessage(templates.error)} onRetry={() => void templates.refetch()} retrying={templates.isFetching} inset={false} />;

  return (
    <div className="space-y-6">
      <AddressStatus />
      <div className="grid gap-6 lg:grid-cols-[16rem_1fr]">
        <nav aria-label="Email templates">
          <ul className="space-y-1">
            {templates.data.map((template) => (
              <li key={template.id}>
                <button
                  type="button"
                  aria-current={template.id === current ? "true" : undefined}
                  onClick={() => setSelected(template.id)}
                  className={cn(
                    "w-full rounded-lg px-3 py-2 text-left text-sm focus-visible:outline-2 focus-visible:outline-brand-600",
                    template.id === current ? "bg-brand-50 font-medium text-brand-800" : "text-zinc-700 hover:bg-zinc-100",
                  )}
                >
                  {template.name}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        {current && <TemplatePreview key={current} template={templates.data.find((t) => t.id === current)!} />}
      </div>
    </div>
  );
}

function TemplatePreview({ template }: { template: { id: string; name: string; description: string; unsubscribable: boolean } }) {
  const preview = api.email.preview.useQuery({ template: template.id as never });
  const [part, setPart] = useState<Part>("html");
  const tabs = useTabs<Part>(["html", "text"], part, setPart);
  return (
    <Card className="min-w-0">
      <CardHeader title={template.name} description={template.description} action={template.unsubscribable ? <Badge tone="neutral">One-click unsubscribe</Badge> : <Badge tone="neutral">Account mail</Badge>} />
      <div className="space-y-4 p-5">
        {preview.isPending && <Loading label={`Rendering ${template.name}`} />}
        {preview.error && <LoadError title="Could not render the template" message={errorMessage(preview.error)} onRetry={() => void preview.refetch()} retrying={preview.isFetching} inset={false} />}
        {preview.data && (
          <>
            <p className="text-sm text-zinc-600">
              <span className="font-medium text-zinc-900">Subject:</span> {preview.data.subject}
            </p>
            <TabList tabs={tabs} label="Part of the email" labels={{ html: "HTML", text: "Plain text" }} />
            <div {...tabs.panel("html")}>
              <iframe title={`${template.name}: HTML part`} sandbox="" srcDoc={preview.data.html} className="h-[36rem] w-full rounded-lg border border-zinc-200 bg-white" />
            </div>
            <div {...tabs.panel("text")}>
              <pre className="max-h-[36rem] overflow-auto whitespace-pre-wrap rounded-lg border border-zinc-200 bg-zinc-50 p-4 font-mono text-sm text-zinc-800">{preview.data.text}</pre>
            </div>
          </>
        )}
      </div>
    </Card>
  );
}

/** After a hard bounce: mail to the account's address is paused until its owner confirms it. */
function AddressStatus() {
  const status = api.email.deliverability.useQuery();
  const confirm = api.email.confirmAddress.useMutation();
  if (!status.data?.suppressed) return null;
  return (
    <Alert tone="warning" title="Mail to your address is paused">
      <p>
        Mail to {status.data.address} bounced, so DevPulse Cloud stopped sending to it. If the address works again, confirm it and mail resumes.
      </p>
      {confirm.data ? (
        <p className="mt-2">We sent a confirmation link to {confirm.data.sentTo}.</p>
      ) : (
        <Button variant="secondary" size="sm" className="mt-3" loading={confirm.isPending} onClick={() => confirm.mutate()}>
          Send a confirmation link
        </Button>
      )}
      {confirm.error && <p className="mt-2">{errorMessage(confirm.error)}</p>}
    </Alert>
  );
}
