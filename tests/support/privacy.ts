import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { getDb } from "~/server/db/client";
import { externalDataCache, integrations, integrationWebhooks, jobRuns, loginAttempts, oauthStates, providerEtags } from "~/server/db/schema";
import { userOwnedTableNames } from "~/server/db/tables";
import { storeTokens } from "~/server/integrations/tokens";
import { connectDevice } from "./callers";
import { change, push, userWithDevices } from "./sync";

export const keyBundle = () => ({
  params: { kdf: "PBKDF2-HMAC-SHA256" as const, iterations: 600_000, salt: "c2FsdHNhbHRzYWx0c2FsdA==", version: 1 as const },
  wrappedKey: "v1.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbb",
  keyCheck: "v1.cccccccccccccccc.dddddddddddddddddddddddd",
});

export async function rowsOf(userId: string) {
  const db = await getDb();
  const counts: Record<string, number> = {};
  for (const name of userOwnedTableNames()) {
    const result = (await db.execute(sql.raw(`select count(*)::int as n from "${name}" where user_id = '${userId}'`))) as unknown as { rows?: Array<{ n: number }> } | Array<{ n: number }>;
    counts[name] = (Array.isArray(result) ? result : result.rows!)[0]!.n;
  }
  return counts;
}

/** A user with something in (nearly) every table (and the secrets the server must never hand out): sync data, conflicts, keys, settings, consents, log, integration, cache, runs. */
export async function fullyUsedAccount(label: string) {
  const db = await getDb();
  const account = await userWithDevices(label);
  const { user, caller, laptop, desktop } = account;
  await caller.sync.keys.setup(keyBundle());
  await push(laptop, [change("p1", null, "v1"), change("a1", null, "a", { collection: "activities" })]);
  await push(laptop, [change("p1", 1, "v2")]);
  await push(desktop, [change("p1", 1, "desktop")]); // a conflict
  await caller.conflicts.rules.set({ collection: "projects", strategy: "manual" });
  await caller.privacy.updateSettings({ retentionPolicy: { cloudRetentionDays: 60 } });
  await caller.privacy.recordConsent({ type: "integration:github", granted: true });
  const [integration] = await db.insert(integrations).values({ userId: user.id, provider: "github", accountLogin: `${label}-login` }).returning();
  const accessToken = `gho_${randomUUID().replaceAll("-", "")}`;
  await storeTokens(db, { userId: user.id, provider: "github" }, { accessToken, refreshToken: null, expiresAt: null });
  await db.insert(integrationWebhooks).values({ integrationId: integration!.id, userId: user.id, provider: "github", repository: "o/r", hookId: String(Math.floor(Math.random() * 1e9)) });
  await db.insert(externalDataCache).values({ userId: user.id, provider: "github", dataType: "commit", externalId: `o/r@${randomUUID()}`, data: {} });
  await db.insert(providerEtags).values({ userId: user.id, provider: "github", resource: "GET /x", etag: '"e"' });
  await db.insert(oauthStates).values({ stateHash: randomUUID(), userId: user.id, provider: "github", redirectUri: "http://x/cb", expiresAt: new Date(Date.now() + 60_000) });
  await db.insert(jobRuns).values({ runId: randomUUID(), userId: user.id, functionId: "x", eventName: "x", status: "completed" });
  await db.insert(loginAttempts).values({ email: account.user.email, ip: "203.0.113.7", succeeded: false });
  const { token: deviceToken } = await connectDevice(caller, "tablet");
  return { ...account, deviceToken, accessToken };
}

