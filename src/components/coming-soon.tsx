import type { ReactNode } from "react";
import { Badge } from "./ui/badge";
import { Card } from "./ui/card";
import { PageHeader } from "./ui/page-header";

/** An honest placeholder for a capability that is not built yet: what it will do, nothing pretended. */
export function ComingSoon({ title, description, icon, planned }: { title: string; description: string; icon: ReactNode; planned: string[] }) {
  return (
    <>
      <PageHeader title={title} description={description} />
      <Card className="p-6 sm:p-8">
        <div className="flex items-start gap-4">
          <span className="flex size-11 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600">{icon}</span>
          <div>
            <div className="flex flex-wrap items-center gap-2">
              <h2 className="font-semibold text-zinc-900">Not available yet</h2>
              <Badge tone="warning">In development</Badge>
            </div>
            <p className="mt-1 text-sm text-zinc-600">This page does nothing yet. When it ships, you will be able to:</p>
            <ul className="mt-3 list-disc space-y-1 pl-5 text-sm text-zinc-700">
              {planned.map((item) => (
                <li key={item}>{item}</li>
              ))}
            </ul>
          </div>
        </div>
      </Card>
    </>
  );
}
