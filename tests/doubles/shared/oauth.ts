import { createHash, randomBytes, randomUUID } from "node:crypto";
import { escapeHtml } from "./http";

/** Pieces of an OAuth 2.0 authorization server shared by the GitHub and GitLab doubles. */

const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function randomBase62(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = "";
  for (let i = 0; out.length < length; i++) {
    const byte = bytes[i % bytes.length]!;
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

export const randomHex = (bytes: number) => randomBytes(bytes).toString("hex");

/** RFC 7636: S256 compares BASE64URL(SHA256(verifier)) with the challenge; plain compares them as is. */
export function pkceMatches(challenge: string, method: string, verifier: string | undefined): boolean {
  if (!verifier || !/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false;
  if (method === "plain") return verifier === challenge;
  return createHash("sha256").update(verifier).digest("base64url") === challenge;
}

export type ConsentDecision = "approve" | "deny";

/**
 * What GET /authorize does: show the consent page ("ask"), or answer at once as if
 * the user had already authorized (autoApprove / approveNext) or refused (denyNext).
 */
export class ConsentMode {
  private queue: ConsentDecision[] = [];
  constructor(public autoApprove = false) {}
  approveNext(times = 1) {
    for (let i = 0; i < times; i++) this.queue.push("approve");
  }
  denyNext(times = 1) {
    for (let i = 0; i < times; i++) this.queue.push("deny");
  }
  next(): ConsentDecision | "ask" {
    return this.queue.shift() ?? (this.autoApprove ? "approve" : "ask");
  }
  clear() {
    this.queue = [];
  }
}

/** Authorization requests waiting for the user's click on the consent page (10 minutes). */
export class PendingRequests<T> {
  private items = new Map<string, { value: T; expiresAt: number }>();
  constructor(private now: () => number) {}
  put(value: T): string {
    const id = randomUUID();
    this.items.set(id, { value, expiresAt: this.now() + 10 * 60_000 });
    return id;
  }
  take(id: string): T | undefined {
    const item = this.items.get(id);
    this.items.delete(id);
    return item && item.expiresAt > this.now() ? item.value : undefined;
  }
}

const STYLE = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
  body { margin: 0; background: #f6f8fa; color: #1f2328; }
  .sandbox { background: #fff8c5; border-bottom: 1px solid #d4a72c; padding: 0.75rem 1rem; text-align: center; }
  main { max-width: 30rem; margin: 2.5rem auto; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 1.5rem; }
  h1 { font-size: 1.5rem; margin-top: 0; }
  h2 { font-size: 1rem; }
  ul { padding-left: 1.25rem; }
  li { margin: 0.35rem 0; }
  code { background: #eff1f3; padding: 0.1rem 0.3rem; border-radius: 4px; word-break: break-all; }
  .actions { display: flex; gap: 0.75rem; margin-top: 1.5rem; }
  button { font: inherit; padding: 0.5rem 1rem; border-radius: 6px; border: 1px solid #d0d7de; background: #f6f8fa; color: #1f2328; cursor: pointer; }
  button.primary { background: #1f883d; border-color: #1a7f37; color: #fff; }
  button:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
  .error { border-left: 4px solid #cf222e; padding-left: 0.75rem; }
`;

function page(provider: string, title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<div class="sandbox" role="note" aria-label="Sandbox notice"><strong>Local sandbox of ${escapeHtml(provider)}.</strong> This page is served by a test double on this machine, not by ${escapeHtml(provider)}; nothing you do here reaches ${escapeHtml(provider)}.</div>
<main aria-labelledby="page-title">
${content}
</main>
</body>
</html>`;
}

export function consentPage(options: {
  provider: string;
  appName: string;
  account: { login: string; name: string | null };
  scopes: readonly { scope: string; description: string }[];
  redirectUri: string;
  action: string;
  requestId: string;
}): string {
  const scopes = options.scopes.length
    ? `<ul aria-labelledby="scopes-title">${options.scopes.map((s) => `<li><code>${escapeHtml(s.scope)}</code> — ${escapeHtml(s.description)}</li>`).join("")}</ul>`
    : `<p>No scopes requested: read-only access to public information.</p>`;
  return page(
    options.provider,
    `Authorize ${options.appName}`,
    `<h1 id="page-title">Authorize ${escapeHtml(options.appName)}</h1>
<p><strong>${escapeHtml(options.appName)}</strong> wants to access your sandbox ${escapeHtml(options.provider)} account <strong>${escapeHtml(options.account.login)}</strong>${options.account.name ? ` (${escapeHtml(options.account.name)})` : ""}.</p>
<h2 id="scopes-title">Requested permissions</h2>
${scopes}
<p>Authorizing will redirect to <code>${escapeHtml(options.redirectUri)}</code>.</p>
<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="authorization_request" value="${escapeHtml(options.requestId)}">
<div class="actions">
<button type="submit" class="primary" name="decision" value="approve">Authorize</button>
<button type="submit" name="decision" value="cancel">Cancel</button>
</div>
</form>`,
  );
}

/** Any other page of a double: the sandbox notice, a title and the given (already escaped) HTML. */
export function sandboxPage(provider: string, title: string, content: string): string {
  return page(provider, title, content);
}

export function errorPage(provider: string, title: string, message: string): string {
  return page(provider, title, `<h1 id="page-title">${escapeHtml(title)}</h1>\n<p class="error" role="alert">${escapeHtml(message)}</p>`);
}
