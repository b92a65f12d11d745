import { type DoubleRequest, type DoubleResponse, basicCredentials, html, json, params, redirect } from "../shared/http";
import { ConsentMode, consentPage, errorPage, PendingRequests, randomBase62 } from "../shared/oauth";
import type { DiscordData } from "./data";

/**
 * Discord's OAuth2 authorization-code flow (https://discord.com/developers/docs/topics/oauth2):
 *
 * - GET /oauth2/authorize (also /api/oauth2/authorize) ?client_id&response_type=code&redirect_uri
 *   &scope=identify%20bot&permissions&state[&guild_id]: consent page (or ConsentMode), then a
 *   redirect with ?code&state — plus &guild_id&permissions when the `bot` scope added the bot to
 *   a server (guild_id or the signed-in person's first server). Cancel: ?error=access_denied.
 * - POST /api/oauth2/token (also /api/v10/oauth2/token), form-encoded, client credentials by
 *   Basic auth or in the body: authorization_code (single use, 10 minutes, redirect_uri must
 *   match) or refresh_token (single use). Success: { token_type: "Bearer", access_token,
 *   expires_in: 604800, refresh_token, scope[, guild] }. Errors: 401 { error: "invalid_client" },
 *   400 { error: "invalid_grant", error_description }.
 * - POST /api/oauth2/token/revoke revokes an access or refresh token (and its pair).
 */
export type DiscordOAuthClient = { clientId: string; clientSecret: string; redirectUris: string[]; appName: string };

export type DiscordTokenRecord = { userId: string; scopes: string[]; expiresAt: number; revoked: boolean; refreshToken: string };

type CodeRecord = { redirectUri: string; userId: string; scopes: string[]; guildId: string | null; expiresAt: number; used: boolean };
type AuthorizeRequest = { redirectUri: string; state: string | null; userId: string; scopes: string[]; guildId: string | null; permissions: string };

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  identify: "Access your username, avatar, and banner",
  guilds: "Know what servers you're in",
  bot: "Add a bot to a server (view channels, send messages)",
};
const TOKEN_TTL_SECONDS = 604_800;

export class DiscordOAuth {
  readonly consent: ConsentMode;
  readonly tokens = new Map<string, DiscordTokenRecord>();
  private refreshTokens = new Map<string, { accessToken: string; used: boolean }>();
  private codes = new Map<string, CodeRecord>();
  private pending: PendingRequests<AuthorizeRequest>;
  issued = 0;

  constructor(
    readonly client: DiscordOAuthClient,
    autoApprove: boolean,
    private readonly ctx: { now: () => number; data: DiscordData; signedIn: () => string },
  ) {
    this.consent = new ConsentMode(autoApprove);
    this.pending = new PendingRequests(ctx.now);
  }

  authorize(req: DoubleRequest): DoubleResponse {
    const q = req.query;
    if (q.get("client_id") !== this.client.clientId) return html(400, errorPage("Discord", "Unknown Application", "Invalid OAuth2 client_id."));
    const redirectUri = q.get("redirect_uri") ?? this.client.redirectUris[0] ?? "";
    if (!this.client.redirectUris.includes(redirectUri)) return html(400, errorPage("Discord", "Invalid OAuth2 redirect_uri", "The redirect_uri is not one of this application's redirects."));
    if ((q.get("response_type") ?? "code") !== "code") return html(400, errorPage("Discord", "Invalid response_type", "Only response_type=code is supported here."));
    const scopes = [...new Set((q.get("scope") ?? "").split(/[\s+]+/).filter(Boolean))];
    const userId = this.ctx.signedIn();
    let guildId: string | null = null;
    if (scopes.includes("bot")) {
      const owned = [...this.ctx.data.guilds.values()].filter((g) => g.ownerId === userId);
      guildId = q.get("guild_id") ?? owned[0]?.id ?? null;
      if (!guildId || !owned.some((g) => g.id === guildId)) return html(400, errorPage("Discord", "No server to add the bot to", "You need Manage Server permission on a server to add this bot."));
    }
    const request: AuthorizeRequest = { redirectUri, state: q.get("state"), userId, scopes, guildId, permissions: q.get("permissions") ?? "0" };
    const decision = this.consent.next();
    if (decision === "approve") return this.approve(request);
    if (decision === "deny") return this.deny(request);
    const user = this.ctx.data.users.get(userId)!;
    const guild = guildId ? this.ctx.data.guilds.get(guildId) : undefined;
    return html(
      200,
      consentPage({
        provider: "Discord",
        appName: this.client.appName,
        account: { login: user.username, name: user.global_name },
        scopes: scopes.map((scope) => ({ scope, description: scope === "bot" && guild ? `Add a bot to ${guild.name} (view channels, send messages)` : (SCOPE_DESCRIPTIONS[scope] ?? "Requested scope") })),
        redirectUri,
        action: "/oauth2/authorize",
        requestId: this.pending.put(request),
      }),
    );
  }

  decide(req: DoubleRequest): DoubleResponse {
    const form = params(req);
    const request = this.pending.take(form.authorization_request ?? "");
    if (!request) return html(422, errorPage("Discord", "Authorization expired", "This authorization request has expired or was already answered."));
    return form.decision === "approve" ? this.approve(request) : this.deny(request);
  }

  private approve(request: AuthorizeRequest): DoubleResponse {
    const code = randomBase62(30);
    this.codes.set(code, { redirectUri: request.redirectUri, userId: request.userId, scopes: request.scopes, guildId: request.guildId, expiresAt: this.ctx.now() + 10 * 60_000, used: false });
    if (request.guildId) {
      this.ctx.data.botGuilds.add(request.guildId); // the bot joins when the person clicks Authorize
      this.ctx.data.botPermissions.set(request.guildId, request.permissions);
    }
    const extra: Record<string, string> = request.guildId ? { guild_id: request.guildId, permissions: request.permissions } : {};
    return redirect(withParams(request.redirectUri, { code, state: request.state, ...extra }));
  }

  private deny(request: AuthorizeRequest): DoubleResponse {
    return redirect(withParams(request.redirectUri, { error: "access_denied", error_description: "The resource owner or authorization server denied the request", state: request.state }));
  }

  token(req: DoubleRequest): DoubleResponse {
    const p = params(req);
    const basic = basicCredentials(req.headers);
    const clientId = basic?.user ?? p.client_id;
    const clientSecret = basic?.password ?? p.client_secret;
    if (clientId !== this.client.clientId || clientSecret !== this.client.clientSecret) return json(401, { error: "invalid_client" });
    const invalid = (description: string) => json(400, { error: "invalid_grant", error_description: description });
    if (p.grant_type === "refresh_token") {
      const refresh = this.refreshTokens.get(p.refresh_token ?? "");
      const old = refresh ? this.tokens.get(refresh.accessToken) : undefined;
      if (!refresh || refresh.used || !old || old.revoked) return invalid("Invalid \"refresh_token\" in request.");
      refresh.used = true;
      old.revoked = true; // Discord invalidates the previous access token on refresh
      return json(200, this.tokenResponse(this.issue(old.userId, old.scopes), old.scopes, null));
    }
    if (p.grant_type !== "authorization_code") return json(400, { error: "unsupported_grant_type" });
    const code = this.codes.get(p.code ?? "");
    if (!code || code.used || code.expiresAt <= this.ctx.now()) return invalid("Invalid \"code\" in request.");
    if (p.redirect_uri !== code.redirectUri) return json(400, { error: "invalid_request", error_description: "Invalid \"redirect_uri\" in request." });
    code.used = true;
    return json(200, this.tokenResponse(this.issue(code.userId, code.scopes), code.scopes, code.guildId));
  }

  private tokenResponse(issued: { accessToken: string; refreshToken: string }, scopes: string[], guildId: string | null): Record<string, unknown> {
    const out: Record<string, unknown> = { token_type: "Bearer", access_token: issued.accessToken, expires_in: TOKEN_TTL_SECONDS, refresh_token: issued.refreshToken, scope: scopes.join(" ") };
    const guild = guildId ? this.ctx.data.guilds.get(guildId) : undefined;
    if (guild) out.guild = { id: guild.id, name: guild.name, icon: null, owner_id: guild.ownerId, features: [], roles: [] };
    return out;
  }

  issue(userId: string, scopes: string[]): { accessToken: string; refreshToken: string } {
    const accessToken = randomBase62(30);
    const refreshToken = randomBase62(30);
    this.tokens.set(accessToken, { userId, scopes, expiresAt: this.ctx.now() + TOKEN_TTL_SECONDS * 1000, revoked: false, refreshToken });
    this.refreshTokens.set(refreshToken, { accessToken, used: false });
    this.issued += 1;
    return { accessToken, refreshToken };
  }

  /** POST /api/oauth2/token/revoke: `token` may be the access or the refresh token; both die. */
  revokeEndpoint(req: DoubleRequest): DoubleResponse {
    const p = params(req);
    const basic = basicCredentials(req.headers);
    if ((basic?.user ?? p.client_id) !== this.client.clientId || (basic?.password ?? p.client_secret) !== this.client.clientSecret) return json(401, { error: "invalid_client" });
    const token = p.token ?? "";
    const viaRefresh = this.refreshTokens.get(token);
    const accessToken = viaRefresh ? viaRefresh.accessToken : token;
    const record = this.tokens.get(accessToken);
    if (record) {
      record.revoked = true;
      const refresh = this.refreshTokens.get(record.refreshToken);
      if (refresh) refresh.used = true;
    }
    return json(200, {});
  }

  usable(token: string | null): DiscordTokenRecord | null {
    const record = token ? this.tokens.get(token) : undefined;
    if (!record || record.revoked || record.expiresAt <= this.ctx.now()) return null;
    return record;
  }
}

function withParams(base: string, values: Record<string, string | null>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(values)) if (value !== null) url.searchParams.set(key, value);
  return url.toString();
}
