import type { Env } from "../../env";

/**
 * What Google Calendar is, as data: where it lives, what we ask for and why, the limits we
 * design for and the errors we react to (https://developers.google.com/calendar/api/v3/reference,
 * https://developers.google.com/identity/protocols/oauth2/web-server,
 * https://developers.google.com/calendar/api/guides/push). Code elsewhere in this folder
 * only handles what differs from these facts.
 */
export const GOOGLE = {
  /** Relative to GOOGLE_OAUTH_URL (default https://accounts.google.com). */
  authorizePath: "/o/oauth2/v2/auth",
  /** Beside the token endpoint: relative to GOOGLE_TOKEN_URL's origin (https://oauth2.googleapis.com/revoke). */
  revokePath: "/revoke",
  /** Google Calendar's web app, for links, when GOOGLE_API_URL is Google's own. */
  webUrl: "https://calendar.google.com",
  defaultApiUrl: "https://www.googleapis.com",
  scopeSeparator: " ",
  pkce: true,
  scopes: [
    {
      scope: "https://www.googleapis.com/auth/calendar.events",
      why: "Create, move and remove the focus blocks you schedule in DevPulse, and decline a meeting for you when you ask DevPulse to protect a focus block.",
    },
    {
      scope: "https://www.googleapis.com/auth/calendar.readonly",
      why: "See your calendars and when you are busy, so DevPulse can suggest focus time and tell you about conflicts with your coding sessions.",
    },
  ],
  /** access_type=offline returns a refresh token; prompt=consent makes Google return one again on a reconnection, not only on the first grant. */
  extraAuthorizeParams: { access_type: "offline", prompt: "consent" },
  limits: {
    /** Calendar API default quota per user; every list page and write counts. */
    requestsPerMinutePerUser: 600,
    /** events.list maxResults: Google's maximum, so a sync costs as few requests as possible. */
    eventsPageSize: 2500,
    /** calendarList.list maxResults: Google's maximum. */
    calendarsPageSize: 250,
    /** How long we ask a push channel to live (Google's default for Calendar; it may grant less). */
    watchLifetimeMs: 7 * 86_400_000,
    /** Renew a channel this long before it expires: renewing opens a new channel, so a late renewal loses notifications. */
    watchRenewMarginMs: 86_400_000,
    /** X-Goog-Channel-Token: at most 256 characters. */
    channelTokenMaxLength: 256,
    /** Event ids: base32hex (a–v, 0–9), 5 to 1024 characters. */
    eventId: { alphabet: "0123456789abcdefghijklmnopqrstuv", minLength: 5, maxLength: 1024 },
    /** A rate-limited answer without a usable Retry-After is waited out this long. */
    defaultRetryAfterSeconds: 60,
  },
  /** The `reason` in Google's `{ error: { errors: [{ reason }] } }` bodies that the provider acts on. */
  errorReasons: {
    /** 403 or 429 (domain usageLimits): back off until Retry-After. */
    rateLimited: ["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"],
    /** 410 on events.list with a sync token: start again with a full sync. */
    fullSyncRequired: "fullSyncRequired",
    /** 409 on events.insert: the id we chose is taken (by our own earlier insert, or a deleted event). */
    duplicate: "duplicate",
    /** 410 on a write to a deleted event. */
    deleted: "deleted",
    /** 403: the grant lacks a scope. */
    insufficientPermissions: "insufficientPermissions",
    /** 403 on a write to a calendar the person may only read. */
    requiredAccessLevel: "requiredAccessLevel",
  },
  /**
   * An `eventType: "focusTime"` insert on an account without Google Workspace (consumer
   * @gmail.com), on a secondary calendar or an all-day range: Google answers 400 with the
   * generic reason "invalid". The status is the stable part, so the provider keys on
   * "400 answering a focusTime insert" and falls back to a busy event.
   */
  focusTimeRefused: { status: 400, reason: "invalid", message: "Focus time events cannot be created on this calendar." },
  /** A sync token Google no longer takes (410) or does not know (400 on the syncToken parameter). */
  syncTokenRefused: { expiredStatus: 410, invalidParameter: "syncToken" },
  /** events.insert id is taken; events.get/patch/delete of an event that is gone. */
  statuses: { duplicate: 409, notFound: 404, gone: 410 },
  /** accessRole values that may create events (calendarList entries). */
  writeAccessRoles: ["owner", "writer"],
  focusTime: {
    /** With autoDecline: new conflicting invitations are declined, existing meetings stay. */
    autoDeclineMode: { on: "declineOnlyNewConflictingInvitations", off: "declineNone" },
    /** Google Chat shows Do Not Disturb during an auto-declining block. */
    chatStatus: "doNotDisturb",
  },
  reminderMethod: "popup",
  /** events.watch channel type. */
  channelType: "web_hook",
  /** Push deliveries: an empty POST whose headers say everything (lower case, as Headers reads them). */
  notificationHeaders: {
    channelId: "x-goog-channel-id",
    channelToken: "x-goog-channel-token",
    resourceState: "x-goog-resource-state",
    resourceId: "x-goog-resource-id",
    /** Counts up from 1 for each message on a channel: with the channel id, names one message. */
    messageNumber: "x-goog-message-number",
  },
  /**
   * X-Goog-Resource-State → what the calendar domain does: `sync` is the hello on a new
   * channel (nothing changed); `exists` says the calendar's events changed; `not_exists`
   * that the watched calendar is gone (a sync finds out and reports it).
   */
  resourceStates: { sync: "ignore", exists: "sync", not_exists: "sync" },
} as const;

export const googleOAuthBase = (env: Env) => env.GOOGLE_OAUTH_URL.replace(/\/+$/, "");
export const googleRevokeUrl = (env: Env) => `${new URL(env.GOOGLE_TOKEN_URL).origin}${GOOGLE.revokePath}`;
/** Calendar v3 lives under /calendar/v3 of GOOGLE_API_URL; googleapis' rootUrl is that root with a trailing slash. */
export const googleApiRoot = (env: Env) => `${env.GOOGLE_API_URL.replace(/\/+$/, "")}/`;

/** Google Calendar's web app; a stand-in for Google (GOOGLE_API_URL elsewhere, the sandbox) serves its person's page at its root. */
export const googleWebUrl = (env: Env) => {
  const api = env.GOOGLE_API_URL.replace(/\/+$/, "");
  return api === GOOGLE.defaultApiUrl ? GOOGLE.webUrl : api;
};
