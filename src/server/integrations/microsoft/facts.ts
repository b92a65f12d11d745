import type { Env } from "../../env";

/**
 * What Microsoft 365 / Outlook calendars are, as data: where the identity platform and Graph
 * live, what we ask for and why, the limits we design for and the error codes we act on
 * (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow,
 * https://learn.microsoft.com/graph/delta-query-events,
 * https://learn.microsoft.com/graph/change-notifications-delivery-webhooks,
 * https://learn.microsoft.com/graph/throttling). Code elsewhere in this folder only handles
 * what differs from these facts.
 */
export const MICROSOFT = {
  /** Relative to MICROSOFT_LOGIN_URL, under the tenant (common, organizations, consumers, an id or a domain). */
  authorizePath: "/oauth2/v2.0/authorize",
  tokenPath: "/oauth2/v2.0/token",
  scopeSeparator: " ",
  pkce: true,
  /** Bare scope names mean Microsoft Graph's. No openid/profile/User.Read: the account is read from the calendar's owner. */
  scopes: [
    { scope: "Calendars.ReadWrite", why: "See when you are busy in your Outlook calendars and add, move or remove the focus blocks you schedule in DevPulse." },
    { scope: "offline_access", why: "Keep your calendar in sync while you are away, without asking you to sign in to Microsoft again every hour." },
  ],
  limits: {
    /**
     * Longest lifetime Graph gives a subscription to Outlook events: 4,230 minutes (under three days)
     * for years in v1.0, and what the double enforces; newer documentation allows 10,080 minutes.
     * Asking for the smaller one works on every tenant.
     */
    subscriptionMaxMinutes: 4_230,
    /** Kept off the maximum, so a clock a little ahead of Graph's is not refused ("can only be N minutes in the future"). */
    subscriptionClockSkewMinutes: 5,
    /** Renew a subscription when less than this is left: a day of slack for failed or delayed renewal jobs. */
    renewalMarginMinutes: 24 * 60,
    /** clientState (our watch token) is at most 128 characters. */
    clientStateMaxLength: 128,
    /** Prefer: odata.maxpagesize for calendarView/delta (Graph's default page is 10 events). */
    pageSize: 100,
    /** A sync that needs more pages than this is Graph misbehaving (a nextLink loop), not a calendar. */
    maxPages: 500,
    /** A 429 without a usable Retry-After is waited out this long. */
    defaultRetryAfterSeconds: 60,
    /** Graph's validation handshake must be answered within this (text/plain, the token verbatim). */
    validationAnswerMs: 10_000,
  },
  /** Error codes in Graph's `{ error: { code, message } }` bodies, and the status each comes with. */
  errors: {
    /** calendarView/delta: the delta or skip token expired or is unknown; start again without a cursor. */
    syncStateNotFound: { status: 410, code: "SyncStateNotFound" },
    /** The event (or calendar) is gone: deleting or declining it is already done. */
    itemNotFound: { status: 404, code: "ErrorItemNotFound" },
    /** /subscriptions/{id} is gone (expired or removed): renewing creates a new one. */
    subscriptionNotFound: { status: 404, code: "ResourceNotFound" },
    /** Throttling: 429 (or 503) with Retry-After, in whole seconds. */
    throttled: { status: 429, codes: ["TooManyRequests", "ApplicationThrottled", "MailboxConcurrency"] },
    /** The access token is expired, revoked or malformed: refresh, then reconnect. */
    invalidToken: { status: 401, code: "InvalidAuthenticationToken" },
  },
  /** showAs values that block time (free and unknown do not). */
  busyShowAs: ["busy", "tentative", "oof", "workingElsewhere"],
  /** sensitivity values whose subject is never shown. */
  privateSensitivity: ["private", "confidential"],
  /**
   * Graph has no focus-time event type: a focus block is a busy event in this category, and an
   * event the user put in it counts as focus time.
   */
  focusCategory: "Focus",
  /** What every subscription listens for on a calendar's events. */
  changeTypes: "created,updated,deleted",
  /** Outlook on the web's calendar (work and school accounts), for links. */
  outlookWebUrl: "https://outlook.office.com/calendar/",
  defaultLoginUrl: "https://login.microsoftonline.com",
} as const;

const trimmed = (url: string) => url.replace(/\/+$/, "");

export const microsoftLoginUrl = (env: Env) => trimmed(env.MICROSOFT_LOGIN_URL);
export const microsoftGraphUrl = (env: Env) => trimmed(env.MICROSOFT_GRAPH_URL);
export const microsoftAuthorizeUrl = (env: Env) => `${microsoftLoginUrl(env)}/${encodeURIComponent(env.MICROSOFT_TENANT)}${MICROSOFT.authorizePath}`;
export const microsoftTokenUrl = (env: Env) => `${microsoftLoginUrl(env)}/${encodeURIComponent(env.MICROSOFT_TENANT)}${MICROSOFT.tokenPath}`;

/**
 * Outlook on the web for Microsoft's own cloud; a sandbox identity platform (MICROSOFT_LOGIN_URL
 * set elsewhere, as in tests and demos) serves the person's calendar at its root.
 */
export const microsoftWebUrl = (env: Env) => (microsoftLoginUrl(env) === MICROSOFT.defaultLoginUrl ? MICROSOFT.outlookWebUrl : `${microsoftLoginUrl(env)}/`);
