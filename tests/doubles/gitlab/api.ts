import { randomUUID } from "node:crypto";
import { type DoubleRequest, type DoubleResponse, clampPerPage, credentialFrom, etagMatches, json, linkHeader, md5, noContent, pageNumber, params } from "../shared/http";
import type { GitLabData, StoredProject } from "./data";
import type { GitLabOAuth, GitLabTokenRecord } from "./oauth";
import type { GitLabHooks } from "./webhooks";

/**
 * GitLab's REST API v4: bearer authentication (and its three kinds of 401), OAuth scope
 * checks, the authenticated-API rate limit (Rack::Attack: fixed one-minute windows,
 * 429 "Retry later" with RateLimit-* and Retry-After), weak ETags with 304 (which,
 * unlike GitHub, still count against the limit), offset pagination headers, and the
 * endpoints the app uses. Errors are GitLab's: { message: "404 Project Not Found" },
 * { error: "…" } for invalid parameters and unknown routes.
 */
const gitlabJson = (status: number, value: unknown, headers: Record<string, string> = {}) => json(status, value, { "content-type": "application/json", ...headers });

export const message = (status: number, text: string) => gitlabJson(status, { message: text });

/** GitLab's default answer for an injected fault with only a status. */
export function gitlabFaultBody(status: number): DoubleResponse {
  if (status === 429) return { status, headers: { "content-type": "text/plain" }, body: "Retry later\n" };
  if (status === 502 || status === 503 || status === 504) {
    const title = status === 503 ? "GitLab is not responding (503)" : status === 504 ? "GitLab is not responding (504)" : "GitLab is not responding (502)";
    return { status, headers: { "content-type": "text/html; charset=utf-8" }, body: `<!DOCTYPE html>\n<html>\n<head><title>${title}</title></head>\n<body><h1>${status}</h1><h2>Whoops, GitLab is taking too much time to respond.</h2></body>\n</html>\n` };
  }
  const text: Record<number, string> = { 400: "400 Bad request", 401: "401 Unauthorized", 403: "403 Forbidden", 404: "404 Not Found", 409: "409 Conflict", 422: "422 Unprocessable Entity", 500: "500 Internal Server Error" };
  return message(status, text[status] ?? `${status} Error`);
}

/** Ready-made faults, GitLab's own answers: `double.failNext({ path: /\/projects$/, ...gitlabFaults.rateLimited(1) })`. */
export const gitlabFaults = {
  /** 429 "Retry later" with Retry-After (the RateLimit-* headers come from the double's current window). */
  rateLimited: (retryAfterSeconds = 60) => ({ status: 429, headers: { "retry-after": String(retryAfterSeconds) } }),
  serverError: (status: 500 | 502 | 503 | 504 = 502) => ({ status }),
  networkError: () => ({ networkError: true as const }),
};

/** Authenticated API requests per user per fixed window (default 2000 per 60 s). */
export class GitLabRateLimit {
  count = 0;
  resetAt = 0;
  constructor(
    public limit: number,
    private readonly now: () => number,
    public readonly periodSeconds = 60,
  ) {}
  private roll() {
    const now = this.now();
    if (now >= this.resetAt) {
      const period = this.periodSeconds * 1000;
      this.count = 0;
      this.resetAt = (Math.floor(now / period) + 1) * period;
    }
  }
  /** Counts a request (Rack::Attack counts throttled ones too); false when over the limit. */
  hit(): boolean {
    this.roll();
    this.count += 1;
    return this.count <= this.limit;
  }
  get remaining(): number {
    this.roll();
    return Math.max(0, this.limit - this.count);
  }
  set(options: { remaining?: number; resetAt?: Date | number; limit?: number }) {
    this.roll();
    if (options.limit !== undefined) this.limit = options.limit;
    if (options.remaining !== undefined) this.count = this.limit - options.remaining;
    if (options.resetAt !== undefined) this.resetAt = typeof options.resetAt === "number" ? options.resetAt * 1000 : options.resetAt.getTime();
  }
  restore() {
    this.count = 0;
    this.resetAt = 0;
  }
  /** The headers of a throttled answer. */
  headers(): Record<string, string> {
    this.roll();
    const reset = Math.ceil(this.resetAt / 1000);
    return {
      "ratelimit-name": "throttle_authenticated_api",
      "ratelimit-limit": String(this.limit),
      "ratelimit-observed": String(this.count),
      "ratelimit-remaining": String(Math.max(0, this.limit - this.count)),
      "ratelimit-reset": String(reset),
      "ratelimit-resettime": new Date(this.resetAt).toUTCString(),
      "retry-after": String(Math.max(1, reset - Math.floor(this.now() / 1000))),
    };
  }
}

export function commonHeaders(): Record<string, string> {
  const id = randomUUID().replace(/-/g, "").slice(0, 26).toUpperCase();
  return {
    "cache-control": "max-age=0, private, must-revalidate",
    vary: "Origin, Accept-Encoding",
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
    "x-request-id": id,
    "x-gitlab-meta": JSON.stringify({ correlation_id: id, version: "1" }),
    "x-runtime": "0.031337",
  };
}

type Ctx = { data: GitLabData; oauth: GitLabOAuth; hooks: GitLabHooks; rate: GitLabRateLimit; webUrl: string };

const EXPIRED = "Token is expired. You can either do re-authorization or token refresh.";
const REVOKED = "Token was revoked. You have to re-authorize from the user.";

function invalidToken(description: string): DoubleResponse {
  return gitlabJson(401, { error: "invalid_token", error_description: description }, { "www-authenticate": `Bearer realm="Protected by OAuth 2.0", error="invalid_token", error_description="${description}"` });
}

function insufficientScope(accepted: string[]): DoubleResponse {
  const description = "The request requires higher privileges than provided by the access token.";
  return gitlabJson(
    403,
    { error: "insufficient_scope", error_description: description, scope: accepted.join(" ") },
    { "www-authenticate": `Bearer realm="Protected by OAuth 2.0", error="insufficient_scope", error_description="${description}", scope="${accepted.join(" ")}"` },
  );
}

export async function handleApi(ctx: Ctx, req: DoubleRequest, path: string): Promise<DoubleResponse> {
  const respond = (response: DoubleResponse) => ({ ...response, headers: { ...commonHeaders(), ...response.headers } });
  const token = credentialFrom(req.headers, ["bearer"]);
  if (!token) return respond(message(401, "401 Unauthorized"));
  const checked = ctx.oauth.check(token);
  if (!checked.ok) return respond(checked.reason === "expired" ? invalidToken(EXPIRED) : checked.reason === "revoked" ? invalidToken(REVOKED) : message(401, "401 Unauthorized"));
  if (!ctx.rate.hit()) return respond({ status: 429, headers: { "content-type": "text/plain", ...ctx.rate.headers() }, body: "Retry later\n" });

  const response = await route(ctx, req, path, checked.record);
  if (req.method === "GET" && response.status === 200 && response.body !== undefined) {
    const etag = `W/"${md5(response.body)}"`;
    if (etagMatches(req.headers["if-none-match"], etag)) return respond({ status: 304, headers: { etag } });
    return respond({ ...response, headers: { ...response.headers, etag } });
  }
  return respond(response);
}

async function route(ctx: Ctx, req: DoubleRequest, path: string, token: GitLabTokenRecord): Promise<DoubleResponse> {
  const { data } = ctx;
  const get = req.method === "GET";
  const readScopes = ["api", "read_api"];
  const allowed = (...accepted: string[]) => accepted.some((s) => token.scopes.includes(s));

  if (get && path === "/user") return allowed("api", "read_api", "read_user") ? gitlabJson(200, data.currentUser()) : insufficientScope(["api", "read_api", "read_user"]);
  if (!allowed(...(get ? readScopes : ["api"]))) return insufficientScope(get ? readScopes : ["api"]);
  if (get && path === "/projects") return listProjects(ctx, req);

  const match = /^\/projects\/([^/]+)(\/.*)?$/.exec(path);
  if (!match) return gitlabJson(404, { error: "404 Not Found" });
  const project = data.project(decodeURIComponent(match[1]!));
  if (!project || !data.canSee(project)) return message(404, "404 Project Not Found");
  const rest = match[2] ?? "";

  if (get && rest === "") return gitlabJson(200, data.projectFull(project));

  const commits = /^\/repository\/commits(?:\/([^/]+)(\/diff)?)?$/.exec(rest);
  if (get && commits) {
    if (!data.canReadCode(project)) return message(403, "403 Forbidden");
    if (!commits[1]) return listCommits(ctx, req, project);
    const ref = decodeURIComponent(commits[1]);
    const commit = ref === project.defaultBranch ? project.commits[0] : project.commits.find((c) => c.sha.startsWith(ref.toLowerCase()) && ref.length >= 7);
    if (!commit) return message(404, "404 Commit Not Found");
    if (commits[2]) {
      const { slice, headers } = paginate(ctx, req, data.diff(commit), true);
      return gitlabJson(200, slice, headers);
    }
    return gitlabJson(200, { ...data.commit(project, commit, true), status: null, project_id: project.id, last_pipeline: null });
  }

  const hooks = /^\/hooks(?:\/(\d+))?$/.exec(rest);
  if (hooks) {
    if (data.accessLevel(project) < 40) return message(403, "403 Forbidden");
    const id = hooks[1] ? Number(hooks[1]) : null;
    if (id === null && get) return gitlabJson(200, ctx.hooks.list(project).map((h) => ctx.hooks.json(project, h)));
    if (id === null && req.method === "POST") {
      const p = params(req);
      if (!p.url) return gitlabJson(400, { error: "url is missing" });
      if (!/^https?:\/\//i.test(p.url)) return gitlabJson(422, { message: { url: ["is blocked: Only allowed schemes are http, https"] } });
      const hook = ctx.hooks.create(project, p);
      return gitlabJson(201, ctx.hooks.json(project, hook));
    }
    const hook = id === null ? undefined : ctx.hooks.get(project, id);
    if (!hook) return message(404, "404 Not Found");
    if (get) return gitlabJson(200, ctx.hooks.json(project, hook));
    if (req.method === "DELETE") {
      ctx.hooks.remove(project, hook.id);
      return noContent();
    }
  }
  return gitlabJson(404, { error: "404 Not Found" });
}

/** x-page/x-per-page/x-next-page/x-prev-page and Link; x-total/x-total-pages and rel="last" only when `totals`. */
function paginate<T>(ctx: Ctx, req: DoubleRequest, items: T[], totals: boolean) {
  const perPage = clampPerPage(req.query.get("per_page"), 20);
  const page = pageNumber(req.query.get("page"));
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const hasNext = page * perPage < items.length;
  const base = new URL(`${ctx.webUrl}${req.path}${req.url.search}`);
  base.searchParams.set("per_page", String(perPage));
  const pages: Partial<Record<"prev" | "next" | "first" | "last", number>> = { first: 1 };
  if (page > 1) pages.prev = page - 1;
  if (hasNext) pages.next = page + 1;
  if (totals) pages.last = totalPages;
  const headers: Record<string, string> = {
    link: linkHeader(base, pages, ["prev", "next", "first", "last"]),
    "x-page": String(page),
    "x-per-page": String(perPage),
    "x-next-page": hasNext ? String(page + 1) : "",
    "x-prev-page": page > 1 ? String(page - 1) : "",
  };
  if (totals) {
    headers["x-total"] = String(items.length);
    headers["x-total-pages"] = String(totalPages);
  }
  return { slice, headers };
}

const flag = (value: string | null) => value === "true" || value === "1";
const ORDER_BY = ["id", "name", "path", "created_at", "updated_at", "last_activity_at", "similarity", "star_count"];

function listProjects(ctx: Ctx, req: DoubleRequest): DoubleResponse {
  const q = req.query;
  const { data } = ctx;
  const orderBy = q.get("order_by") ?? "created_at";
  const sort = q.get("sort") ?? "desc";
  if (!ORDER_BY.includes(orderBy)) return gitlabJson(400, { error: "order_by does not have a valid value" });
  if (sort !== "asc" && sort !== "desc") return gitlabJson(400, { error: "sort does not have a valid value" });
  const minAccess = Number(q.get("min_access_level") ?? 0);
  const search = q.get("search")?.toLowerCase();
  let projects = data
    .allProjects()
    .filter((p) => data.canSee(p))
    .filter((p) => !flag(q.get("membership")) || data.isMember(p))
    .filter((p) => !flag(q.get("owned")) || p.namespace.kind === "user")
    .filter((p) => !minAccess || data.accessLevel(p) >= minAccess)
    .filter((p) => !q.get("visibility") || p.visibility === q.get("visibility"))
    .filter((p) => !search || p.name.toLowerCase().includes(search) || p.path.toLowerCase().includes(search));
  const key = (p: StoredProject): string | number => {
    if (orderBy === "id") return p.id;
    if (orderBy === "name") return p.name.toLowerCase();
    if (orderBy === "path") return p.pathWithNamespace.toLowerCase();
    if (orderBy === "updated_at" || orderBy === "last_activity_at") return p.commits[0]?.date.toISOString() ?? p.createdAt;
    if (orderBy === "star_count") return 0;
    return p.createdAt;
  };
  projects = projects.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id));
  if (sort === "desc") projects.reverse();
  const { slice, headers } = paginate(ctx, req, projects, true);
  const simple = flag(q.get("simple"));
  return gitlabJson(200, slice.map((p) => (simple ? data.projectSimple(p) : data.projectFull(p))), headers);
}

function listCommits(ctx: Ctx, req: DoubleRequest, project: StoredProject): DoubleResponse {
  const q = req.query;
  const time = (name: "since" | "until") => {
    const value = q.get(name);
    if (value === null || value === "") return { ok: true as const, ms: null };
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? { ok: false as const, ms: null } : { ok: true as const, ms };
  };
  const since = time("since");
  const until = time("until");
  if (!since.ok) return gitlabJson(400, { error: "since is invalid" });
  if (!until.ok) return gitlabJson(400, { error: "until is invalid" });
  let commits = project.commits;
  const refName = q.get("ref_name");
  if (refName && refName !== project.defaultBranch && !flag(q.get("all"))) {
    const from = commits.find((c) => refName.length >= 7 && c.sha.startsWith(refName.toLowerCase()));
    commits = from ? commits.slice(commits.indexOf(from)) : [];
  }
  const author = q.get("author")?.toLowerCase();
  const path = q.get("path");
  commits = commits
    .filter((c) => since.ms === null || c.date.getTime() >= since.ms)
    .filter((c) => until.ms === null || c.date.getTime() <= until.ms)
    .filter((c) => !author || `${c.authorName} <${c.authorEmail}>`.toLowerCase().includes(author))
    .filter((c) => !path || c.files.some((f) => f.filename === path || f.filename.startsWith(`${path.replace(/\/$/, "")}/`)));
  // The commits API never sends x-total / x-total-pages (nor rel="last"): walk x-next-page.
  const { slice, headers } = paginate(ctx, req, commits, false);
  const withStats = flag(q.get("with_stats"));
  return gitlabJson(200, slice.map((c) => ctx.data.commit(project, c, withStats)), headers);
}
