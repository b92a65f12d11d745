import { ErrorCode } from "@slack/web-api";
import { providerName } from "~/lib/providers";
import type { Env } from "../../env";
import type { ChatProvider } from "../provider";
import { callSlack, callSlackOAuth, slackClient } from "./api";
import { SLACK, slackWebUrl } from "./facts";
import { snoozeMinutes, toAccount, toGrantedTokens, toProfile, toProfileStatus, toStatusContent } from "./transform";

/** A Web API error code, when the SDK rejected with one. */
const platformCode = (error: unknown) => {
  const failure = error as { code?: string; data?: { error?: string } } | null;
  return failure?.code === ErrorCode.PlatformError ? (failure.data?.error ?? null) : null;
};

/** Runs a call, treating these Slack error codes as "already so" (undefined) rather than failures. */
async function unlessAlready<T>(operation: () => Promise<T>, codes: readonly string[]): Promise<T | undefined> {
  try {
    return await operation();
  } catch (error) {
    if (codes.includes(platformCode(error) ?? "")) return undefined;
    throw error;
  }
}

/**
 * Slack, as a user-token app (no bot): the person's own profile status and Do Not
 * Disturb, with @slack/web-api against SLACK_BASE_URL's Web API. Every call goes
 * through the circuit breaker; a 429 is rejected with its retry time for the job to
 * wait out (api.ts).
 */
export const slack: ChatProvider = {
  id: "slack",
  name: providerName("slack"),
  kind: "chat",
  capabilities: { userStatus: true, doNotDisturb: true, channelMessage: false },
  webUrl: slackWebUrl,

  configuration(env: Env) {
    const missing = (["SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"] as const).filter((name) => !env[name]);
    if (!env.SLACK_CLIENT_ID || !env.SLACK_CLIENT_SECRET) return { ok: false, missing };
    return {
      ok: true,
      oauth: {
        clientId: env.SLACK_CLIENT_ID,
        clientSecret: env.SLACK_CLIENT_SECRET,
        authorizeUrl: `${slackWebUrl(env)}${SLACK.authorizePath}`,
        tokenUrl: `${slackWebUrl(env)}${SLACK.apiPath}oauth.v2.access`,
        scopeParam: SLACK.scopeParam,
        scopeSeparator: SLACK.scopeSeparator,
        pkce: SLACK.pkce,
        scopes: SLACK.scopes,
      },
    };
  },

  async exchangeCode(env, oauth, grant) {
    // apiCall, not oauth.v2.access(): the SDK's typings lack code_verifier.
    const result = await callSlackOAuth("connect", () =>
      slackClient(env).apiCall("oauth.v2.access", {
        client_id: oauth.clientId,
        client_secret: oauth.clientSecret,
        code: grant.code,
        redirect_uri: grant.redirectUri,
        ...(grant.codeVerifier ? { code_verifier: grant.codeVerifier } : {}),
      }),
    );
    return toGrantedTokens(result);
  },

  async refreshTokens(env, oauth, refreshToken) {
    const result = await callSlackOAuth("renew", () =>
      slackClient(env).apiCall("oauth.v2.access", { client_id: oauth.clientId, client_secret: oauth.clientSecret, grant_type: "refresh_token", refresh_token: refreshToken }),
    );
    return toGrantedTokens(result);
  },

  async fetchAccount(env, accessToken) {
    const client = slackClient(env, accessToken);
    const identity = await callSlack(() => client.auth.test());
    const profile = toProfile(await callSlack(() => client.users.profile.get({})));
    return toAccount(identity, profile);
  },

  async revoke(env, tokens) {
    // A token Slack already refuses is as revoked as it gets.
    await callSlack(() => unlessAlready(() => slackClient(env, tokens.accessToken).auth.revoke(), ["token_revoked", "invalid_auth"]));
  },

  async readStatus(env, session) {
    const result = await callSlack(() => slackClient(env, session.accessToken).users.profile.get({}));
    return toStatusContent(toProfile(result));
  },

  async writeStatus(env, session, status) {
    const profile = toProfileStatus(status);
    await callSlack(() => slackClient(env, session.accessToken).users.profile.set({ profile }));
    return {};
  },

  async setDoNotDisturb(env, session, until) {
    const client = slackClient(env, session.accessToken);
    const minutes = until === null ? 0 : snoozeMinutes(until);
    // Ending a snooze that already ended (or never began) is what was asked.
    if (minutes === 0) await callSlack(() => unlessAlready(() => client.dnd.endSnooze(), ["snooze_not_active"]));
    else await callSlack(() => client.dnd.setSnooze({ num_minutes: minutes }));
  },

  listChannels: async () => [],
};
