import type { Metadata } from "next";
import { ConflictIcon } from "~/components/icons";
import { timeAgo } from "~/components/devices/format";
import { Alert } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Card, CardHeader } from "~/components/ui/card";
import { EmptyState } from "~/components/ui/empty-state";
import { PageHeader } from "~/components/ui/page-header";
import { getCurrentUser } from "~/server/auth/session";
import { listConflicts } from "~/server/conflicts/queries";
import { getDb } from "~/server/db/client";

export const metadata: Metadata = { title: "Conflicts" };
export const dynamic = "force-dynamic";

const typeLabels = { update_conflict: "Edited on both sides", delete_conflict: "Deleted on one side", schema_conflict: "Different schema versions" } as const;

export default async function ConflictsPage() {
  const user = (await getCurrentUser())!;
  const { items } = await listConflicts(await getDb(), user.id, { status: "open", limit: 100 });
  return (
    <>
      <PageHeader title="Conflicts" description="When two devices change the same record, DevPulse never overwrites silently: the refused version waits here for you." />
      <div className="mb-4">
        <Alert tone="info" title="Resolving in the browser is coming next">
          Until then, resolve from a signed-in device: <code className="font-mono">devpulse resolve &lt;id&gt; --strategy local_wins|remote_wins|merge</code>.
        </Alert>
      </div>
      <Card>
        <CardHeader title="Open conflicts" description={items.length ? `${items.length} waiting for a decision` : undefined} />
        {items.length === 0 ? (
          <EmptyState icon={<ConflictIcon />} title="Everything is in sync">
            No record was changed on two devices at once. Conflicts that need you will appear here.
          </EmptyState>
        ) : (
          <ul className="divide-y divide-zinc-100" aria-label="Open conflicts">
            {items.map((conflict) => (
              <li key={conflict.id} className="flex flex-wrap items-center gap-3 px-5 py-4">
                <div className="min-w-0 flex-1">
                  <p className="truncate font-medium text-zinc-900">
                    {conflict.collection} / <span className="font-mono text-sm">{conflict.recordId}</span>
                  </p>
                  <p className="text-sm text-zinc-500">
                    From {conflict.deviceName ?? "a removed device"} · {timeAgo(conflict.createdAt)} · <span className="font-mono text-xs">{conflict.id}</span>
                  </p>
                </div>
                <Badge tone="warning">{typeLabels[conflict.type]}</Badge>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
