import { FaultQueue, type FaultSpec } from "../shared/faults";
import { type DoubleRequest, type DoubleResponse, faultAnswer, html, json, type LoggedRequest, serve } from "../shared/http";
import { errorPage } from "../shared/oauth";
import { LinkedInOAuth, type LinkedInMember } from "./oauth";

export type { LinkedInMember } from "./oauth";
export type { FaultSpec } from "../shared/faults";
export type { LoggedRequest } from "../shared/http";

/**
 * A local double of LinkedIn's sign-in (www.linkedin.com's OAuth 2.0 and OpenID Connect, and
 * api.linkedin.com's userinfo) on one loopback server, speaking LinkedIn's wire format:
 *
 *   OAuth   <url>/oauth/v2/authorization, <url>/oauth/v2/accessToken   (LINKEDIN_OAUTH_URL=<url>)
 *   OIDC    <url>/oauth/.well-known/openid-configuration, <url>/oauth/openid/jwks, <url>/v2/userinfo
 *
 * See oauth.ts for what each part reproduces. Controls: members (addMember, signInAs,
 * setEmailVerified), consent (approveNext, denyNext, setAutoApprove), faults (failNext),
 * logs (requests), advanceTime.
 */
export type LinkedInDoubleOptions = {
  port?: number;
  clientId?: string;
  clientSecret?: string;
  /** Redirect URIs accepted exactly (default: the app's sign-in callback on http://localhost:3000). */
  redirectUris?: string[];
  appName?: string;
  /** GET /oauth/v2/authorization redirects at once with a code, as if the member had clicked Allow. */
  autoApprove?: boolean;
};

export const LINKEDIN_DOUBLE_DEFAULTS = {
  clientId: "86devpulsesandbox",
  clientSecret: "WPL_AP1.DevPulseSandbox.Only==",
  redirectUris: ["http://localhost:3000/api/auth/callback/linkedin"],
  appName: "DevPulse Cloud",
  /** The "Sign In with LinkedIn using OpenID Connect" product. */
  scopes: ["openid", "profile", "email"],
  /** Seeded members: the first is signed in to LinkedIn in the browser; Bruno never confirmed his email. */
  members: [
    { id: "ana-lima", firstName: "Ana", lastName: "Lima", email: "ana.lima@devpulse.test", emailVerified: true, locale: { country: "PT", language: "pt" } },
    { id: "bruno-costa", firstName: "Bruno", lastName: "Costa", email: "bruno.costa@devpulse.test", emailVerified: false, locale: { country: "BR", language: "pt" } },
  ] satisfies LinkedInMember[],
} as const;

export async function startLinkedInDouble(options: LinkedInDoubleOptions = {}) {
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;
  const faults = new FaultQueue();
  const requests: LoggedRequest[] = [];
  const urls = { web: "" };
  const members = new Map<string, LinkedInMember>();
  for (const member of LINKEDIN_DOUBLE_DEFAULTS.members) members.set(member.id, { ...member, locale: { ...member.locale } });
  let signedIn: string = LINKEDIN_DOUBLE_DEFAULTS.members[0]!.id;
  const memberOf = (id: string) => {
    const member = members.get(id);
    if (!member) throw new Error(`LinkedIn double: no member ${id}`);
    return member;
  };
  const oauth = new LinkedInOAuth(
    {
      clientId: options.clientId ?? LINKEDIN_DOUBLE_DEFAULTS.clientId,
      clientSecret: options.clientSecret ?? LINKEDIN_DOUBLE_DEFAULTS.clientSecret,
      redirectUris: [...(options.redirectUris ?? LINKEDIN_DOUBLE_DEFAULTS.redirectUris)],
      appName: options.appName ?? LINKEDIN_DOUBLE_DEFAULTS.appName,
      scopes: [...LINKEDIN_DOUBLE_DEFAULTS.scopes],
    },
    options.autoApprove ?? false,
    { now, url: () => urls.web, members, currentMember: () => memberOf(signedIn) },
  );

  const handle = (req: DoubleRequest): DoubleResponse => {
    const { path, method } = req;
    if (path === "/oauth/v2/authorization") {
      if (method === "GET") return oauth.authorize(req);
      if (method === "POST") return oauth.decide(req);
    }
    if (path === "/oauth/v2/accessToken" && method === "POST") return oauth.token(req);
    if (path === "/oauth/.well-known/openid-configuration" && method === "GET") return oauth.openIdConfiguration();
    if (path === "/oauth/openid/jwks" && method === "GET") return oauth.jwks();
    if (path === "/v2/userinfo" && method === "GET") return oauth.userinfo(req);
    return html(404, errorPage("LinkedIn", "Page not found", `This LinkedIn sandbox does not serve ${path}.`));
  };

  const server = await serve({
    port: options.port,
    faults,
    log: requests,
    faultResponse: (_req, fault) => faultAnswer(fault, {}, json(fault.status, { serviceErrorCode: 0, message: "Internal Server Error", status: fault.status })),
    handle,
  });
  urls.web = server.url;

  return {
    /** LINKEDIN_OAUTH_URL: www.linkedin.com's stand-in (its discovery document names every endpoint). */
    url: server.url,
    /** The id_token issuer (https://www.linkedin.com/oauth at LinkedIn). */
    issuer: oauth.issuer(),
    oauth: oauth.client,
    /** Every request answered, oldest first (never a credential). */
    requests,

    // ---- members
    members: () => [...members.values()].map((member) => ({ ...member, locale: { ...member.locale } })),
    /** A new member (email verified unless told otherwise); returns their id. */
    addMember(input: { email: string; firstName: string; lastName: string; emailVerified?: boolean }): string {
      const id = `member-${members.size + 1}-${input.email.toLowerCase()}`;
      members.set(id, { id, firstName: input.firstName, lastName: input.lastName, email: input.email.toLowerCase(), emailVerified: input.emailVerified ?? true, locale: { country: "US", language: "en" } });
      return id;
    },
    /** Who the consent page signs in as (the member signed in to LinkedIn in this browser). */
    signInAs(memberId: string): void {
      signedIn = memberOf(memberId).id;
    },
    /** The member confirms (or loses) their primary email address. */
    setEmailVerified(memberId: string, verified: boolean): void {
      memberOf(memberId).emailVerified = verified;
    },
    /** The `sub` this app sees for a member (pairwise). */
    subjectOf: (memberId: string) => oauth.subjectOf(memberOf(memberId).id),

    // ---- consent and tokens
    approveNext: (times = 1) => oauth.consent.approveNext(times),
    denyNext: (times = 1) => oauth.consent.denyNext(times),
    setAutoApprove: (value: boolean) => void (oauth.consent.autoApprove = value),
    addRedirectUri: (uri: string) => void oauth.client.redirectUris.push(uri),
    issuedTokens: () => oauth.issued,

    // ---- faults and time
    /** The next matching request(s) get this answer, or a destroyed socket. */
    failNext: (fault: FaultSpec) => faults.add(fault),
    /** Moves the double's clock (code, token and id_token expiry). */
    advanceTime: (ms: number) => void (clockOffset += ms),
    now,
    /** Clears faults, the request log and consent overrides. Members and tokens stay. */
    reset(): void {
      faults.clear();
      requests.length = 0;
      oauth.consent.clear();
    },
    close: () => server.close(),
  };
}

export type LinkedInDouble = Awaited<ReturnType<typeof startLinkedInDouble>>;
