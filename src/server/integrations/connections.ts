import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { externalDataCache, integrations, integrationTokens, providerEtags } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import { logger } from "../logger";
import { currentConsent, recordConsent } from "../privacy/consents";
import { recordProcessing } from "../privacy/processing-log";
import { getPrivacySettings } from "../privacy/settings";
import { publishSafely } from "../realtime/publisher";
import { recordIntegrationFailure } from "./failures";
import { consumeState, exchangeCode, refreshTokens, startAuthorization } from "./oauth";
import type { ChatGrant, ProviderSession } from "./provider";
import { isCalendarProvider, isChatProvider, isGitProvider, providers, registeredProviderIds, type RegisteredProviderId } from "./registry";
import type { JobEvent } from "../jobs/events";
import { stopWatches } from "../calendar/watches";
import { jobs } from "../jobs/send";
import { connectChatTarget, withdrawChatStatus } from "../status/targets";
import { circuitState, ProviderError, providerName } from "./resilience";
import { removeWebhooks } from "./git-sync";
import { expireLostSyncs } from "./sync-runs";
import { readTokens, storeTokens, type ProviderTokens } from "./tokens";
import { CONNECT_ERRORS } from "~/lib/connect-errors";

/** Refresh tokens this long before they expire, so a sync never starts with a token about to die. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

export type IntegrationState = "not_configured" | "available" | "connected" | "syncing" | "error" | "needs_reauth";

async function integrationRow(db: DbOrTx, userId: string, provider: RegisteredProviderId) {
  const [row] = await db.select().from(integrations).where(and(eq(integrations.userId, userId), eq(integrations.provider, provider)));
  return row;
}

/** Every registered provider with what the integrations page shows about it. Never a token. */
export async function listIntegrations(db: DbOrTx, env: Env, userId: string) {
  // A run lost past its deadline shows as the error it is (and the page stops following it) without waiting for the hourly scheduler.
  await expireLostSyncs(db, { userId });
  const rows = await db.select().from(integrations).where(eq(integrations.userId, userId));
  const privacy = await getPrivacySettings(db, userId);
  return registeredProviderIds.map((id) => {
    const provider = providers[id];
    const configuration = provider.configuration(env, "");
    const row = rows.find((candidate) => candidate.provider === id);
    const state: IntegrationState = row ? row.status : configuration.ok ? "available" : "not_configured";
    const circuit = circuitState(id);
    return {
      provider: id,
      name: provider.name,
      kind: provider.kind,
      state,
      missingConfiguration: configuration.ok ? [] : configuration.missing,
      scopes: configuration.ok ? configuration.oauth.scopes : [],
      webUrl: provider.webUrl(env),
      account: row?.accountLogin ? { login: row.accountLogin, name: row.accountName } : null,
      grantedScopes: row?.scopes ?? [],
      autoSync: privacy.integrations[id]?.autoSync ?? true,
      lastSyncedAt: row?.lastSyncedAt ?? null,
      lastError: row?.lastError ?? null,
      lastErrorAt: row?.lastErrorAt ?? null,
      outage: circuit.open ? { until: circuit.openUntil } : null,
      connectedAt: row?.createdAt ?? null,
    };
  });
}

function configured(env: Env, provider: RegisteredProviderId) {
  const configuration = providers[provider].configuration(env, "");
  if (!configuration.ok) {
    throw new AppError("PRECONDITION_FAILED", `${providerName(provider)} is not configured on this server: set ${configuration.missing.join(" and ")}.`);
  }
  return configuration.oauth;
}

/** Step one of connecting: where to send the user, with the scopes they are about to grant. */
export async function beginConnection(db: DbOrTx, env: Env, userId: string, provider: RegisteredProviderId, options: { consent?: boolean } = {}) {
  const oauth = configured(env, provider);
  // Connecting processes the user's data at the provider: it needs their recorded consent.
  if (options.consent) await recordConsent(db, userId, { type: `integration:${provider}`, granted: true });
  else if (!(await currentConsent(db, userId, `integration:${provider}`))?.granted) {
    throw new AppError("PRECONDITION_FAILED", `Connecting ${providerName(provider)} needs your consent first: agree to what it will read, then connect.`);
  }
  const started = await startAuthorization(db, env, userId, provider, oauth);
  return { ...started, scopes: oauth.scopes };
}

/** The OAuth callback: consume the state, exchange the code, look up the account, store everything. */
export async function completeConnection(
  db: DbOrTx,
  env: Env,
  userId: string,
  provider: RegisteredProviderId,
  callback: { code?: string | null; state?: string | null; error?: string | null; errorDescription?: string | null },
) {
  const name = providerName(provider);
  if (!callback.state) throw new AppError("BAD_REQUEST", CONNECT_ERRORS.noState(name));
  const { redirectUri, codeVerifier } = await consumeState(db, userId, provider, callback.state);
  if (callback.error) {
    throw new AppError("BAD_REQUEST", callback.error === "access_denied" ? CONNECT_ERRORS.cancelled(name) : `${name} refused: ${callback.errorDescription ?? callback.error}.`);
  }
  if (!callback.code) throw new AppError("BAD_REQUEST", CONNECT_ERRORS.noCode(name));
  const oauth = configured(env, provider);
  const implementation = providers[provider];
  const granted: ChatGrant =
    implementation.kind === "chat"
      ? await implementation.exchangeCode(env, oauth, { code: callback.code, redirectUri, codeVerifier })
      : await exchangeCode(provider, oauth, { code: callback.code, redirectUri, codeVerifier });
  const account = await implementation.fetchAccount(env, granted.accessToken);
  const values = {
    status: "connected" as const,
    accountId: account.accountId,
    accountLogin: account.login,
    accountName: account.displayName,
    accountEmails: account.emails,
    scopes: granted.scopes ?? oauth.scopes.map((entry) => entry.scope),
    lastError: null,
    lastErrorAt: null,
    updatedAt: new Date(),
  };
  const [row] = await db
    .insert(integrations)
    .values({ userId, provider, ...values })
    .onConflictDoUpdate({ target: [integrations.userId, integrations.provider], set: values })
    .returning({ id: integrations.id });
  await storeTokens(db, { userId, provider }, granted);
  if (implementation.kind === "chat") await connectChatTarget(db, { integrationId: row!.id, userId, provider: implementation.id }, granted.state ?? {});
  await publishSafely(userId, "integration:connected", { provider, account: account.login });
  await jobs.send(syncRequestFor(userId, provider));
  return { provider, account: account.login };
}

/** What "sync now" means for each kind: git and calendars fetch from the provider; chat shows the current status there. */
export function syncRequestFor(userId: string, provider: RegisteredProviderId): JobEvent {
  if (isCalendarProvider(provider)) return { name: "calendar/sync.requested", data: { userId, provider } };
  if (isChatProvider(provider)) return { name: "status/apply.requested", data: { userId } };
  return { name: "integration/sync.requested", data: { userId, provider } };
}

const expiringSoon = (tokens: ProviderTokens) => tokens.expiresAt !== null && tokens.expiresAt.getTime() - Date.now() < REFRESH_MARGIN_MS;

/**
 * A session with a usable access token, refreshed first when it is about to expire.
 * A failed refresh puts the integration in needs_reauth (and says so live).
 */
export async function providerSession(db: DbOrTx, env: Env, userId: string, provider: RegisteredProviderId): Promise<ProviderSession> {
  const row = await integrationRow(db, userId, provider);
  let tokens = row ? await readTokens(db, { userId, provider }) : null;
  if (!row || !tokens) throw new AppError("NOT_FOUND", `${providerName(provider)} is not connected.`);
  if (expiringSoon(tokens)) {
    const refreshed = await refreshSingleFlight(db, env, row.id, { userId, provider });
    if (!refreshed.ok) return needsReauth(db, userId, provider, refreshed.reason);
    tokens = refreshed.tokens;
  }
  return { userId, accessToken: tokens.accessToken, account: { id: row.accountId, login: row.accountLogin, name: row.accountName, emails: row.accountEmails } };
}

type Refreshed = { ok: true; tokens: ProviderTokens } | { ok: false; reason: string };

/**
 * Refreshes an integration's tokens once, however many jobs and instances ask at the same
 * time. Providers that rotate refresh tokens (GitLab, GitHub Apps) refuse a refresh token
 * the second time, so two refreshes of the same tokens would put a healthy integration in
 * needs_reauth. The token row is locked (`select … for update`) for the refresh: a second
 * caller waits for the first to commit, reads the tokens again, and uses the new ones.
 * A row lock rather than an advisory lock: it dies with the transaction, needs no key
 * scheme, and PGlite (one connection, transactions run one at a time) honours it too.
 * The provider call happens inside the transaction, which is bounded by resilientFetch's
 * retries; on PGlite that briefly holds the (single-process) database, an accepted cost.
 * A refused refresh is returned, not recorded: the caller decides (needs_reauth, or
 * disconnecting anyway), outside the transaction.
 */
async function refreshSingleFlight(db: DbOrTx, env: Env, integrationId: string, owner: { userId: string; provider: RegisteredProviderId }, configuration = configured(env, owner.provider)): Promise<Refreshed> {
  return db.transaction(async (tx): Promise<Refreshed> => {
    await tx.select({ id: integrationTokens.integrationId }).from(integrationTokens).where(eq(integrationTokens.integrationId, integrationId)).for("update");
    const current = await readTokens(tx, owner);
    if (!current) return { ok: false, reason: "The authorization is gone." };
    if (!expiringSoon(current)) return { ok: true, tokens: current }; // another caller refreshed while this one waited
    if (!current.refreshToken) return { ok: false, reason: "The authorization expired and cannot be renewed." };
    try {
      const implementation = providers[owner.provider];
      const granted =
        implementation.kind === "chat" ? await implementation.refreshTokens(env, configuration, current.refreshToken) : await refreshTokens(owner.provider, configuration, current.refreshToken);
      const tokens = { accessToken: granted.accessToken, refreshToken: granted.refreshToken ?? current.refreshToken, expiresAt: granted.expiresAt };
      await storeTokens(tx, owner, tokens);
      return { ok: true, tokens };
    } catch (error) {
      if (error instanceof ProviderError && error.kind === "unauthorized") return { ok: false, reason: error.message };
      throw error;
    }
  });
}

async function needsReauth(db: DbOrTx, userId: string, provider: RegisteredProviderId, reason: string): Promise<never> {
  const message = `${reason} Reconnect ${providerName(provider)} to continue.`;
  await recordIntegrationFailure(db, { userId, provider, message, status: "needs_reauth" });
  throw new ProviderError(provider, "unauthorized", message);
}

/**
 * Disconnects: removes our webhooks and revokes the grant at the provider where it
 * can (best effort — a provider outage must not keep tokens here), then deletes the
 * tokens, the integration and everything cached from it.
 */
export async function disconnectIntegration(db: DbOrTx, env: Env, userId: string, provider: RegisteredProviderId) {
  const row = await integrationRow(db, userId, provider);
  if (!row) throw new AppError("NOT_FOUND", `${providerName(provider)} is not connected.`);
  const tokens = await usableTokensForDisconnect(db, env, row.id, { userId, provider });
  const atProvider = { webhooksRemoved: 0, revoked: false };
  if (tokens) {
    const session: ProviderSession = { userId, accessToken: tokens.accessToken, account: { id: row.accountId, login: row.accountLogin, name: row.accountName, emails: row.accountEmails } };
    if (isGitProvider(provider)) atProvider.webhooksRemoved = (await removeWebhooks(db, env, session, provider)).removed;
    // Ours is taken down (the user's own status put back) while the token still works.
    if (isChatProvider(provider)) await withdrawChatStatus(db, env, session, provider).catch((error: unknown) => logger.warn("could not clear the chat status before disconnecting", { provider, error }));
    if (isCalendarProvider(provider)) await stopWatches(db, env, session, provider).catch((error: unknown) => logger.warn("could not stop the calendar notifications before disconnecting", { provider, error }));
    await providers[provider]
      .revoke(env, tokens)
      .then(() => void (atProvider.revoked = true))
      .catch((error: unknown) => logger.warn("could not revoke the grant at the provider", { provider, error }));
  }
  await db.delete(integrationTokens).where(eq(integrationTokens.integrationId, row.id));
  await db.delete(externalDataCache).where(and(eq(externalDataCache.userId, userId), eq(externalDataCache.provider, provider)));
  await db.delete(providerEtags).where(and(eq(providerEtags.userId, userId), eq(providerEtags.provider, provider)));
  await db.delete(integrations).where(eq(integrations.id, row.id)); // cascades to webhooks, calendars and their events, focus blocks and conflicts
  await recordProcessing(db, userId, {
    activity: "deletion",
    purpose: `Disconnect ${providerName(provider)} and delete its tokens and the data it brought`,
    legalBasis: "consent",
    details: { provider, revoked: atProvider.revoked, webhooksRemoved: atProvider.webhooksRemoved },
  });
  await publishSafely(userId, "integration:disconnected", { provider });
  return { provider, ...atProvider };
}

/**
 * The tokens to clean up at the provider with: refreshed first when they are about
 * to expire (an expired token cannot remove our webhooks), the stored ones when the
 * refresh fails. Disconnecting never records a failure: the integration is going away.
 * The refresh is the same single-flight one as a sync's, so a sync running meanwhile
 * does not spend the refresh token under it.
 */
async function usableTokensForDisconnect(db: DbOrTx, env: Env, integrationId: string, owner: { userId: string; provider: RegisteredProviderId }) {
  const tokens = await readTokens(db, owner).catch(() => null);
  if (!tokens?.refreshToken || !expiringSoon(tokens)) return tokens;
  const configuration = providers[owner.provider].configuration(env, "");
  if (!configuration.ok) return tokens;
  const refreshed = await refreshSingleFlight(db, env, integrationId, owner, configuration.oauth).catch(() => null);
  return refreshed?.ok ? refreshed.tokens : tokens;
}


export async function requireIntegration(db: DbOrTx, userId: string, provider: RegisteredProviderId) {
  const row = await integrationRow(db, userId, provider);
  if (!row) throw new AppError("NOT_FOUND", `${providerName(provider)} is not connected.`);
  return row;
}
