import type { IntegrationProvider as ProviderId } from "~/lib/realtime/events";
import type { DbOrTx } from "../db/client";
import type { PageStore, ValidatorLookup, Validators } from "./conditional";
import type { Env } from "../env";
import type { GrantedTokens } from "./oauth";
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
  /** The authorization parameter the scopes go in: Slack asks for user-token scopes as `user_scope`. */
  scopeParam?: "scope" | "user_scope";
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

/** What a chat status shows: Slack's `:name:` emoji or a Unicode emoji, a short text, and when the provider should drop it. */
export type ChatStatusContent = { text: string; emoji: string; expiresAt: Date | null };

/**
 * Provider-specific facts kept with the connection and with what we last wrote
 * (Discord: the server the bot was added to, the channel the user picked, our message there).
 * Plain JSON, never a secret.
 */
export type ChatProviderState = { guildId?: string; guildName?: string; channelId?: string; messageId?: string };

export type ChatSession = ProviderSession & { state: ChatProviderState };

/** Tokens from a code exchange or refresh, plus provider facts to keep with the connection. */
export type ChatGrant = GrantedTokens & { state?: ChatProviderState };

/**
 * A chat service that shows what the developer is doing. Providers speak HTTP and
 * translate shapes; status/ decides what to show, guards the user's own status and
 * schedules the clears. Errors are ProviderErrors (resilience.ts): `rate_limited`
 * carries `retryAt`, a refused token is `unauthorized`.
 */
export interface ChatProvider {
  readonly id: "slack" | "discord";
  readonly name: string;
  readonly kind: "chat";
  /** What the platform allows, so the pages say what it does not. */
  readonly capabilities: {
    /** Slack: the user's own profile status (read and written with their token). Discord: false — a bot cannot. */
    userStatus: boolean;
    /** Slack: Do Not Disturb during focus. */
    doNotDisturb: boolean;
    /** Discord: a message per user in a channel the user picks, edited in place. */
    channelMessage: boolean;
  };
  webUrl(env: Env): string;
  configuration(env: Env, redirectUri: string): ProviderConfiguration;
  /** The provider's token endpoint does not answer RFC 6749 JSON (Slack nests user tokens), or returns facts to keep (Discord's guild). */
  exchangeCode(env: Env, oauth: OAuthClientSettings, grant: { code: string; redirectUri: string; codeVerifier: string | null }): Promise<ChatGrant>;
  refreshTokens(env: Env, oauth: OAuthClientSettings, refreshToken: string): Promise<GrantedTokens>;
  fetchAccount(env: Env, accessToken: string): Promise<ConnectedAccount>;
  revoke(env: Env, tokens: { accessToken: string; refreshToken: string | null }): Promise<void>;
  /**
   * The status the user shows now (null: none). Slack: the profile's status, with its
   * expiration. Discord: our message as it stands in the channel (null when gone).
   */
  readStatus(env: Env, session: ChatSession): Promise<ChatStatusContent | null>;
  /**
   * Shows `status`, or clears it (null). `displayName` is how a team message names the
   * user. Returns the state to keep (Discord: the message id; a deleted message is re-posted).
   */
  writeStatus(env: Env, session: ChatSession, status: ChatStatusContent | null, options: { displayName: string }): Promise<ChatProviderState>;
  /** Do Not Disturb until `until`, or off (null). Only called when `capabilities.doNotDisturb`. */
  setDoNotDisturb(env: Env, session: ChatSession, until: Date | null): Promise<void>;
  /** Discord: the text channels of the connected server the bot can post in. Slack: none. */
  listChannels(env: Env, session: ChatSession): Promise<{ id: string; name: string }[]>;
}

/** A calendar as the provider lists it. */
export type CalendarInfo = {
  id: string;
  name: string;
  primary: boolean;
  /** The user may create events in it. */
  canWrite: boolean;
  timeZone: string | null;
  color: string | null;
};

/**
 * One event (an expanded instance of a recurring one), in the shape the calendar domain
 * keeps. Times are ISO date-times with an offset; all-day events span whole UTC days.
 * `title` and `attendees` are read from the provider but cached only when the user allows it.
 */
export type CalendarEvent = {
  id: string;
  calendarId: string;
  title: string | null;
  start: string;
  end: string;
  allDay: boolean;
  /** Blocks time (opaque / showAs busy, tentative, oof, workingElsewhere); free events do not. */
  busy: boolean;
  /** Private / confidential: the title is never shown, whatever the settings. */
  private: boolean;
  status: "confirmed" | "tentative" | "cancelled";
  /** Google focusTime, or a Microsoft event in the Focus category. */
  focusTime: boolean;
  /** The series this instance belongs to. */
  seriesId: string | null;
  attendees: number;
  url: string | null;
};

/**
 * One round of incremental sync for one calendar over a window: the events changed since
 * `cursor` (all of them when the cursor is null) and the ids removed, every page read, and
 * the cursor for next time (Google's nextSyncToken, Graph's deltaLink). A cursor the
 * provider no longer accepts (Google 410 fullSyncRequired, Graph 410 SyncStateNotFound)
 * answers `{ expired: true }`: the caller starts again with a null cursor.
 */
export type CalendarChanges = { expired: true } | { expired: false; full: boolean; events: CalendarEvent[]; removedIds: string[]; cursor: string };

export type FocusBlockInput = {
  /** Chosen by us and stable across retries: Google's event id (base32hex), Graph's transactionId. A retried create never duplicates. */
  clientId: string;
  title: string;
  description: string | null;
  start: string;
  end: string;
  timeZone: string;
  /** RFC 5545 RRULE ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR") for a recurring focus session. */
  recurrence: string | null;
  /** Google focusTime: decline new invitations, and the chat status Google shows. */
  autoDecline: boolean;
  /** Minutes before the start to remind; empty: none. */
  reminders: number[];
};

/** What was made: the provider's event id, and whether it is a native focus-time event or a busy event standing in for one. */
export type FocusBlockCreated = { eventId: string; kind: "focusTime" | "busyEvent" };

/** Push notifications: a Google channel or a Graph subscription, renewed before `expiresAt`. */
export type CalendarWatch = { id: string; resourceId: string | null; expiresAt: Date };

/**
 * A push delivery to /api/webhooks/<provider>-calendar, as the provider sent it: not yet
 * trusted (the calendar domain checks each token against the watch it names, in constant time).
 * - `handshake`: Graph's subscription validation; `answer` goes back as text/plain within 10 s.
 * - `notifications`: one entry per watch named. `signal` says what to do: `sync` the calendar,
 *   `missed` (resync from scratch), `reauthorize` (renew the watch with a fresh token),
 *   `removed` (create a new watch), `ignore` (Google's "sync" hello on a new channel).
 */
export type CalendarNotification =
  | { kind: "handshake"; answer: string }
  | {
      kind: "notifications";
      items: {
        watchId: string;
        token: string | null;
        signal: "sync" | "missed" | "reauthorize" | "removed" | "ignore";
        /** What names this message, where the provider gives it (Google numbers each channel's messages; Graph names the changed event's version): a replay of it is acknowledged and changes nothing. */
        deliveryId?: string;
      }[];
    };

export interface CalendarProvider {
  readonly id: "google" | "microsoft";
  readonly name: string;
  readonly kind: "calendar";
  webUrl(env: Env): string;
  /** OAuth with state and PKCE; the token endpoint answers RFC 6749 JSON, so the framework's exchange and refresh serve (oauth.ts). */
  configuration(env: Env, redirectUri: string): ProviderConfiguration;
  fetchAccount(env: Env, accessToken: string): Promise<ConnectedAccount>;
  revoke(env: Env, tokens: { accessToken: string; refreshToken: string | null }): Promise<void>;
  listCalendars(env: Env, session: ProviderSession): Promise<CalendarInfo[]>;
  syncEvents(env: Env, session: ProviderSession, calendarId: string, window: { from: string; to: string }, cursor: string | null): Promise<CalendarChanges>;
  createFocusBlock(env: Env, session: ProviderSession, calendarId: string, block: FocusBlockInput): Promise<FocusBlockCreated>;
  updateFocusBlock(env: Env, session: ProviderSession, calendarId: string, eventId: string, change: Partial<Pick<FocusBlockInput, "title" | "description" | "start" | "end" | "timeZone">>): Promise<void>;
  /** Gone already counts as deleted. */
  deleteFocusBlock(env: Env, session: ProviderSession, calendarId: string, eventId: string): Promise<void>;
  /** Starts push notifications for one calendar to `address`; `token` comes back with each (Google's channel token, Graph's clientState). */
  watch(env: Env, session: ProviderSession, calendarId: string, target: { address: string; token: string; expiresAt: Date }): Promise<CalendarWatch>;
  renewWatch(env: Env, session: ProviderSession, calendarId: string, watch: CalendarWatch, target: { address: string; token: string; expiresAt: Date }): Promise<CalendarWatch>;
  stopWatch(env: Env, session: ProviderSession, watch: CalendarWatch): Promise<void>;
  /** Reads a push delivery (headers, the URL with its query, the raw body); null when it is not one of this provider's (answered 400). */
  parseNotification(headers: Headers, url: URL, body: string): CalendarNotification | null;
  /** Declines an invitation as the connected user (a meeting that landed on a focus block). Gone already counts as declined. */
  declineEvent(env: Env, session: ProviderSession, calendarId: string, eventId: string): Promise<void>;
}

export type Provider = GitProvider | ChatProvider | CalendarProvider;
