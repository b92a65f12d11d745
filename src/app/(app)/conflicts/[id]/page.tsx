import type { Metadata } from "next";
import Link from "next/link";
import { ConflictResolver } from "~/components/conflicts/conflict-resolver";
import { PageHeader } from "~/components/ui/page-header";

export const metadata: Metadata = { title: "Resolve conflict" };

export default async function ConflictPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <>
      <Link href="/conflicts" className="mb-3 inline-block text-sm font-medium text-brand-600 hover:text-brand-700">
        ← All conflicts
      </Link>
      <PageHeader title="Resolve conflict" description="Compare the versions, decrypted in your browser, and choose what the record becomes on every device." />
      <ConflictResolver id={id} />
    </>
  );
}
