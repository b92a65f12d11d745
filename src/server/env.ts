import { z } from "zod";
import { ZMinClientVersions } from "./api/client-version";
import { proxyTrust } from "./http/proxy-trust";

/**
 * The one place environment variables are read. Everything else calls `getEnv()`.
 * Parsed lazily (not at import) so `next build` can collect page data without a
 * configured environment; `src/instrumentation.ts` calls it at start-up so a bad
 * variable stops the server with a message naming it.
 */

/** TRUST_PROXY: whatever proxyTrust reads (it throws on anything else). */
function isProxyTrust(value: string): boolean {
  try {
    proxyTrust(value);
    return true;
  } catch {
    return false;
  }
}

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().min(1).optional());
const flag = z.preprocess(
  emptyAsUndefined,
  z
    .enum(["1", "0", "true", "false"])
    .optional()
    .transform((value) => value === "1" || value === "true"),
);
const positiveInt = (fallback: number) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().int().positive().default(fallback));

const postgresUrl = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, "must be a postgres:// or postgresql:// connection URL")
    .optional(),
);

/** Waits between an outbound webhook's attempts when WEBHOOK_RETRY_SCHEDULE is not set: nine attempts over about a day. */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = "10s,1m,5m,30m,2h,5h,8h,8h";

export const EMAIL_PROVIDER_IDS = ["smtp", "resend", "postmark", "sendgrid"] as const;
export type EmailProviderId = (typeof EMAIL_PROVIDER_IDS)[number];

/** EMAIL_PROVIDERS as a list, in order of preference (validated by ZEnv). */
export function emailProviderList(value: string | undefined): EmailProviderId[] {
  return (value ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name): name is EmailProviderId => (EMAIL_PROVIDER_IDS as readonly string[]).includes(name));
}

/**
 * What a kind of deployment must set, with why: the one list that validation enforces (naming each
 * missing variable), the README's deployment sections document and the docker-compose test checks.
 * Each variable's own format is checked by its schema below; rules that pair variables (a signing
 * key with an event key, all three Pusher credentials) hold everywhere and live in the refinement.
 */
export type RequiredVariable = {
  name: "DATABASE_URL" | "APP_URL" | "NEXTAUTH_SECRET" | "WEBHOOK_SECRET" | "TOKEN_ENCRYPTION_KEY" | "INNGEST_EVENT_KEY" | "INNGEST_SIGNING_KEY" | "PUSHER_APP_ID" | "PUSHER_KEY" | "PUSHER_SECRET";
  why: string;
};

/**
 * A secret generated into the data folder is per instance. On Vercel, and in production on a
 * shared Postgres (several containers, or one replaced by the next), each instance would generate
 * its own: sessions, webhook signatures and sealed tokens would break.
 */
const SHARED_SECRETS: readonly RequiredVariable[] = [
  { name: "NEXTAUTH_SECRET", why: "a generated secret would differ per instance and sessions would break (openssl rand -base64 32)" },
  { name: "WEBHOOK_SECRET", why: "a generated secret would differ per instance and webhooks would be refused (openssl rand -base64 32)" },
  { name: "TOKEN_ENCRYPTION_KEY", why: "a generated key would differ per instance and tokens could not be read (openssl rand -base64 32)" },
];

/** Serverless: no persistent disk and no process that outlives a request. */
const VERCEL_REQUIRED: readonly RequiredVariable[] = [
  { name: "DATABASE_URL", why: "the embedded database needs a persistent disk" },
  { name: "APP_URL", why: "links handed to devices and OAuth callbacks need the deployment's public URL" },
  ...SHARED_SECRETS,
  { name: "INNGEST_EVENT_KEY", why: "in-process jobs would die with each serverless invocation (Inngest Cloud runs them)" },
  { name: "INNGEST_SIGNING_KEY", why: "/api/inngest only runs functions for requests signed with it" },
  { name: "PUSHER_APP_ID", why: "the in-process realtime transport needs a long-lived process (Pusher delivers events instead)" },
  { name: "PUSHER_KEY", why: "the in-process realtime transport needs a long-lived process (Pusher delivers events instead)" },
  { name: "PUSHER_SECRET", why: "the in-process realtime transport needs a long-lived process (Pusher delivers events instead)" },
];

/** Which requirements apply to a deployment, and how messages say where it runs; null for a single process on its own data folder. */
export function deploymentRequirements(env: { VERCEL?: boolean; NODE_ENV?: string; DATABASE_URL?: string }): { where: string; variables: readonly RequiredVariable[] } | null {
  if (env.VERCEL) return { where: "on Vercel", variables: VERCEL_REQUIRED };
  if (env.DATABASE_URL && env.NODE_ENV === "production") return { where: "in production with DATABASE_URL", variables: SHARED_SECRETS };
  return null;
}

export const ZEnv = z
  .object({
    NODE_ENV: z.preprocess(
      emptyAsUndefined,
      z.enum(["development", "production", "test"]).default("development"),
    ),
    PORT: positiveInt(3000),
    APP_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
    DATABASE_URL: postgresUrl,
    DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default(".data")),
    PGLITE_DIR: optionalString,
    NEXTAUTH_SECRET: z.preprocess(
      emptyAsUndefined,
      z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)").optional(),
    ),
    GITHUB_CLIENT_ID: optionalString,
    GITHUB_CLIENT_SECRET: optionalString,
    /** GitHub (or GitHub Enterprise Server): web and OAuth, and the REST API. */
    GITHUB_BASE_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://github.com")),
    GITHUB_API_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://api.github.com")),
    /** GitLab.com or self-managed GitLab: API under /api/v4, OAuth under /oauth. */
    GITLAB_BASE_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://gitlab.com")),
    GITLAB_CLIENT_ID: optionalString,
    GITLAB_CLIENT_SECRET: optionalString,
    /** Derives each integration's webhook secret; generated into the data folder when unset. */
    WEBHOOK_SECRET: z.preprocess(emptyAsUndefined, z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)").optional()),
    /** Slack: a Slack app with user-token scopes; web (OAuth at /oauth/v2/authorize) and the Web API at /api/. */
    SLACK_CLIENT_ID: optionalString,
    SLACK_CLIENT_SECRET: optionalString,
    SLACK_BASE_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://slack.com")),
    /** Discord: an application with a bot (its token posts the team status message); OAuth on the web URL, REST v10 on the API URL. */
    DISCORD_CLIENT_ID: optionalString,
    DISCORD_CLIENT_SECRET: optionalString,
    DISCORD_BOT_TOKEN: optionalString,
    DISCORD_BASE_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://discord.com")),
    DISCORD_API_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://discord.com/api")),
    /** Google sign-in and Google Calendar: OAuth (authorize at /o/oauth2/v2/auth), the token endpoint, and the APIs (Calendar v3 under /calendar/v3). */
    GOOGLE_OAUTH_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://accounts.google.com")),
    GOOGLE_TOKEN_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://oauth2.googleapis.com/token")),
    GOOGLE_API_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://www.googleapis.com")),
    /** Microsoft 365 / Outlook calendars (and sign-in): the Entra ID app, its tenant, the identity platform and Graph. */
    MICROSOFT_CLIENT_ID: optionalString,
    MICROSOFT_CLIENT_SECRET: optionalString,
    MICROSOFT_TENANT: z.preprocess(emptyAsUndefined, z.string().regex(/^[A-Za-z0-9.-]+$/, "must be common, organizations, consumers, a tenant id or a domain").default("common")),
    MICROSOFT_LOGIN_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://login.microsoftonline.com")),
    MICROSOFT_GRAPH_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://graph.microsoft.com/v1.0")),
    GOOGLE_CLIENT_ID: optionalString,
    GOOGLE_CLIENT_SECRET: optionalString,
    /** "Sign in with LinkedIn" (OpenID Connect): the app's client, and www.linkedin.com (the issuer is <url>/oauth, discovery below it). */
    LINKEDIN_CLIENT_ID: optionalString,
    LINKEDIN_CLIENT_SECRET: optionalString,
    LINKEDIN_OAUTH_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://www.linkedin.com")),
    PUSHER_APP_ID: optionalString,
    PUSHER_KEY: optionalString,
    PUSHER_SECRET: optionalString,
    PUSHER_CLUSTER: optionalString,
    /** A self-hosted Pusher-protocol server (e.g. Soketi) instead of a cluster. */
    PUSHER_HOST: optionalString,
    PUSHER_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().positive().optional()),
    PUSHER_USE_TLS: z.preprocess(
      emptyAsUndefined,
      z
        .enum(["1", "0", "true", "false"])
        .default("true")
        .transform((value) => value === "1" || value === "true"),
    ),
    /**
     * Where browsers and devices reach that server, when it differs from where this server does:
     * in docker compose the app publishes to `soketi:6001` while browsers connect to `localhost:6001`
     * (or to a TLS proxy in front of it). Each falls back to PUSHER_HOST, PUSHER_PORT, PUSHER_USE_TLS.
     */
    PUSHER_CLIENT_HOST: optionalString,
    PUSHER_CLIENT_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().positive().max(65535).optional()),
    PUSHER_CLIENT_USE_TLS: z.preprocess(
      emptyAsUndefined,
      z
        .enum(["1", "0", "true", "false"])
        .optional()
        .transform((value) => (value === undefined ? undefined : value === "1" || value === "true")),
    ),
    /** Keyring for OAuth tokens at rest: comma-separated base64 32-byte keys, the first one current. */
    TOKEN_ENCRYPTION_KEY: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .refine(
          (value) => value.split(",").every((key) => Buffer.from(key.trim(), "base64").length === 32 && /^[A-Za-z0-9+/]+=*$/.test(key.trim())),
          "must be base64-encoded 32-byte keys, comma-separated (openssl rand -base64 32)",
        )
        .optional(),
    ),
    /** Inngest Cloud or self-hosted Inngest: with an event key (or INNGEST_DEV) jobs go to Inngest; without, they run in-process. */
    INNGEST_EVENT_KEY: optionalString,
    INNGEST_SIGNING_KEY: optionalString,
    /** A self-hosted Inngest server's URL. */
    INNGEST_BASE_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
    /** "1" for an Inngest dev server on its default port, or its URL. */
    INNGEST_DEV: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .refine((value) => value === "1" || value === "true" || /^https?:\/\/[^\s]+$/.test(value), 'must be "1" or the dev server\'s http(s) URL')
        .optional(),
    ),
    /** Outgoing mail (smtp:// or smtps://, credentials in the URL). Unset: mail is written to DATA_DIR/outbox as .eml files. */
    SMTP_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).optional()),
    MAIL_FROM: z.preprocess(emptyAsUndefined, z.string().min(3).default("DevPulse Cloud <no-reply@devpulse.localhost>")),
    /**
     * Email providers in order of preference, comma-separated (smtp, resend, postmark, sendgrid): each message goes through
     * the first whose circuit is closed, and fails over to the next. Unset: smtp when SMTP_URL is set, else the outbox folder.
     */
    EMAIL_PROVIDERS: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^\s*(smtp|resend|postmark|sendgrid)(\s*,\s*(smtp|resend|postmark|sendgrid))*\s*$/, "must list smtp, resend, postmark or sendgrid, comma-separated")
        .optional(),
    ),
    RESEND_API_KEY: optionalString,
    RESEND_BASE_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://api.resend.com")),
    /** Resend's webhook signing secret (whsec_…): bounce and delivery events. */
    RESEND_WEBHOOK_SECRET: optionalString,
    POSTMARK_SERVER_TOKEN: optionalString,
    POSTMARK_API_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://api.postmarkapp.com")),
    /** Postmark webhooks carry HTTP basic credentials we choose (user:password in the webhook URL): this is that pair. */
    POSTMARK_WEBHOOK_CREDENTIALS: optionalString,
    SENDGRID_API_KEY: optionalString,
    SENDGRID_API_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default("https://api.sendgrid.com")),
    /** SendGrid's signed event webhook: the ECDSA public key (base64) it shows in its settings. */
    SENDGRID_WEBHOOK_PUBLIC_KEY: optionalString,
    /** Consecutive failures of one email provider that open its circuit (mail then goes to the next provider). */
    EMAIL_CIRCUIT_THRESHOLD: positiveInt(3),
    /** How long an open email circuit waits before one trial send (half-open). Tests shorten it. */
    EMAIL_CIRCUIT_COOLDOWN_MS: positiveInt(60_000),
    /** Redis for rate limits shared across instances (requests, sign-in, notification sends); unset: the database, or memory on PGlite (security/limiter-store.ts). */
    REDIS_URL: z.preprocess(emptyAsUndefined, z.string().regex(/^rediss?:\/\/.+/, "must be a redis:// or rediss:// URL").optional()),
    /** Bearer token for /api/metrics (Prometheus) and /api/health/deep. Unset: metrics answer 404. */
    METRICS_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, "must be at least 16 characters").optional()),
    /**
     * The operators: accounts (by email, comma-separated) that may read /api/health/deep when signed in.
     * Sign-up does not confirm addresses, so list an address only once its owner holds the account.
     */
    OPERATOR_EMAILS: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .optional()
        .transform((value) => (value ?? "").split(",").map((email) => email.trim().toLowerCase()).filter(Boolean))
        .refine((emails) => emails.every((email) => z.email().safeParse(email).success), "must be email addresses, comma-separated"),
    ),
    /**
     * After SIGTERM, how long in-flight requests and running background steps may take to finish
     * before the server closes what is left and exits (the orchestrator's own limit must be longer).
     */
    SHUTDOWN_GRACE_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(600_000).default(10_000)),
    /** Let outbound webhooks reach loopback, link-local and private addresses (tests and closed networks only). */
    ALLOW_PRIVATE_WEBHOOKS: flag,
    /**
     * Which proxies in front may say who the client is (X-Forwarded-For), for rate limits and the sign-in log
     * (server/http/client-address.ts): addresses or CIDR ranges and the names loopback, linklocal, uniquelocal,
     * comma-separated, or a number of hops. The default trusts a proxy on this host or a private network.
     */
    TRUST_PROXY: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .refine(isProxyTrust, "must be a number of hops, or addresses, CIDR ranges and the names loopback, linklocal, uniquelocal, comma-separated")
        .default("loopback, linklocal, uniquelocal"),
    ),
    /**
     * Waits between outbound webhook attempts, comma-separated (default DEFAULT_WEBHOOK_RETRY_SCHEDULE).
     * Tests shorten it; each delivery reads it once, when it starts.
     */
    WEBHOOK_RETRY_SCHEDULE: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^\s*\d+(ms|s|m|h)\s*(,\s*\d+(ms|s|m|h)\s*){0,19}$/, "must be up to 20 durations like 10s,1m,2h, comma-separated")
        .default(DEFAULT_WEBHOOK_RETRY_SCHEDULE),
    ),
    /** How long one outbound webhook attempt may take, connection to the last byte read. */
    WEBHOOK_TIMEOUT_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(100).max(60_000).default(10_000)),
    /** Oldest client versions the API serves, per X-DevPulse-Client name (`devpulse-cli=1.2.0,devpulse-desktop=2.0.0`); older ones get 426. */
    MIN_CLIENT_VERSIONS: z.preprocess(emptyAsUndefined, ZMinClientVersions.default({})),
    LOG_LEVEL: z.preprocess(
      emptyAsUndefined,
      z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
    ),
    /** Consecutive failures for one account from one address before that pair is locked for LOGIN_LOCKOUT_MINUTES. */
    LOGIN_MAX_FAILURES_PER_ACCOUNT: positiveInt(5),
    /** Failures for one account from all addresses in a day: bounds a distributed guessing attack. */
    LOGIN_MAX_FAILURES_PER_ACCOUNT_PER_DAY: positiveInt(100),
    LOGIN_MAX_FAILURES_PER_IP: positiveInt(30),
    LOGIN_LOCKOUT_MINUTES: positiveInt(15),
    VERCEL: flag,
    /** Set by `npm run sandbox`: integrations talk to local provider doubles with demo data; the UI says so. */
    SANDBOX: flag,
  })
  .superRefine((env, ctx) => {
    // One problem per variable, the first found: a deployment's own requirement says more than a pairing rule.
    const problems = new Map<string, string>();
    const problem = (name: string, message: string) => {
      if (!problems.has(name)) problems.set(name, message);
    };
    const deployment = deploymentRequirements(env);
    for (const { name, why } of deployment?.variables ?? []) {
      if (env[name] === undefined) problem(name, `is required ${deployment!.where}: ${why}`);
    }
    if (env.INNGEST_EVENT_KEY && !env.INNGEST_DEV && !env.INNGEST_SIGNING_KEY) {
      problem("INNGEST_SIGNING_KEY", "is required with INNGEST_EVENT_KEY: /api/inngest only runs functions for requests signed with it");
    }
    const pusher = [env.PUSHER_APP_ID, env.PUSHER_KEY, env.PUSHER_SECRET];
    if (pusher.some(Boolean)) {
      for (const name of ["PUSHER_APP_ID", "PUSHER_KEY", "PUSHER_SECRET"] as const) {
        if (!env[name]) problem(name, "is required when any PUSHER_* credential is set");
      }
    }
    if ((pusher.some(Boolean) || deployment?.variables.some(({ name }) => name === "PUSHER_APP_ID")) && !env.PUSHER_CLUSTER && !env.PUSHER_HOST) {
      problem("PUSHER_CLUSTER", "set PUSHER_CLUSTER (Pusher Channels) or PUSHER_HOST (a Pusher-protocol server)");
    }
    const emailKeys = { smtp: "SMTP_URL", resend: "RESEND_API_KEY", postmark: "POSTMARK_SERVER_TOKEN", sendgrid: "SENDGRID_API_KEY" } as const;
    for (const name of emailProviderList(env.EMAIL_PROVIDERS)) {
      if (!env[emailKeys[name]]) problem(emailKeys[name], `is required: EMAIL_PROVIDERS lists ${name}`);
    }
    for (const provider of ["GITHUB", "GITLAB", "GOOGLE", "SLACK", "DISCORD", "MICROSOFT", "LINKEDIN"] as const) {
      const id = env[`${provider}_CLIENT_ID`];
      const secret = env[`${provider}_CLIENT_SECRET`];
      if (Boolean(id) !== Boolean(secret)) {
        problem(id ? `${provider}_CLIENT_SECRET` : `${provider}_CLIENT_ID`, `must be set together with ${id ? `${provider}_CLIENT_ID` : `${provider}_CLIENT_SECRET`}`);
      }
    }
    for (const [name, message] of problems) ctx.addIssue({ code: "custom", path: [name], message });
  });

export type Env = z.infer<typeof ZEnv> & { appUrl: string };

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = ZEnv.safeParse(source);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
    );
  }
  const env = result.data;
  const appUrl = (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
  return { ...env, appUrl };
}

let cached: Env | undefined;

export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Re-reads process.env, for tests and tools that change it while the process runs. */
export function reloadEnv(): Env {
  cached = parseEnv(process.env);
  return cached;
}
