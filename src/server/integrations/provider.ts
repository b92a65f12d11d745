import type { IntegrationProvider as ProviderId } from "~/lib/realtime/events";
import type { DbOrTx } from "../db/client";
import type { PageStore, ValidatorLookup, Validators } from "./conditional";
import type { Env } from "../env";
import type { WebhookOutcome } from "./webhooks";

export type { ProviderId };

/**
 * The one interface every integration implements (one folder per provider under
 * src/server/integrations/<provider>/, one line in registry.ts). Providers speak
 * HTTP and translate shapes; the framework around them (oauth.ts, token storage,
 * resilience.ts, git-sync.ts, jobs) does everything else the same way for all.
 */

export type OAuthClientSettings = {
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** Minimal scopes, each with the reason shown to the user before they connect. */
  scopes: readonly { scope: string; why: string }[];
  scopeSeparator: " " | ",";
  /** RFC 7636 S256 code challenge on the authorization request. */
  pkce: boolean;
  /** Extra authorization parameters the provider needs (GitLab: response_type is standard; some need prompt=consent). */
  extraAuthorizeParams?: Record<string, string>;
};

/** Either the provider can be connected, or what the operator must set first. */
export type ProviderConfiguration = { ok: true; oauth: OAuthClientSettings } | { ok: false; missing: string[] };

export type ConnectedAccount = { accountId: string; login: string; displayName: string | null; emails: string[] };

/** What a provider call needs: a usable access token (refreshed by the framework) and who it belongs to. */
export type ProviderSession = {
  userId: string;
  accessToken: string;
  account: { id: string | null; login: string | null; name: string | null; emails: readonly string[] };
};

export type Repository = {
  /** owner/name on GitHub, group/project path on GitLab. */
  fullName: string;
  /** The provider's own id (GitLab calls need it). */
  providerId: string;
  url: string;
  private: boolean;
  permission: "admin" | "write" | "read";
  defaultBranch: string | null;
  pushedAt: string | null;
};

export type Commit = {
  sha: string;
  repository: string;
  message: string;
  url: string | null;
  authorName: string | null;
  authorEmail: string | null;
  authorLogin: string | null;
  committedAt: string;
  /** Null until fetched: list endpoints do not always carry stats (commitStats fills them in). */
  additions: number | null;
  deletions: number | null;
  files: number | null;
};

export type CommitStats = { additions: number; deletions: number; files: number };

/**
 * A conditional list request: unchanged (304), or the full result with the validators to
 * keep for its first page's URL (kept by the framework once the result is processed, so a
 * failed run never leaves a validator that hides what it did not process).
 */
export type Conditional<T> = { notModified: true } | { notModified: false; items: T[]; url: string; validators: Validators };

export interface GitProvider {
  readonly id: "github" | "gitlab";
  readonly name: string;
  readonly kind: "git";
  /** Where the provider's web UI lives (for links and the "connected as" line). */
  webUrl(env: Env): string;
  configuration(env: Env, redirectUri: string): ProviderConfiguration;
  fetchAccount(env: Env, accessToken: string): Promise<ConnectedAccount>;
  /** Revokes the grant at the provider where it can (best effort: tokens are deleted here regardless). */
  revoke(env: Env, tokens: { accessToken: string; refreshToken: string | null }): Promise<void>;
  /** Every accessible repository, every page conditional on what `pages` kept of it (none: unconditional). */
  listRepositories(env: Env, session: ProviderSession, pages?: PageStore<Repository>): Promise<{ items: Repository[]; notModified: boolean }>;
  /** Commits by the connected identity in one repository, newest first, every page; conditional on the first page's validators. */
  listCommits(env: Env, session: ProviderSession, repository: Repository, range: { since: string; until?: string }, known: ValidatorLookup | null): Promise<Conditional<Commit>>;
  commitStats(env: Env, session: ProviderSession, repository: Repository, sha: string): Promise<CommitStats>;
  /**
   * Webhooks: create on connect where the token allows (null: not allowed), remove on disconnect.
   * Safe to repeat: a hook of ours already there (same URL) is returned instead of a second one.
   */
  createWebhook(env: Env, session: ProviderSession, repository: Repository, hook: { url: string; secret: string }): Promise<{ hookId: string } | null>;
  removeWebhook(env: Env, session: ProviderSession, repository: string, hookId: string): Promise<void>;
  /** A delivery to /api/webhooks/<provider>: verify it (constant time), deduplicate, and say which job to run. */
  receiveWebhook(db: DbOrTx, env: Env, headers: Headers, body: string): Promise<WebhookOutcome>;
}

export type Provider = GitProvider;
