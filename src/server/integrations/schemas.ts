import { z } from "zod";
import { ZTimestamp } from "~/lib/schemas/primitives";
import { registeredProviderIds, type RegisteredProviderId } from "./registry";

/** The integration procedures' schemas: the provider they take, and their outputs (tRPC validates them; the REST document shows them). */

/** One of the registered providers (the `{provider}` of the REST paths). */
export const ZProviderId = z.enum(registeredProviderIds as [RegisteredProviderId, ...RegisteredProviderId[]], {
  error: `Unknown integration: choose one of ${registeredProviderIds.join(", ")}`,
});

/** The OAuth scopes DevPulse asks for, each with why it needs it (shown before connecting). */
const ZScopes = z.array(z.object({ scope: z.string(), why: z.string() })).readonly();

/** One provider as the integrations page shows it (listIntegrations). Never a token. */
export const ZIntegration = z.object({
  provider: ZProviderId,
  name: z.string(),
  kind: z.enum(["git", "chat", "calendar"]),
  state: z.enum(["not_configured", "available", "connected", "syncing", "error", "needs_reauth"]),
  /** Environment variables this server lacks for the provider. */
  missingConfiguration: z.array(z.string()),
  scopes: ZScopes,
  webUrl: z.string(),
  account: z.object({ login: z.string(), name: z.string().nullable() }).nullable(),
  grantedScopes: z.array(z.string()),
  autoSync: z.boolean(),
  lastSyncedAt: ZTimestamp.nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: ZTimestamp.nullable(),
  /** The provider's circuit is open after repeated failures: calls wait until then. */
  outage: z.object({ until: ZTimestamp.nullable() }).nullable(),
  connectedAt: ZTimestamp.nullable(),
});

/** Where to send the user to grant access (single-use state, PKCE), and what they grant. */
export const ZConnectionStart = z.object({ authorizationUrl: z.string(), expiresAt: ZTimestamp, scopes: ZScopes });

export const ZDisconnectResult = z.object({
  provider: ZProviderId,
  /** DevPulse's webhooks removed at the provider. */
  webhooksRemoved: z.number().int(),
  /** Whether the provider confirmed revoking the grant (best effort). */
  revoked: z.boolean(),
});

export const ZSyncQueued = z.object({ queued: z.literal(true), eventId: z.string().nullable() });

/** A repository the connected account can access (from the last sync). */
export const ZCachedRepository = z.object({
  provider: z.string(),
  /** owner/name on GitHub, group/project path on GitLab. */
  fullName: z.string(),
  providerId: z.string(),
  url: z.string(),
  private: z.boolean(),
  permission: z.enum(["admin", "write", "read"]),
  defaultBranch: z.string().nullable(),
  pushedAt: z.string().nullable(),
  cachedAt: ZTimestamp,
});

/** A commit by one of the connected identities, with its size. */
export const ZCachedCommit = z.object({
  provider: z.enum(["github", "gitlab"]),
  sha: z.string(),
  repository: z.string(),
  message: z.string(),
  url: z.string().nullable(),
  authorName: z.string().nullable(),
  authorEmail: z.string().nullable(),
  authorLogin: z.string().nullable(),
  /** ISO 8601, as the provider reported it. */
  committedAt: z.string(),
  additions: z.number().int(),
  deletions: z.number().int(),
  /** How many files the commit touched. */
  files: z.number().int(),
});
