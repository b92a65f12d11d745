import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { RecordHistory } from "~/components/conflicts/record-history";
import { PageHeader } from "~/components/ui/page-header";
import { collectionLabel, ZRecordId, ZSyncCollection } from "~/lib/schemas/collections";

export const metadata: Metadata = { title: "Record history" };

export default async function RecordHistoryPage({ params }: { params: Promise<{ collection: string; recordId: string }> }) {
  const raw = await params;
  const collection = ZSyncCollection.safeParse(raw.collection);
  const recordId = ZRecordId.safeParse(decodeURIComponent(raw.recordId));
  if (!collection.success || !recordId.success) notFound();
  return (
    <>
      <Link href="/conflicts" className="mb-3 inline-block text-sm font-medium text-brand-600 hover:text-brand-700">
        ← All conflicts
      </Link>
      <PageHeader title="Record history" description={`${collectionLabel(collection.data)} / ${recordId.data}`} />
      <RecordHistory collection={collection.data} recordId={recordId.data} />
    </>
  );
}
