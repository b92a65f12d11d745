import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import { isoSeconds, isoWithOffset } from "../shared/demo-history";
import type { GitHubData, GitHubSeedCommit, StoredCommit, StoredRepo } from "./data";

/**
 * Repository webhooks: the hooks API's storage and JSON, and deliveries as GitHub makes
 * them. Payloads take their key set from @octokit/webhooks-examples (the community's
 * recorded GitHub payloads) and their values from the double's data; each delivery is
 * signed with @octokit/webhooks-methods (X-Hub-Signature-256) plus the legacy SHA-1
 * X-Hub-Signature, and carries GitHub's delivery headers. Deliveries time out after
 * 10 s, as GitHub's do.
 */
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as WebhookDefinition[];
const pushExamples = examples.find((d) => d.name === "push")!.examples as Array<Record<string, unknown>>;
/** Every key any recorded push payload's repository has, with the recorded value as fallback. */
const repositoryTemplate: Record<string, unknown> = Object.assign({}, ...pushExamples.map((e) => e.repository as Record<string, unknown>));

export type HookInput = {
  name?: string;
  active?: boolean;
  events?: string[];
  config?: { url?: string; content_type?: string; secret?: string; insecure_ssl?: string | number };
};

export type StoredHook = {
  id: number;
  name: string;
  active: boolean;
  events: string[];
  config: { url: string; content_type: "json" | "form"; secret: string | null; insecure_ssl: string };
  createdAt: string;
  updatedAt: string;
  lastResponse: { code: number | null; status: string; message: string | null };
};

export type GitHubDelivery = {
  deliveryId: string;
  hookId: number;
  event: string;
  url: string;
  repository: string;
  /** Exactly what was sent: headers and body (a JSON string, or payload=… for form hooks). */
  request: { headers: Record<string, string>; body: string };
  payload: unknown;
  /** The receiver's answer; null status when it could not be reached or timed out. */
  status: number | null;
  responseBody: string | null;
  error: string | null;
  redelivery: boolean;
  durationMs: number;
};

export type PushResult = {
  /** The first delivery's id (the only one when the repository has one hook); null when no hook got the push. */
  deliveryId: string | null;
  deliveries: GitHubDelivery[];
  /** The commits as stored (with their generated SHAs). */
  commits: StoredCommit[];
};

const ZERO = "0000000000000000000000000000000000000000";

/**
 * Hook ids come from one sequence for every double in the process, as GitHub's are unique
 * across GitHub: the app keys its webhooks by (provider, hook id), and test files that each
 * start a double share one database. Kept on globalThis so a re-evaluated module continues it.
 */
const hookIds = globalThis as typeof globalThis & { __githubDoubleNextHookId?: number };
const nextHookId = () => {
  hookIds.__githubDoubleNextHookId ??= 498_765_001;
  return hookIds.__githubDoubleNextHookId++;
};

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export class GitHubHooks {
  private hooks = new Map<number, { repo: StoredRepo; hook: StoredHook }>();
  readonly deliveries: GitHubDelivery[] = [];
  private readonly hookshot = `GitHub-Hookshot/${randomBytes(4).toString("hex").slice(0, 7)}`;

  constructor(
    private readonly ctx: { data: GitHubData; webUrl: string; apiUrl: string; now: () => number; timeoutMs: number; pingOnCreate: boolean },
  ) {}

  list(repo: StoredRepo): StoredHook[] {
    return [...this.hooks.values()].filter((h) => h.repo === repo).map((h) => h.hook);
  }

  get(repo: StoredRepo, id: number): StoredHook | undefined {
    const found = this.hooks.get(id);
    return found?.repo === repo ? found.hook : undefined;
  }

  remove(repo: StoredRepo, id: number): boolean {
    return this.get(repo, id) ? this.hooks.delete(id) : false;
  }

  /** Forget every hook (seed() starts a new world). */
  clear(): void {
    this.hooks.clear();
  }

  create(repo: StoredRepo, input: HookInput): StoredHook | { errors: Array<Record<string, string>> } {
    const config = input.config ?? {};
    if (input.name !== undefined && input.name !== "web") return { errors: [{ resource: "Hook", code: "custom", field: "name", message: `Name must be "web"` }] };
    if (!config.url) return { errors: [{ resource: "Hook", code: "custom", message: "Config must contain url." }] };
    const events = input.events?.length ? input.events : ["push"];
    if (this.list(repo).some((h) => h.config.url === config.url && h.events.join() === events.join())) {
      return { errors: [{ resource: "Hook", code: "custom", message: "Hook already exists on this repository" }] };
    }
    const now = iso(this.ctx.now());
    const hook: StoredHook = {
      id: nextHookId(),
      name: "web",
      active: input.active ?? true,
      events,
      config: {
        url: config.url,
        content_type: config.content_type === "json" ? "json" : "form", // GitHub's default is form
        secret: config.secret ?? null,
        insecure_ssl: String(config.insecure_ssl ?? "0"),
      },
      createdAt: now,
      updatedAt: now,
      lastResponse: { code: null, status: "unused", message: null },
    };
    this.hooks.set(hook.id, { repo, hook });
    if (this.ctx.pingOnCreate) void this.ping(repo, hook);
    return hook;
  }

  json(repo: StoredRepo, hook: StoredHook) {
    const url = `${this.ctx.apiUrl}/repos/${repo.fullName}/hooks/${hook.id}`;
    const { secret, ...config } = hook.config;
    return {
      type: "Repository",
      id: hook.id,
      name: hook.name,
      active: hook.active,
      events: hook.events,
      config: secret ? { ...config, secret: "********" } : config,
      updated_at: hook.updatedAt,
      created_at: hook.createdAt,
      url,
      test_url: `${url}/test`,
      ping_url: `${url}/pings`,
      deliveries_url: `${url}/deliveries`,
      last_response: hook.lastResponse,
    };
  }

  // ---- payloads -------------------------------------------------------------

  private webhookRepository(repo: StoredRepo) {
    const rest = this.ctx.data.repository(repo) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(repositoryTemplate)) out[key] = key in rest ? rest[key] : value;
    const owner = this.ctx.data.simpleUser(repo.owner);
    out.owner = { name: repo.owner.name ?? repo.owner.login, email: repo.owner.email, ...owner };
    // Push payloads carry these as Unix times, unlike the REST API.
    out.created_at = Math.floor(Date.parse(repo.createdAt) / 1000);
    out.pushed_at = Math.floor(this.ctx.now() / 1000);
    out.stargazers = 0;
    out.master_branch = repo.defaultBranch;
    out.custom_properties = {};
    out.has_pages = false;
    if (repo.owner.type === "Organization") out.organization = repo.owner.login;
    else delete out.organization;
    return out;
  }

  private organization(repo: StoredRepo) {
    const org = repo.owner;
    const api = `${this.ctx.apiUrl}/orgs/${org.login}`;
    return {
      login: org.login,
      id: org.id,
      node_id: Buffer.from(`012:Organization${org.id}`).toString("base64"),
      url: api,
      repos_url: `${api}/repos`,
      events_url: `${api}/events`,
      hooks_url: `${api}/hooks`,
      issues_url: `${api}/issues`,
      members_url: `${api}/members{/member}`,
      public_members_url: `${api}/public_members{/member}`,
      avatar_url: `${this.ctx.webUrl}/avatars/u/${org.id}`,
      description: "",
    };
  }

  private pushCommit(repo: StoredRepo, commit: StoredCommit) {
    const person = { name: commit.authorName, email: commit.authorEmail, ...(commit.authorLogin ? { username: commit.authorLogin } : {}) };
    const files = (status: string) => commit.files.filter((f) => (status === "modified" ? f.status === "modified" || f.status === "renamed" : f.status === status)).map((f) => f.filename);
    return {
      id: commit.sha,
      tree_id: commit.treeSha,
      distinct: true,
      message: commit.message,
      timestamp: commit.utcOffsetMinutes === 0 ? isoSeconds(commit.date) : isoWithOffset(commit.date, commit.utcOffsetMinutes),
      url: `${this.ctx.webUrl}/${repo.fullName}/commit/${commit.sha}`,
      author: person,
      committer: person,
      added: files("added"),
      removed: files("removed"),
      modified: files("modified"),
    };
  }

  /** A `push` payload shaped like @octokit/webhooks-examples' push examples. */
  pushPayload(repo: StoredRepo, pushed: StoredCommit[], before: string, ref: string) {
    const user = this.ctx.data.user;
    const ordered = [...pushed].sort((a, b) => a.date.getTime() - b.date.getTime()); // oldest first, as git pushes them
    const head = ordered.at(-1) ?? null;
    const after = head?.sha ?? before;
    const created = before === ZERO;
    const compare = created ? `${this.ctx.webUrl}/${repo.fullName}/commit/${after.slice(0, 12)}` : `${this.ctx.webUrl}/${repo.fullName}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`;
    return {
      ref,
      before,
      after,
      repository: this.webhookRepository(repo),
      pusher: { name: user.login, email: user.email },
      ...(repo.owner.type === "Organization" ? { organization: this.organization(repo) } : {}),
      sender: this.ctx.data.simpleUser(user),
      created,
      deleted: false,
      forced: false,
      base_ref: null,
      compare,
      commits: ordered.slice(-2048).map((c) => this.pushCommit(repo, c)),
      head_commit: head ? this.pushCommit(repo, head) : null,
    };
  }

  // ---- deliveries ---------------------------------------------------------

  async deliverPush(fullName: string, commits: readonly GitHubSeedCommit[], options: { hookId?: number; ref?: string } = {}): Promise<PushResult> {
    const [owner = "", name = ""] = fullName.split("/");
    const repo = this.ctx.data.repo(owner, name);
    if (!repo) throw new Error(`GitHub double: no repository ${fullName}`);
    const before = repo.commits[0]?.sha ?? ZERO;
    const stored = this.ctx.data.addCommits(repo.fullName, commits);
    const payload = this.pushPayload(repo, stored, before, options.ref ?? `refs/heads/${repo.defaultBranch}`);
    const targets = this.list(repo).filter((h) => h.active && (h.events.includes("push") || h.events.includes("*")) && (options.hookId === undefined || h.id === options.hookId));
    const deliveries: GitHubDelivery[] = [];
    for (const hook of targets) deliveries.push(await this.send(repo, hook, "push", payload, randomUUID(), false));
    return { deliveryId: deliveries[0]?.deliveryId ?? null, deliveries, commits: stored };
  }

  async ping(repo: StoredRepo, hook: StoredHook): Promise<GitHubDelivery> {
    const payload = { zen: "Anything added dilutes everything else.", hook_id: hook.id, hook: this.json(repo, hook), repository: this.webhookRepository(repo), sender: this.ctx.data.simpleUser(this.ctx.data.user) };
    return this.send(repo, hook, "ping", payload, randomUUID(), false);
  }

  /** Sends a past delivery again, byte for byte, with the same X-GitHub-Delivery (as GitHub's "Redeliver"). */
  async redeliver(deliveryId: string): Promise<GitHubDelivery> {
    const original = this.deliveries.find((d) => d.deliveryId === deliveryId);
    if (!original) throw new Error(`GitHub double: no delivery ${deliveryId}`);
    const found = this.hooks.get(original.hookId);
    if (!found) throw new Error(`GitHub double: the hook of delivery ${deliveryId} was deleted`);
    return this.post(found.hook, { ...original, redelivery: true });
  }

  private async send(repo: StoredRepo, hook: StoredHook, event: string, payload: unknown, deliveryId: string, redelivery: boolean): Promise<GitHubDelivery> {
    const json = JSON.stringify(payload);
    const body = hook.config.content_type === "json" ? json : new URLSearchParams({ payload: json }).toString();
    const headers: Record<string, string> = {
      accept: "*/*",
      "content-type": hook.config.content_type === "json" ? "application/json" : "application/x-www-form-urlencoded",
      "user-agent": this.hookshot,
      "x-github-event": event,
      "x-github-delivery": deliveryId,
      "x-github-hook-id": String(hook.id),
      "x-github-hook-installation-target-id": String(repo.id),
      "x-github-hook-installation-target-type": "repository",
      "x-github-enterprise-host": new URL(this.ctx.webUrl).host,
      "x-github-enterprise-version": "3.17.0",
    };
    if (hook.config.secret) {
      headers["x-hub-signature"] = `sha1=${createHmac("sha1", hook.config.secret).update(body).digest("hex")}`;
      headers["x-hub-signature-256"] = await sign(hook.config.secret, body);
    }
    const delivery: GitHubDelivery = { deliveryId, hookId: hook.id, event, url: hook.config.url, repository: repo.fullName, request: { headers, body }, payload, status: null, responseBody: null, error: null, redelivery, durationMs: 0 };
    return this.post(hook, delivery);
  }

  private async post(hook: StoredHook, template: GitHubDelivery): Promise<GitHubDelivery> {
    const delivery: GitHubDelivery = { ...template, status: null, responseBody: null, error: null, durationMs: 0 };
    const started = Date.now();
    try {
      const response = await fetch(delivery.url, { method: "POST", headers: delivery.request.headers, body: delivery.request.body, redirect: "manual", signal: AbortSignal.timeout(this.ctx.timeoutMs) });
      delivery.status = response.status;
      delivery.responseBody = await response.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      delivery.error = (error as Error).name === "TimeoutError" ? `timed out after ${this.ctx.timeoutMs} ms` : `${(error as Error).message}${cause ? ` (${cause})` : ""}`;
    }
    delivery.durationMs = Date.now() - started;
    hook.lastResponse = delivery.status === null ? { code: null, status: "failed", message: delivery.error } : { code: delivery.status, status: delivery.status < 300 ? "active" : "failed", message: delivery.status < 300 ? "OK" : `Invalid HTTP Response: ${delivery.status}` };
    this.deliveries.push(delivery);
    return delivery;
  }
}
