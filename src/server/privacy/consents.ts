import { and, asc, count, eq } from "drizzle-orm";
import { z } from "zod";
import { providerName, PROVIDERS } from "~/lib/providers";
import { integrationProvider } from "~/lib/realtime/events";
import type { DbOrTx } from "../db/client";
import { consents, externalDataCache, integrations, syncRecords } from "../db/schema";
import { jobs } from "../jobs/send";
import { recordProcessing } from "./processing-log";
import { getPrivacySettings, writePrivacySettings } from "./settings";

/** The privacy policy a consent was given under; bump it when the policy changes. */
export const POLICY_VERSION = "2026-11-23";

export const ZConsentType = z.union([z.literal("cloud_sync"), z.templateLiteral(["integration:", integrationProvider])], {
  error: 'Consent type must be "cloud_sync" or "integration:<provider>"',
});
export type ConsentType = z.infer<typeof ZConsentType>;
export const ZRecordConsentInput = z.object({ type: ZConsentType, granted: z.boolean() });

const providerOf = (type: ConsentType) => (type === "cloud_sync" ? null : (type.slice("integration:".length) as z.infer<typeof integrationProvider>));

/** The latest decision for one type, or undefined if the user never decided. */
export async function currentConsent(db: DbOrTx, userId: string, type: ConsentType) {
  const history = await db.select().from(consents).where(and(eq(consents.userId, userId), eq(consents.type, type))).orderBy(asc(consents.id));
  return history.at(-1);
}

/**
 * Records a consent decision (append-only) and applies it at once: granting turns
 * the processing on, withdrawing turns it off before this returns. Says whether
 * there is data to offer deleting.
 */
export async function recordConsent(db: DbOrTx, userId: string, input: z.infer<typeof ZRecordConsentInput>) {
  await db.insert(consents).values({ userId, type: input.type, granted: input.granted, policyVersion: POLICY_VERSION });
  const settings = await getPrivacySettings(db, userId);
  const provider = providerOf(input.type);
  if (provider === null) settings.enableCloudSync = input.granted;
  else settings.integrations[provider] = { ...(settings.integrations[provider] ?? { permissions: [], autoSync: true, retentionDays: 90 }), enabled: input.granted };
  await writePrivacySettings(db, userId, settings);
  // A chat provider follows the decision at once: withdrawn takes our status down there, given shows it again.
  if (provider !== null && PROVIDERS[provider].kind === "chat") await jobs.send({ name: "status/apply.requested", data: { userId } });
  await recordProcessing(db, userId, {
    activity: "consent_change",
    purpose: `Record that you ${input.granted ? "gave" : "withdrew"} consent to ${provider === null ? "cloud sync" : `the ${providerName(provider)} integration`}`,
    legalBasis: "legal_obligation",
    details: { type: input.type, granted: input.granted, policyVersion: POLICY_VERSION },
  });
  let offerDeletion = false;
  if (!input.granted) {
    const [held] =
      provider === null
        ? await db.select({ n: count() }).from(syncRecords).where(eq(syncRecords.userId, userId))
        : await db.select({ n: count() }).from(integrations).where(and(eq(integrations.userId, userId), eq(integrations.provider, provider)));
    const [cached] = provider === null ? [{ n: 0 }] : await db.select({ n: count() }).from(externalDataCache).where(and(eq(externalDataCache.userId, userId), eq(externalDataCache.provider, provider)));
    offerDeletion = (held?.n ?? 0) + (cached?.n ?? 0) > 0;
  }
  return { type: input.type, granted: input.granted, offerDeletion };
}

/** The consent history (append-only, oldest first) and the decision in force per type. */
export async function listConsents(db: DbOrTx, userId: string) {
  const history = await db
    .select({ id: consents.id, type: consents.type, granted: consents.granted, policyVersion: consents.policyVersion, createdAt: consents.createdAt })
    .from(consents)
    .where(eq(consents.userId, userId))
    .orderBy(asc(consents.id));
  const current: Record<string, { granted: boolean; policyVersion: string; at: Date }> = {};
  for (const entry of history) current[entry.type] = { granted: entry.granted, policyVersion: entry.policyVersion, at: entry.createdAt };
  return { policyVersion: POLICY_VERSION, current, history: [...history].reverse() };
}
