import { credentialFrom, type DoubleRequest, type DoubleResponse, jsonBody, params } from "../shared/http";
import type { SlackOAuth, SlackTokenRecord } from "./oauth";
import { slackJson, slackRateLimited } from "./wire";

/**
 * The Web API methods the chat-status feature uses, with Slack's semantics:
 *
 * - Any method accepts GET or POST; arguments come from the query string, a form body, or
 *   a JSON body (JSON only with the token in `Authorization: Bearer`, as Slack requires).
 *   The token may also be a `token` argument of a form body or query string.
 * - Token errors: none → `not_authed`, unknown → `invalid_auth`, revoked → `token_revoked`,
 *   expired (rotation) → `token_expired`, missing scope → `missing_scope` with needed/provided.
 *   Every authenticated answer carries `x-oauth-scopes` and `x-accepted-oauth-scopes`.
 * - users.profile.set: `profile` (a JSON string in a form body, an object in a JSON body) or
 *   `name` + `value`; a status text without an emoji gets `:speech_balloon:` as in Slack; a
 *   status whose `status_expiration` has passed reads as cleared. At most `profileWritesPerMinute`
 *   writes per user per minute (Slack: 10), then HTTP 429 `ratelimited` + Retry-After.
 * - dnd.setSnooze(num_minutes) / dnd.endSnooze / dnd.info, snooze ending on its own.
 */
export type SlackStatus = { status_text: string; status_emoji: string; status_expiration: number };

export type SlackUser = {
  id: string;
  name: string;
  realName: string;
  email: string;
  title: string;
  status: SlackStatus;
  /** Epoch seconds the snooze ends, or null when not snoozing. */
  snoozeEndtime: number | null;
};

export type ProfileWrite = SlackStatus & {
  userId: string;
  /** Epoch ms on the double's clock. */
  at: number;
  /** "api": users.profile.set; "user": the person changed it in Slack (setStatusByHand). */
  source: "api" | "user";
};

export type DndChange = { userId: string; at: number; action: "setSnooze" | "endSnooze"; snoozeEndtime: number | null; source: "api" | "user" };

export const EMPTY_STATUS: SlackStatus = { status_text: "", status_emoji: "", status_expiration: 0 };

const METHOD_SCOPES: Record<string, string | null> = {
  "auth.test": null,
  "auth.revoke": null,
  "users.profile.get": "users.profile:read",
  "users.profile.set": "users.profile:write",
  "dnd.info": "dnd:read",
  "dnd.setSnooze": "dnd:write",
  "dnd.endSnooze": "dnd:write",
};

export class SlackWorkspace {
  readonly users = new Map<string, SlackUser>();
  readonly profileWrites: ProfileWrite[] = [];
  readonly dndChanges: DndChange[] = [];
  /** Recent users.profile.set times per user (ms), for the per-minute limit. */
  private recentWrites = new Map<string, number[]>();
  profileWritesPerMinute: number;

  constructor(
    readonly team: { id: string; name: string; domain: string },
    private readonly now: () => number,
    profileWritesPerMinute: number,
  ) {
    this.profileWritesPerMinute = profileWritesPerMinute;
  }

  addUser(user: { id: string; name: string; realName?: string; email?: string; title?: string }): SlackUser {
    const created: SlackUser = {
      id: user.id,
      name: user.name,
      realName: user.realName ?? user.name,
      email: user.email ?? `${user.name}@example.test`,
      title: user.title ?? "",
      status: { ...EMPTY_STATUS },
      snoozeEndtime: null,
    };
    this.users.set(user.id, created);
    return created;
  }

  user(id: string): SlackUser {
    const user = this.users.get(id);
    if (!user) throw new Error(`Slack double: unknown user ${id}`);
    return user;
  }

  /** The status as Slack shows it now: an expired status reads as cleared. */
  status(id: string): SlackStatus {
    const user = this.user(id);
    const nowSec = Math.floor(this.now() / 1000);
    if (user.status.status_expiration !== 0 && user.status.status_expiration <= nowSec) user.status = { ...EMPTY_STATUS };
    return { ...user.status };
  }

  snoozeEndtime(id: string): number | null {
    const user = this.user(id);
    if (user.snoozeEndtime !== null && user.snoozeEndtime <= Math.floor(this.now() / 1000)) user.snoozeEndtime = null;
    return user.snoozeEndtime;
  }

  writeStatus(id: string, status: SlackStatus, source: "api" | "user"): SlackStatus {
    const user = this.user(id);
    user.status = { ...status };
    this.profileWrites.push({ userId: id, at: this.now(), source, ...status });
    return this.status(id);
  }

  setSnooze(id: string, endtime: number | null, source: "api" | "user"): void {
    this.user(id).snoozeEndtime = endtime;
    this.dndChanges.push({ userId: id, at: this.now(), action: endtime === null ? "endSnooze" : "setSnooze", snoozeEndtime: endtime, source });
  }

  /** Seconds until another users.profile.set is allowed, or 0. */
  profileWriteWait(id: string): number {
    const windowStart = this.now() - 60_000;
    const recent = (this.recentWrites.get(id) ?? []).filter((at) => at > windowStart);
    this.recentWrites.set(id, recent);
    if (recent.length < this.profileWritesPerMinute) return 0;
    return (recent[0]! + 60_000 - this.now()) / 1000;
  }

  countProfileWrite(id: string): void {
    this.recentWrites.set(id, [...(this.recentWrites.get(id) ?? []), this.now()]);
  }

  resetLimits(): void {
    this.recentWrites.clear();
  }

  profile(id: string, webUrl: string): Record<string, unknown> {
    const user = this.user(id);
    const status = this.status(id);
    const [first = "", ...rest] = user.realName.split(" ");
    const image = (size: number) => `${webUrl}/avatars/${user.id}_${size}.png`;
    return {
      title: user.title,
      phone: "",
      skype: "",
      real_name: user.realName,
      real_name_normalized: user.realName,
      display_name: user.name,
      display_name_normalized: user.name,
      fields: {},
      status_text: status.status_text,
      status_emoji: status.status_emoji,
      status_emoji_display_info: [],
      status_expiration: status.status_expiration,
      status_text_canonical: "",
      avatar_hash: "g0a1b2c3d4e5",
      email: user.email,
      first_name: first,
      last_name: rest.join(" "),
      image_24: image(24),
      image_32: image(32),
      image_48: image(48),
      image_72: image(72),
      image_192: image(192),
      image_512: image(512),
      status_text_max_length: 100,
    };
  }
}

type Ctx = { workspace: SlackWorkspace; oauth: SlackOAuth; now: () => number; webUrl: () => string };

type Authed = { token: string; record: SlackTokenRecord; args: Record<string, unknown> };

/** Arguments from the query string, a form body or a JSON body (objects kept as objects). */
function argumentsOf(req: DoubleRequest): { args: Record<string, unknown>; json: boolean } {
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (req.body && type.includes("application/json")) {
    const parsed = jsonBody<Record<string, unknown>>(req);
    return { args: { ...Object.fromEntries(req.query), ...(parsed && typeof parsed === "object" ? parsed : {}) }, json: true };
  }
  return { args: params(req), json: false };
}

function authenticate(ctx: Ctx, req: DoubleRequest, method: string): Authed | DoubleResponse {
  const { args, json } = argumentsOf(req);
  const header = credentialFrom(req.headers, ["bearer"]);
  // Slack refuses a token inside a JSON body; form bodies and query strings may carry it.
  const token = header ?? (!json && typeof args.token === "string" ? args.token : null);
  if (!token) return slackJson({ ok: false, error: "not_authed" });
  const record = ctx.oauth.tokens.get(token);
  if (!record) return slackJson({ ok: false, error: "invalid_auth" });
  if (record.revoked) return slackJson({ ok: false, error: "token_revoked" });
  if (record.expiresAt !== null && record.expiresAt <= ctx.now()) return slackJson({ ok: false, error: "token_expired" });
  const needed = METHOD_SCOPES[method];
  if (needed && !record.scopes.includes(needed)) {
    return slackJson({ ok: false, error: "missing_scope", needed, provided: record.scopes.join(",") }, scopeHeaders(record, needed));
  }
  return { token, record, args };
}

const scopeHeaders = (record: SlackTokenRecord, accepted: string | null): Record<string, string> => ({
  "x-oauth-scopes": record.scopes.join(","),
  "x-accepted-oauth-scopes": accepted ?? "",
});

const EMOJI_SYNTAX = /^:[a-z0-9_+'-]+(::skin-tone-[2-6])?:$/;

/** Parses users.profile.set's arguments into the status fields it changes. */
function requestedProfile(args: Record<string, unknown>): Record<string, unknown> | null {
  if (args.profile !== undefined) {
    if (typeof args.profile === "object" && args.profile !== null) return args.profile as Record<string, unknown>;
    if (typeof args.profile === "string") {
      try {
        const parsed = JSON.parse(args.profile) as unknown;
        return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : null;
      } catch {
        return null;
      }
    }
    return null;
  }
  if (typeof args.name === "string") return { [args.name]: args.value ?? "" };
  return null;
}

export function handleSlackApi(ctx: Ctx, req: DoubleRequest, method: string): DoubleResponse {
  if (!(method in METHOD_SCOPES)) return slackJson({ ok: false, error: "unknown_method", req_method: method });
  const authed = authenticate(ctx, req, method);
  if (!("record" in authed)) return authed;
  const { record, args, token } = authed;
  const { workspace } = ctx;
  const headers = scopeHeaders(record, METHOD_SCOPES[method] ?? null);
  const ok = (value: Record<string, unknown>) => slackJson({ ok: true, ...value }, headers);
  const fail = (error: string, extra: Record<string, unknown> = {}) => slackJson({ ok: false, error, ...extra }, headers);
  const userId = record.userId;
  const nowSec = Math.floor(ctx.now() / 1000);

  switch (method) {
    case "auth.test": {
      const user = workspace.user(userId);
      return ok({ url: `${ctx.webUrl()}/`, team: workspace.team.name, user: user.name, team_id: workspace.team.id, user_id: user.id, is_enterprise_install: false });
    }
    case "auth.revoke": {
      const test = args.test === true || args.test === "true" || args.test === "1";
      if (!test) ctx.oauth.revoke(token);
      return ok({ revoked: !test });
    }
    case "users.profile.get": {
      const target = typeof args.user === "string" && args.user ? args.user : userId;
      if (!workspace.users.has(target)) return fail("user_not_found");
      return ok({ profile: workspace.profile(target, ctx.webUrl()) });
    }
    case "users.profile.set": {
      if (typeof args.user === "string" && args.user && args.user !== userId) return fail("not_admin");
      const wait = workspace.profileWriteWait(userId);
      if (wait > 0) return slackRateLimited(wait);
      const profile = requestedProfile(args);
      if (!profile) return fail("invalid_profile");
      const current = workspace.status(userId);
      const next: SlackStatus = { ...current };
      if ("status_text" in profile) next.status_text = String(profile.status_text ?? "");
      if ("status_emoji" in profile) next.status_emoji = String(profile.status_emoji ?? "");
      if ("status_expiration" in profile) {
        const expiration = Number(profile.status_expiration ?? 0);
        if (!Number.isInteger(expiration) || expiration < 0) return fail("invalid_profile");
        next.status_expiration = expiration;
      }
      if (next.status_text.length > 100) return fail("too_long", { field: "status_text" });
      if (next.status_emoji && !EMOJI_SYNTAX.test(next.status_emoji)) return fail("profile_status_set_failed_not_emoji_syntax");
      if (next.status_text && !next.status_emoji) next.status_emoji = ":speech_balloon:";
      if (!next.status_text && !next.status_emoji) next.status_expiration = 0;
      workspace.countProfileWrite(userId);
      workspace.writeStatus(userId, next, "api");
      return ok({ username: workspace.user(userId).name, profile: workspace.profile(userId, ctx.webUrl()) });
    }
    case "dnd.info": {
      const target = typeof args.user === "string" && args.user ? args.user : userId;
      if (!workspace.users.has(target)) return fail("user_not_found");
      const endtime = workspace.snoozeEndtime(target);
      const base = { dnd_enabled: true, next_dnd_start_ts: nextAt(ctx.now(), 22), next_dnd_end_ts: nextAt(ctx.now(), 8), snooze_enabled: endtime !== null };
      return ok(endtime === null ? base : { ...base, snooze_endtime: endtime, snooze_remaining: endtime - nowSec, snooze_is_indefinite: false });
    }
    case "dnd.setSnooze": {
      const minutes = Number(args.num_minutes);
      if (args.num_minutes === undefined || args.num_minutes === "") return fail("missing_duration");
      if (!Number.isInteger(minutes) || minutes < 1) return fail("invalid_arguments");
      const endtime = nowSec + minutes * 60;
      workspace.setSnooze(userId, endtime, "api");
      return ok({ snooze_enabled: true, snooze_endtime: endtime, snooze_remaining: minutes * 60, snooze_is_indefinite: false });
    }
    case "dnd.endSnooze": {
      if (workspace.snoozeEndtime(userId) === null) return fail("snooze_not_active");
      workspace.setSnooze(userId, null, "api");
      return ok({ dnd_enabled: true, next_dnd_start_ts: nextAt(ctx.now(), 22), next_dnd_end_ts: nextAt(ctx.now(), 8), snooze_enabled: false });
    }
  }
  return fail("unknown_method");
}

/** The next time (epoch seconds, UTC) the clock shows `hour`:00: the workspace's default DND schedule 22:00–08:00. */
function nextAt(nowMs: number, hour: number): number {
  const date = new Date(nowMs);
  date.setUTCHours(hour, 0, 0, 0);
  if (date.getTime() <= nowMs) date.setUTCDate(date.getUTCDate() + 1);
  return Math.floor(date.getTime() / 1000);
}
