import type { Metadata } from "next";
import { ConfirmEmail } from "~/components/account/confirm-email";

// The token is in the URL: never send it on to another site as a Referer.
export const metadata: Metadata = { title: "Confirm your new email", referrer: "no-referrer" };
export const dynamic = "force-dynamic";

export default async function ConfirmEmailPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { token } = await searchParams;
  return <ConfirmEmail token={typeof token === "string" ? token : ""} />;
}
