import { randomUUID } from "node:crypto";
import { isoWithOffset } from "../shared/demo-history";
import type { GitLabData, GitLabSeedCommit, StoredCommit, StoredProject } from "./data";

/**
 * Project webhooks: storage, the hooks API's JSON, and "Push Hook" deliveries as
 * GitLab makes them (https://docs.gitlab.com/user/project/integrations/webhook_events/#push-events):
 * the secret token verbatim in X-Gitlab-Token (only when the hook has one),
 * X-Gitlab-Event, X-Gitlab-Event-UUID, X-Gitlab-Webhook-UUID, X-Gitlab-Instance,
 * Idempotency-Key, User-Agent GitLab/<version>. At most 20 commits (the newest,
 * oldest first), with total_commits_count telling the real number.
 */
export type StoredHook = {
  id: number;
  url: string;
  token: string | null;
  name: string | null;
  description: string | null;
  pushEvents: boolean;
  tagPushEvents: boolean;
  mergeRequestsEvents: boolean;
  pushEventsBranchFilter: string | null;
  enableSslVerification: boolean;
  createdAt: string;
};

export type GitLabDelivery = {
  /** X-Gitlab-Webhook-UUID of this delivery. */
  deliveryId: string;
  /** X-Gitlab-Event-UUID (shared by redeliveries of the same event). */
  eventUuid: string;
  /** Idempotency-Key (the same across redeliveries). */
  idempotencyKey: string;
  hookId: number;
  url: string;
  project: string;
  request: { headers: Record<string, string>; body: string };
  payload: unknown;
  status: number | null;
  responseBody: string | null;
  error: string | null;
  redelivery: boolean;
  durationMs: number;
};

export type GitLabPushResult = {
  /** The first delivery's X-Gitlab-Webhook-UUID; null when no hook got the push. */
  deliveryId: string | null;
  eventUuid: string;
  deliveries: GitLabDelivery[];
  commits: StoredCommit[];
};

const ZERO = "0000000000000000000000000000000000000000";

/**
 * Hook ids come from one sequence for every double in the process, as a GitLab instance's
 * are unique across it: the app keys its webhooks by (provider, hook id), and test files that
 * each start a double share one database. Kept on globalThis so a re-evaluated module continues it.
 */
const hookIds = globalThis as typeof globalThis & { __gitlabDoubleNextHookId?: number };
const nextHookId = () => {
  hookIds.__gitlabDoubleNextHookId ??= 21_400_001;
  return hookIds.__gitlabDoubleNextHookId++;
};
const VISIBILITY_LEVEL = { private: 0, internal: 10, public: 20 } as const;
const bool = (value: string | undefined, fallback: boolean) => (value === undefined ? fallback : value === "true" || value === "1");

export class GitLabHooks {
  private hooks = new Map<number, { project: StoredProject; hook: StoredHook }>();
  readonly deliveries: GitLabDelivery[] = [];

  constructor(private readonly ctx: { data: GitLabData; webUrl: string; now: () => number; timeoutMs: number; version: string }) {}

  list(project: StoredProject): StoredHook[] {
    return [...this.hooks.values()].filter((h) => h.project === project).map((h) => h.hook);
  }
  get(project: StoredProject, id: number): StoredHook | undefined {
    const found = this.hooks.get(id);
    return found?.project === project ? found.hook : undefined;
  }
  remove(project: StoredProject, id: number): boolean {
    return this.get(project, id) ? this.hooks.delete(id) : false;
  }
  clear(): void {
    this.hooks.clear();
  }

  /** From the POST /projects/:id/hooks parameters (already validated: url present). */
  create(project: StoredProject, p: Record<string, string>): StoredHook {
    const hook: StoredHook = {
      id: nextHookId(),
      url: p.url!,
      token: p.token || null,
      name: p.name ?? null,
      description: p.description ?? null,
      pushEvents: bool(p.push_events, true),
      tagPushEvents: bool(p.tag_push_events, false),
      mergeRequestsEvents: bool(p.merge_requests_events, false),
      pushEventsBranchFilter: p.push_events_branch_filter || null,
      enableSslVerification: bool(p.enable_ssl_verification, true),
      createdAt: new Date(this.ctx.now()).toISOString(),
    };
    this.hooks.set(hook.id, { project, hook });
    return hook;
  }

  /** The hook as the API shows it (never the token). */
  json(project: StoredProject, hook: StoredHook) {
    return {
      id: hook.id,
      url: hook.url,
      name: hook.name,
      description: hook.description,
      created_at: hook.createdAt,
      push_events: hook.pushEvents,
      tag_push_events: hook.tagPushEvents,
      merge_requests_events: hook.mergeRequestsEvents,
      repository_update_events: false,
      enable_ssl_verification: hook.enableSslVerification,
      alert_status: "executable",
      disabled_until: null,
      url_variables: [],
      push_events_branch_filter: hook.pushEventsBranchFilter,
      branch_filter_strategy: "wildcard",
      custom_webhook_template: "",
      custom_headers: [],
      project_id: project.id,
      issues_events: false,
      confidential_issues_events: false,
      note_events: false,
      confidential_note_events: null,
      pipeline_events: false,
      wiki_page_events: false,
      deployment_events: false,
      feature_flag_events: false,
      job_events: false,
      releases_events: false,
      milestone_events: false,
      emoji_events: false,
      resource_access_token_events: false,
      vulnerability_events: false,
    };
  }

  /** A push event payload as GitLab documents it. */
  pushPayload(project: StoredProject, pushed: StoredCommit[], before: string, ref: string) {
    const user = this.ctx.data.user;
    const web = `${this.ctx.webUrl}/${project.pathWithNamespace}`;
    const host = new URL(this.ctx.webUrl).host;
    const ordered = [...pushed].sort((a, b) => a.date.getTime() - b.date.getTime());
    const after = ordered.at(-1)?.sha ?? before;
    const ssh = `git@${host}:${project.pathWithNamespace}.git`;
    const files = (c: StoredCommit, status: string) => c.files.filter((f) => (status === "modified" ? f.status === "modified" || f.status === "renamed" : f.status === status)).map((f) => f.filename);
    return {
      object_kind: "push",
      event_name: "push",
      before,
      after,
      ref,
      ref_protected: ref === `refs/heads/${project.defaultBranch}`,
      checkout_sha: after,
      message: null,
      user_id: user.id,
      user_name: user.name,
      user_username: user.username,
      user_email: user.email,
      user_avatar: this.ctx.data.avatarUrl(user.id),
      project_id: project.id,
      project: {
        id: project.id,
        name: project.name,
        description: project.description,
        web_url: web,
        avatar_url: null,
        git_ssh_url: ssh,
        git_http_url: `${web}.git`,
        namespace: project.namespace.name,
        visibility_level: VISIBILITY_LEVEL[project.visibility],
        path_with_namespace: project.pathWithNamespace,
        default_branch: project.defaultBranch,
        ci_config_path: null,
        homepage: web,
        url: ssh,
        ssh_url: ssh,
        http_url: `${web}.git`,
      },
      commits: ordered.slice(-20).map((c) => ({
        id: c.sha,
        message: c.message,
        title: c.message.split("\n")[0]!,
        timestamp: isoWithOffset(c.date, c.utcOffsetMinutes),
        url: `${web}/-/commit/${c.sha}`,
        author: { name: c.authorName, email: c.authorEmail },
        added: files(c, "added"),
        modified: files(c, "modified"),
        removed: files(c, "removed"),
      })),
      total_commits_count: ordered.length,
      push_options: {},
      repository: {
        name: project.name,
        url: ssh,
        description: project.description,
        homepage: web,
        git_http_url: `${web}.git`,
        git_ssh_url: ssh,
        visibility_level: VISIBILITY_LEVEL[project.visibility],
      },
    };
  }

  async deliverPush(idOrPath: string | number, commits: readonly GitLabSeedCommit[], options: { hookId?: number; ref?: string } = {}): Promise<GitLabPushResult> {
    const project = this.ctx.data.project(idOrPath);
    if (!project) throw new Error(`GitLab double: no project ${idOrPath}`);
    const before = project.commits[0]?.sha ?? ZERO;
    const stored = this.ctx.data.addCommits(project.id, commits);
    const payload = this.pushPayload(project, stored, before, options.ref ?? `refs/heads/${project.defaultBranch}`);
    const eventUuid = randomUUID();
    const targets = this.list(project).filter((h) => h.pushEvents && (options.hookId === undefined || h.id === options.hookId));
    const deliveries: GitLabDelivery[] = [];
    for (const hook of targets) {
      const body = JSON.stringify(payload);
      const delivery: GitLabDelivery = {
        deliveryId: randomUUID(),
        eventUuid,
        idempotencyKey: randomUUID(),
        hookId: hook.id,
        url: hook.url,
        project: project.pathWithNamespace,
        request: { headers: {}, body },
        payload,
        status: null,
        responseBody: null,
        error: null,
        redelivery: false,
        durationMs: 0,
      };
      deliveries.push(await this.post(hook, delivery));
    }
    return { deliveryId: deliveries[0]?.deliveryId ?? null, eventUuid, deliveries, commits: stored };
  }

  /** Sends a past delivery again (GitLab's "Resend request"): same body, Event-UUID and Idempotency-Key; new Webhook-UUID. */
  async redeliver(deliveryId: string): Promise<GitLabDelivery> {
    const original = this.deliveries.find((d) => d.deliveryId === deliveryId);
    if (!original) throw new Error(`GitLab double: no delivery ${deliveryId}`);
    const found = this.hooks.get(original.hookId);
    if (!found) throw new Error(`GitLab double: the hook of delivery ${deliveryId} was deleted`);
    return this.post(found.hook, { ...original, deliveryId: randomUUID(), redelivery: true });
  }

  private async post(hook: StoredHook, template: GitLabDelivery): Promise<GitLabDelivery> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": `GitLab/${this.ctx.version}`,
      "x-gitlab-event": "Push Hook",
      "x-gitlab-webhook-uuid": template.deliveryId,
      "x-gitlab-instance": this.ctx.webUrl,
      "x-gitlab-event-uuid": template.eventUuid,
      "idempotency-key": template.idempotencyKey,
    };
    if (hook.token) headers["x-gitlab-token"] = hook.token;
    const delivery: GitLabDelivery = { ...template, url: hook.url, request: { headers, body: template.request.body }, status: null, responseBody: null, error: null, durationMs: 0 };
    const started = Date.now();
    try {
      const response = await fetch(hook.url, { method: "POST", headers, body: delivery.request.body, redirect: "manual", signal: AbortSignal.timeout(this.ctx.timeoutMs) });
      delivery.status = response.status;
      delivery.responseBody = await response.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      delivery.error = (error as Error).name === "TimeoutError" ? `timed out after ${this.ctx.timeoutMs} ms` : `${(error as Error).message}${cause ? ` (${cause})` : ""}`;
    }
    delivery.durationMs = Date.now() - started;
    this.deliveries.push(delivery);
    return delivery;
  }
}
