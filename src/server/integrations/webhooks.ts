import { createHmac, timingSafeEqual } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../db/client";
import { integrationWebhooks, webhookDeliveries } from "../db/schema";
import type { Env } from "../env";
import type { JobEvent } from "../jobs/events";
import { webhookSecretFor } from "./connections";

/** Push payloads beyond this are refused before parsing (GitHub caps deliveries at 25 MB; ours never need that). */
export const WEBHOOK_MAX_BYTES = 1024 * 1024;
const MAX_COMMITS = 100;

export type WebhookOutcome = { status: number; body: Record<string, unknown>; event?: JobEvent };

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  // Compare equal-length buffers so the time taken never says how much matched.
  return left.length === right.length && timingSafeEqual(left, right);
}

export function githubSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/** Reads at most WEBHOOK_MAX_BYTES of the body; null when it is larger. */
export async function readLimitedBody(request: Request): Promise<string | null> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > WEBHOOK_MAX_BYTES) return null;
  const reader = request.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > WEBHOOK_MAX_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** First delivery of this id? (A redelivery or replay is acknowledged and ignored.) */
async function firstDelivery(db: DbOrTx, provider: string, deliveryId: string): Promise<boolean> {
  const inserted = await db.insert(webhookDeliveries).values({ provider, deliveryId }).onConflictDoNothing().returning({ deliveryId: webhookDeliveries.deliveryId });
  return inserted.length > 0;
}

const ZGitHubPush = z.object({
  repository: z.object({ full_name: z.string().min(1).max(300) }),
  commits: z
    .array(
      z.object({
        id: z.string().min(7).max(64),
        message: z.string(),
        timestamp: z.string(),
        url: z.string().nullable().optional(),
        author: z.object({ name: z.string().nullable().optional(), email: z.string().nullable().optional(), username: z.string().nullable().optional() }),
      }),
    )
    .default([]),
});

const ZGitLabPush = z.object({
  object_kind: z.literal("push"),
  project: z.object({ path_with_namespace: z.string().min(1).max(300) }),
  commits: z
    .array(
      z.object({
        id: z.string().min(7).max(64),
        message: z.string(),
        timestamp: z.string(),
        url: z.string().nullable().optional(),
        author: z.object({ name: z.string().nullable().optional(), email: z.string().nullable().optional() }),
      }),
    )
    .default([]),
});

const clip = (value: string | null | undefined, max: number) => (value ? value.slice(0, max) : null);

type PushedCommit = { id: string; message: string; timestamp: string; url?: string | null; author: { name?: string | null; email?: string | null; username?: string | null } };

/** A push payload's commit as the job event carries it, cut to the catalog's bounds (GitLab sends no username). */
function toPushedCommit(commit: PushedCommit) {
  return {
    sha: commit.id,
    message: commit.message.slice(0, 2000),
    url: clip(commit.url, 1000),
    authorName: clip(commit.author.name, 200),
    authorEmail: clip(commit.author.email, 320),
    authorLogin: clip(commit.author.username, 100),
    committedAt: new Date(commit.timestamp).toISOString(),
  };
}

/**
 * GitHub: the hook id names our webhook (and so the integration whose derived secret
 * signed it); the X-Hub-Signature-256 HMAC is checked in constant time; deliveries
 * are deduplicated by X-GitHub-Delivery; a push becomes a job event.
 */
export async function receiveGitHubWebhook(db: DbOrTx, env: Env, headers: Headers, body: string): Promise<WebhookOutcome> {
  const hookId = headers.get("x-github-hook-id");
  const deliveryId = headers.get("x-github-delivery");
  const signature = headers.get("x-hub-signature-256");
  if (!hookId || !deliveryId || !signature) return { status: 400, body: { error: "Missing X-GitHub-Hook-ID, X-GitHub-Delivery or X-Hub-Signature-256" } };
  const [hook] = await db.select().from(integrationWebhooks).where(and(eq(integrationWebhooks.provider, "github"), eq(integrationWebhooks.hookId, hookId)));
  if (!hook || !constantTimeEqual(signature, githubSignature(webhookSecretFor(env, hook.integrationId), body))) {
    return { status: 401, body: { error: "Invalid signature" } };
  }
  if (!(await firstDelivery(db, "github", deliveryId))) return { status: 200, body: { duplicate: true } };
  const event = headers.get("x-github-event");
  if (event !== "push") return { status: 202, body: { ignored: event } };
  const parsed = ZGitHubPush.safeParse(JSON.parse(body));
  if (!parsed.success) return { status: 400, body: { error: "Not a push payload" } };
  return {
    status: 202,
    body: { accepted: parsed.data.commits.length },
    event: {
      name: "git/push.received",
      data: {
        userId: hook.userId,
        provider: "github",
        repository: parsed.data.repository.full_name,
        commits: parsed.data.commits.slice(-MAX_COMMITS).map(toPushedCommit),
      },
    },
  };
}

/**
 * GitLab sends the hook's secret verbatim in X-Gitlab-Token: find which of our hooks
 * on that project it belongs to (several users may hook the same project), comparing
 * in constant time; deduplicate by X-Gitlab-Event-UUID.
 */
export async function receiveGitLabWebhook(db: DbOrTx, env: Env, headers: Headers, body: string): Promise<WebhookOutcome> {
  const token = headers.get("x-gitlab-token");
  const deliveryId = headers.get("x-gitlab-event-uuid");
  if (!token || !deliveryId) return { status: 400, body: { error: "Missing X-Gitlab-Token or X-Gitlab-Event-UUID" } };
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return { status: 400, body: { error: "Body is not JSON" } };
  }
  const repository = (payload as { project?: { path_with_namespace?: unknown } })?.project?.path_with_namespace;
  const hooks = typeof repository === "string" ? await db.select().from(integrationWebhooks).where(and(eq(integrationWebhooks.provider, "gitlab"), eq(integrationWebhooks.repository, repository))) : [];
  const hook = hooks.find((candidate) => constantTimeEqual(token, webhookSecretFor(env, candidate.integrationId)));
  if (!hook) return { status: 401, body: { error: "Invalid token" } };
  // GitLab gives every hook triggered by one push the same event UUID: deduplicate per hook's integration.
  if (!(await firstDelivery(db, "gitlab", `${hook.integrationId}:${deliveryId}`))) return { status: 200, body: { duplicate: true } };
  const parsed = ZGitLabPush.safeParse(payload);
  if (!parsed.success) return { status: 202, body: { ignored: headers.get("x-gitlab-event") } };
  return {
    status: 202,
    body: { accepted: parsed.data.commits.length },
    event: {
      name: "git/push.received",
      data: {
        userId: hook.userId,
        provider: "gitlab",
        repository: parsed.data.project.path_with_namespace,
        commits: parsed.data.commits.slice(-MAX_COMMITS).map(toPushedCommit),
      },
    },
  };
}
