/**
 * tRPC setup, in three sections: 1. context, 2. initialisation (transformer, error
 * shape), 3. procedures. Routers import only `createTRPCRouter` and the procedures.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import { CLIENT_HEADER } from "~/lib/client-header";
import { transformer } from "~/lib/transformer";
import { z, ZodError } from "zod";
import { markActive } from "../auth/activity";
import type { PublicUser } from "../auth/accounts";
import { getSessionUser } from "../auth/accounts";
import { parseCookieHeader, readSessionCookie, renewedSessionCookie } from "../auth/session";
import { clientIpFrom } from "../http/client-address";
import { getDb, type Db } from "../db/client";
import { isDatabaseUnavailable } from "../db/unavailable";
import { authenticateDeviceToken, bearerTokenFrom } from "../devices/devices";
import { getEnv } from "../env";
import { AppError } from "../errors";
import { ProviderError, type ProviderErrorKind } from "../integrations/resilience";
import { clientVersionError } from "./client-version";
import { crossSiteRefusal } from "../security/csrf";
import { consumeRequestLimit, type RateLimitName } from "../security/rate-limits";

// ───────────────────────────── 1. Context ─────────────────────────────

export type Context = {
  db: Db;
  /** The signed-in user, from the session cookie or a device token. */
  user: PublicUser | null;
  /** Set when the request authenticated with a device token. */
  device: { id: string; name: string } | null;
  /** A presented but unusable credential (malformed or revoked): refused on every procedure. */
  authError: AppError | null;
  /** An X-DevPulse-Client header that is malformed or older than MIN_CLIENT_VERSIONS allows (426): refused on every procedure. */
  clientError: AppError | null;
  /** Set when a browser sent this unsafe request from another site (security/csrf.ts): refused on every procedure. */
  crossSiteRefusal: string | null;
  ip: string;
  /** Public base URL of this deployment, for links handed to clients. */
  appUrl: string;
  /**
   * Set when the caller signed in with the browser session cookie: re-issues that
   * cookie with a new session version (a password change keeps this session alive).
   */
  renewSession: ((changes: { sessionVersion?: number; email?: string }) => Promise<void>) | null;
};

/** The context without HTTP: tests and jobs build it directly. */
export async function createContextInner(opts: Partial<Context> = {}): Promise<Context> {
  return {
    db: opts.db ?? (await getDb()),
    user: opts.user ?? null,
    device: opts.device ?? null,
    authError: opts.authError ?? null,
    clientError: opts.clientError ?? null,
    crossSiteRefusal: opts.crossSiteRefusal ?? null,
    ip: opts.ip ?? "unknown",
    appUrl: opts.appUrl ?? getEnv().appUrl,
    renewSession: opts.renewSession ?? null,
  };
}

/** A database that is not answering, as callers hear it: 503, try again (api/responses.ts adds Retry-After). */
export function databaseUnavailableError(cause: unknown): TRPCError {
  return new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "The database is not answering right now. Try again in a moment.", cause });
}

/** Bearer device token first (desktop app), then the next-auth session cookie (browser). */
export async function createContextFromRequest(req: Request, resHeaders?: Headers): Promise<Context> {
  try {
    return await contextFromRequest(req, resHeaders);
  } catch (error) {
    // Credentials are read from the database before any procedure runs: its absence is a 503 here too.
    if (isDatabaseUnavailable(error)) throw databaseUnavailableError(error);
    throw error;
  }
}

async function contextFromRequest(req: Request, resHeaders?: Headers): Promise<Context> {
  const db = await getDb();
  const ip = clientIpFrom(req.headers);
  const clientError = clientVersionError(req.headers.get(CLIENT_HEADER), getEnv().MIN_CLIENT_VERSIONS);
  // Only a browser's ambient cookie can be abused cross-site: a request that carries its own
  // credential is exempt (another site cannot add an Authorization header without a CORS preflight we never allow).
  const crossSite = req.headers.has("authorization") ? null : crossSiteRefusal(req, getEnv().appUrl);
  try {
    const token = bearerTokenFrom(req.headers.get("authorization"));
    if (token) {
      const { user, device } = await authenticateDeviceToken(db, token);
      return createContextInner({ db, ip, clientError, user, device });
    }
    const cookies = parseCookieHeader(req.headers.get("cookie"));
    const claims = await readSessionCookie(cookies);
    const user = claims ? await getSessionUser(db, claims) : undefined;
    const renewSession =
      user && resHeaders
        ? async (changes: { sessionVersion?: number; email?: string }) => {
            const cookie = await renewedSessionCookie(cookies, { sessionVersion: claims!.sessionVersion, ...changes });
            if (cookie) resHeaders.append("set-cookie", cookie);
          }
        : null;
    return createContextInner({ db, ip, clientError, user: user ?? null, renewSession, crossSiteRefusal: crossSite });
  } catch (error) {
    if (error instanceof AppError) return createContextInner({ db, ip, clientError, authError: error, crossSiteRefusal: crossSite });
    throw error;
  }
}

// ─────────────────────────── 2. Initialisation ───────────────────────────

// Meta: `.meta({ openapi: { method, path } })` also serves a procedure over REST (app/api/v1, documented by server/openapi/).
const t = initTRPC.context<Context>().meta<OpenApiMeta>().create({
  transformer,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const hideInternals = error.code === "INTERNAL_SERVER_ERROR" && getEnv().NODE_ENV === "production";
    return {
      ...shape,
      message: hideInternals ? "Something went wrong on our side. Try again shortly." : shape.message,
      data: {
        ...shape.data,
        httpStatus: cause instanceof AppError && cause.httpStatus ? cause.httpStatus : shape.data.httpStatus,
        stack: getEnv().NODE_ENV === "development" ? shape.data.stack : undefined,
        /** Field-level messages for forms: { formErrors, fieldErrors }. */
        zodError: cause instanceof ZodError ? z.flattenError(cause) : null,
        /** Machine-readable details of a domain error, e.g. `oauthError: "authorization_pending"`. */
        details: cause instanceof AppError ? (cause.details ?? null) : null,
      },
    };
  },
});

/** A readable sentence instead of zod's JSON: "changes.0.collection: Unknown collection …". */
function describeZodError(error: ZodError): string {
  const first = error.issues.slice(0, 3).map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message));
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : "";
  return `Invalid input: ${first.join("; ")}${more}`;
}

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** What a provider's failure is to our caller: the provider is the upstream, so its outages are 502/503 and its refusals 4xx. */
const PROVIDER_ERROR_CODES = {
  unauthorized: "PRECONDITION_FAILED",
  rate_limited: "TOO_MANY_REQUESTS",
  unavailable: "SERVICE_UNAVAILABLE",
  forbidden: "FORBIDDEN",
  not_found: "NOT_FOUND",
  bad_response: "BAD_GATEWAY",
} as const satisfies Record<ProviderErrorKind, TRPCError["code"]>;

/**
 * The one place errors get their final shape: domain AppErrors become tRPC errors
 * with their code, and input validation errors get a readable message (zod's own
 * is JSON) while the flattened issues still reach clients in `data.zodError`.
 */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof AppError) throw new TRPCError({ code: cause.code, message: cause.message, cause });
  // A provider's refusal, said in the user's terms (its messages are written for them, never with a token).
  if (cause instanceof ProviderError) throw new TRPCError({ code: PROVIDER_ERROR_CODES[cause.kind], message: cause.message, cause });
  if (isDatabaseUnavailable(cause)) throw databaseUnavailableError(cause);
  if (cause instanceof ZodError && result.error.code === "BAD_REQUEST") {
    throw new TRPCError({ code: "BAD_REQUEST", message: describeZodError(cause), cause });
  }
  return result;
});

/** A client too old for this server hears so first, whatever else is wrong with its request. */
const refuseOutdatedClients = t.middleware(({ ctx, next }) => {
  if (ctx.clientError) throw ctx.clientError;
  return next();
});

/** A browser's unsafe request from another site never acts as anyone (security/csrf.ts), before anything else runs. */
const refuseCrossSite = t.middleware(({ ctx, next }) => {
  if (ctx.crossSiteRefusal) throw new TRPCError({ code: "FORBIDDEN", message: ctx.crossSiteRefusal });
  return next();
});

/** A credential that was sent but is unusable is an error even where none is needed. */
const refuseBadCredentials = t.middleware(({ ctx, next }) => {
  if (ctx.authError) throw ctx.authError;
  return next();
});

// ───────────────────────────── 3. Procedures ─────────────────────────────

/**
 * Every call, before anything else (a bad credential included): the instance's ceiling, then the
 * caller's allowance — per device, user, or (signed out) address (server/security/rate-limits.ts).
 */
const limitCalls = t.middleware(async ({ ctx, next }) => {
  await consumeRequestLimit(ctx.db, "requests", ctx);
  await consumeRequestLimit(ctx.db, "calls", ctx);
  return next();
});

/** Anyone may call; `ctx.user` may be null. */
export const publicProcedure = t.procedure.use(mapErrors).use(refuseOutdatedClients).use(refuseCrossSite).use(limitCalls).use(refuseBadCredentials);

/**
 * A named rate limit (server/security/rate-limits.ts) on a procedure, keyed as the limit says
 * (the client address, the account…): `.use(rateLimited("register"))`. Over the limit the call
 * fails with TOO_MANY_REQUESTS, `data.details.retryAfterSeconds`, before the procedure runs.
 */
export const rateLimited = (name: RateLimitName) =>
  t.middleware(async ({ ctx, next }) => {
    await consumeRequestLimit(ctx.db, name, ctx);
    return next();
  });

/** Signed-in callers only (session cookie or device token); `ctx.user` is non-null. */
export const protectedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  await markActive(ctx.db, ctx.user.id);
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/**
 * A person in the browser only: changing the account, approving a device, deleting or anonymizing
 * everything. A desktop device token cannot, so a stolen one can neither mint more tokens nor take
 * the account with it.
 */
export const browserSessionProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.device) throw new TRPCError({ code: "FORBIDDEN", message: "Do this in the browser, signed in to DevPulse: a desktop device token cannot change the account, approve devices or delete your data." });
  return next();
});
