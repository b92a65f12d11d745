import { FaultQueue, type FaultSpec } from "../shared/faults";
import { type DoubleRequest, type DoubleResponse, escapeHtml, faultAnswer, html, type LoggedRequest, params, redirect, serve } from "../shared/http";
import { errorPage, sandboxPage } from "../shared/oauth";
import { EMPTY_STATUS, type DndChange, type ProfileWrite, type SlackStatus, type SlackUser, SlackWorkspace, handleSlackApi } from "./api";
import { parseSlackScopes, type SlackRotation, SlackOAuth } from "./oauth";
import { slackFaultBody } from "./wire";

export type { DndChange, ProfileWrite, SlackStatus } from "./api";
export type { FaultSpec } from "../shared/faults";
export type { LoggedRequest } from "../shared/http";

/**
 * A local double of slack.com for a user-token Slack app, speaking Slack's wire format so
 * the app can drive it with @slack/web-api:
 *
 *   OAuth    <url>/oauth/v2/authorize                 (SLACK_BASE_URL=<url>)
 *   Web API  <url>/api/<method>                        (WebClient slackApiUrl: `${url}/api/`)
 *            oauth.v2.access, auth.test, auth.revoke, users.profile.get/set, dnd.info/setSnooze/endSnooze
 *
 * See oauth.ts and api.ts for what each part reproduces. Controls: users (addUser, signInAs),
 * tokens (createToken, expireToken, revokeUser), the person's own actions in Slack
 * (setStatusByHand, snoozeByHand), state (status, snooze, profileWrites, dndChanges),
 * faults (failNext, rateLimitNext), logs (requests), advanceTime.
 */
export type SlackDoubleOptions = {
  port?: number;
  clientId?: string;
  clientSecret?: string;
  /** Redirect URLs accepted exactly (default: the app's integration callback on http://localhost:3000). */
  redirectUris?: string[];
  appName?: string;
  /** GET /oauth/v2/authorize redirects at once with a code, as if the user clicked Allow. */
  autoApprove?: boolean;
  /** Token rotation enabled for the app: user tokens expire (default 12 h) and come with refresh tokens. */
  tokenRotation?: boolean | Partial<SlackRotation>;
  /** users.profile.set calls allowed per user per minute (Slack: 10). */
  profileWritesPerMinute?: number;
};

export const SLACK_DOUBLE_DEFAULTS = {
  clientId: "1234567890123.4567890123456",
  clientSecret: "3f1e2d4c5b6a79880f1e2d3c4b5a6978",
  redirectUris: ["http://localhost:3000/api/integrations/slack/callback"],
  appName: "DevPulse Cloud",
  appId: "A07DEVPULSE",
  team: { id: "T07SANDBOX", name: "DevPulse Sandbox", domain: "devpulse-sandbox" },
  /** Seeded users: the one signed in to Slack in the browser first. */
  users: [
    { id: "U07ANAFOCUS", name: "ana", realName: "Ana Lima", email: "ana@devpulse.test", title: "Staff engineer" },
    { id: "U07BRUNODEV", name: "bruno", realName: "Bruno Costa", email: "bruno@devpulse.test", title: "Engineer" },
  ],
} as const;

export const SLACK_USER_SCOPES = ["users.profile:read", "users.profile:write", "dnd:read", "dnd:write"] as const;

/** The person's own view: the status their teammates see, Do Not Disturb, and a form to change the status by hand. */
function profilePage(user: SlackUser, status: SlackStatus, snoozeEnd: number | null): string {
  const until = (seconds: number) => new Date(seconds * 1000).toISOString().slice(11, 16);
  const shown = status.status_text
    ? `<p id="status" data-testid="slack-status"><span data-testid="slack-status-emoji">${escapeHtml(status.status_emoji)}</span> <strong data-testid="slack-status-text">${escapeHtml(status.status_text)}</strong>${status.status_expiration ? ` (clears at ${until(status.status_expiration)} UTC)` : ""}</p>`
    : `<p id="status" data-testid="slack-status">No status set.</p>`;
  const dnd = snoozeEnd ? `<p data-testid="slack-dnd">Notifications paused until ${until(snoozeEnd)} UTC.</p>` : `<p data-testid="slack-dnd">Notifications are on.</p>`;
  return sandboxPage(
    "Slack",
    `${user.realName} — Slack`,
    `<h1 id="page-title">${escapeHtml(user.realName)} <small>@${escapeHtml(user.name)}</small></h1>
<h2>Status</h2>
${shown}
${dnd}
<form method="post" action="/profile/status">
<h2>Set your status by hand</h2>
<p><label>Emoji <input name="status_emoji" value=":palm_tree:"></label></p>
<p><label>Status text <input name="status_text" maxlength="100"></label></p>
<div class="actions"><button type="submit" class="primary">Save status</button></div>
</form>`,
  );
}

export async function startSlackDouble(options: SlackDoubleOptions = {}) {
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;
  const faults = new FaultQueue();
  const requests: LoggedRequest[] = [];
  const urls = { web: "" };
  const workspace = new SlackWorkspace({ ...SLACK_DOUBLE_DEFAULTS.team }, now, options.profileWritesPerMinute ?? 10);
  for (const user of SLACK_DOUBLE_DEFAULTS.users) workspace.addUser(user);
  let signedIn: string = SLACK_DOUBLE_DEFAULTS.users[0].id;
  const rotation: SlackRotation | null = options.tokenRotation
    ? { accessTokenTtlSeconds: 43_200, ...(typeof options.tokenRotation === "object" ? options.tokenRotation : {}) }
    : null;
  const oauth = new SlackOAuth(
    {
      clientId: options.clientId ?? SLACK_DOUBLE_DEFAULTS.clientId,
      clientSecret: options.clientSecret ?? SLACK_DOUBLE_DEFAULTS.clientSecret,
      redirectUris: [...(options.redirectUris ?? SLACK_DOUBLE_DEFAULTS.redirectUris)],
      appName: options.appName ?? SLACK_DOUBLE_DEFAULTS.appName,
      appId: SLACK_DOUBLE_DEFAULTS.appId,
    },
    rotation,
    options.autoApprove ?? false,
    {
      now,
      team: { id: workspace.team.id, name: workspace.team.name },
      currentUser: () => {
        const user = workspace.user(signedIn);
        return { id: user.id, name: user.name, realName: user.realName };
      },
    },
  );
  const ctx = { workspace, oauth, now, webUrl: () => urls.web };
  const apiPath = (path: string) => (path.startsWith("/api/") ? path.slice("/api/".length) : path);

  const handle = (req: DoubleRequest): DoubleResponse => {
    const path = req.path;
    if (path === "/api/oauth.v2.access" && (req.method === "POST" || req.method === "GET")) return oauth.access(req);
    if (path.startsWith("/api/") && (req.method === "POST" || req.method === "GET")) return handleSlackApi(ctx, req, apiPath(path));
    if (path === "/oauth/v2/authorize") {
      if (req.method === "GET") return oauth.authorize(req);
      if (req.method === "POST") return oauth.decide(req);
    }
    // What the signed-in person sees in their Slack client: their status, and a form to set it by hand.
    if (path === "/" && req.method === "GET") return html(200, profilePage(workspace.user(signedIn), workspace.status(signedIn), workspace.snoozeEndtime(signedIn)));
    if (path === "/profile/status" && req.method === "POST") {
      const form = params(req);
      const text = (form.status_text ?? "").slice(0, 100);
      workspace.writeStatus(signedIn, { ...EMPTY_STATUS, status_text: text, status_emoji: text ? form.status_emoji || ":speech_balloon:" : "" }, "user");
      return redirect("/");
    }
    return html(404, errorPage("Slack", "Page not found", `This Slack sandbox does not serve ${path}.`));
  };

  const server = await serve({
    port: options.port,
    faults,
    log: requests,
    apiPath,
    handle,
    faultResponse: (_req, fault) => faultAnswer(fault, {}, slackFaultBody(fault.status)),
  });
  urls.web = server.url;

  const expectUser = (userId: string) => workspace.user(userId);

  return {
    /** SLACK_BASE_URL: OAuth pages (the Web API is under `${url}/api/`). */
    url: server.url,
    /** WebClient's slackApiUrl (trailing slash, as the SDK expects). */
    apiUrl: `${server.url}/api/`,
    oauth: oauth.client,
    /** The variables that point the app at this double (its Slack app and Web API). */
    appEnv: { SLACK_CLIENT_ID: oauth.client.clientId, SLACK_CLIENT_SECRET: oauth.client.clientSecret, SLACK_BASE_URL: server.url },
    team: workspace.team,
    /** Every request answered, oldest first (never a credential). */
    requests,

    // ---- people
    /** Seeded: "ana" (U07ANAFOCUS, signed in) and "bruno" (U07BRUNODEV). */
    users: () => [...workspace.users.values()].map(({ id, name, realName }) => ({ id, name, realName })),
    addUser: (user: { id: string; name: string; realName?: string; email?: string }) => void workspace.addUser(user),
    /** Who the consent page authorizes as (the person signed in to Slack in this browser). */
    signInAs(userId: string): void {
      expectUser(userId);
      signedIn = userId;
    },

    // ---- OAuth and tokens
    approveNext: (times = 1) => oauth.consent.approveNext(times),
    denyNext: (times = 1) => oauth.consent.denyNext(times),
    setAutoApprove: (value: boolean) => void (oauth.consent.autoApprove = value),
    addRedirectUri: (uri: string) => void oauth.client.redirectUris.push(uri),
    /** A user token without the OAuth dance (default: the signed-in user, the four status scopes). */
    createToken(opts: { userId?: string; scopes?: readonly string[] | string; expiresInSeconds?: number | null } = {}) {
      const userId = opts.userId ?? signedIn;
      expectUser(userId);
      const scopes = typeof opts.scopes === "string" ? parseSlackScopes(opts.scopes) : [...(opts.scopes ?? SLACK_USER_SCOPES)];
      const { accessToken, refreshToken } = oauth.issue(userId, scopes, opts.expiresInSeconds);
      return { accessToken, refreshToken, userId };
    },
    expireToken(accessToken: string): void {
      const record = oauth.tokens.get(accessToken);
      if (!record) throw new Error("Slack double: unknown token");
      record.expiresAt = now() - 1;
    },
    /** The person removed the app from Slack: all their tokens answer token_revoked, refresh tokens are refused. */
    revokeUser: (userId: string) => oauth.revokeUser(userId),
    issuedTokens: () => oauth.issued,
    /** Tokens of a user (or all) that would still be accepted. */
    activeTokens: (userId?: string) =>
      [...oauth.tokens.values()].filter((r) => !r.revoked && (r.expiresAt === null || r.expiresAt > now()) && (!userId || r.userId === userId)).length,

    // ---- state and the person's own actions in Slack
    /** The status Slack shows now (an expired status reads as cleared). */
    status: (userId: string): SlackStatus => workspace.status(userId),
    /** Epoch seconds the snooze ends, or null. */
    snooze: (userId: string) => workspace.snoozeEndtime(userId),
    /** Every status change, oldest first: source "api" (users.profile.set) or "user" (setStatusByHand). */
    profileWrites: (userId?: string): readonly ProfileWrite[] => workspace.profileWrites.filter((w) => !userId || w.userId === userId),
    dndChanges: (userId?: string): readonly DndChange[] => workspace.dndChanges.filter((c) => !userId || c.userId === userId),
    /** The person sets (or, with no argument, clears) their status in the Slack client. Not rate limited. */
    setStatusByHand(userId: string, status: Partial<SlackStatus> = {}): SlackStatus {
      const next = { ...EMPTY_STATUS, ...status };
      if (next.status_text && !next.status_emoji) next.status_emoji = ":speech_balloon:";
      return workspace.writeStatus(userId, next, "user");
    },
    /** The person pauses notifications in the Slack client (minutes), or resumes them (null). */
    snoozeByHand(userId: string, minutes: number | null): void {
      workspace.setSnooze(userId, minutes === null ? null : Math.floor(now() / 1000) + minutes * 60, "user");
    },

    // ---- faults and limits
    /** The next matching request(s) get this answer. `path` may be the method name ("users.profile.set"). */
    failNext: (fault: FaultSpec) => faults.add(fault),
    /** The next call(s) of a method get HTTP 429 `ratelimited` with this Retry-After (whole seconds). */
    rateLimitNext: (method: string, retryAfterSeconds = 1, times = 1) =>
      faults.add({ path: method, times, status: 429, headers: { "retry-after": String(retryAfterSeconds) }, body: { ok: false, error: "ratelimited" } }),
    pendingFaults: () => faults.size,
    setProfileWritesPerMinute: (limit: number) => void (workspace.profileWritesPerMinute = limit),
    /** Moves the double's clock (token, code, status and snooze expiry, the write limit window). */
    advanceTime: (ms: number) => void (clockOffset += ms),
    now,
    /** Clears faults, the request log, consent overrides and the write limit window. Users, statuses, history and tokens stay. */
    reset(): void {
      faults.clear();
      requests.length = 0;
      oauth.consent.clear();
      workspace.resetLimits();
    },

    close: () => server.close(),
  };
}

export type SlackDouble = Awaited<ReturnType<typeof startSlackDouble>>;
