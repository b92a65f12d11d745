import { getDb } from "../db/client";
import { getEnv } from "../env";
import { confirmAddress } from "./confirm-address";
import { describeUnsubscribe, unsubscribeWithToken } from "./unsubscribe";

/**
 * The two links in mail that act without signing in: one-click unsubscribe and address
 * confirmation. GET only shows what the link does, with a button (mail scanners prefetch links,
 * so a GET never changes anything); the POST acts. RFC 8058 clients POST
 * `List-Unsubscribe=One-Click` to the unsubscribe URL directly. Small self-contained pages: no
 * scripts, no third-party resources, never cached, and no Referer carrying the token onwards.
 */

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function page(status: number, title: string, body: string): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${escapeHtml(title)} · DevPulse Cloud</title>
<style>body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f4f5;color:#18181b;margin:0;padding:48px 16px}main{max-width:28rem;margin:0 auto;background:#fff;border:1px solid #e4e4e7;border-radius:12px;padding:32px}h1{font-size:1.25rem;margin:0 0 12px}p{color:#3f3f46;line-height:1.5}button{background:#4f46e5;color:#fff;border:0;border-radius:6px;padding:10px 18px;font-size:1rem;font-weight:600;cursor:pointer}button:focus-visible{outline:3px solid #a5b4fc;outline-offset:2px}a{color:#4f46e5}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
  return new Response(html, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer", "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'" },
  });
}

const tokenOf = (request: Request) => new URL(request.url).searchParams.get("token") ?? "";
const settingsLink = () => `<p><a href="${escapeHtml(getEnv().appUrl)}/settings/notifications">Notification settings</a> (sign in to change everything you get).</p>`;
const button = (label: string) => `<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">${escapeHtml(label)}</button></form>`;
const INVALID = { invalid: "This link is not valid. Copy the whole link from the email, or sign in to change your notification settings.", expired: "This link has expired. Sign in to change your notification settings." };

export function unsubscribeGet(request: Request): Response {
  const described = describeUnsubscribe(getEnv(), tokenOf(request));
  if (!described.ok) return page(400, "Unsubscribe", `<p>${INVALID[described.reason]}</p>${settingsLink()}`);
  return page(200, `Stop ${described.categoryLabel.toLowerCase()} emails?`, `<p>You will no longer get emails about ${escapeHtml(described.categoryLabel.toLowerCase())} notifications. In-app and other channels stay as they are.</p>${button("Unsubscribe")}`);
}

export async function unsubscribePost(request: Request): Promise<Response> {
  const outcome = await unsubscribeWithToken(await getDb(), getEnv(), tokenOf(request));
  if (!outcome.ok) return page(400, "Unsubscribe", `<p>${INVALID[outcome.reason]}</p>${settingsLink()}`);
  return page(200, "You are unsubscribed", `<p>No more emails about ${escapeHtml(outcome.categoryLabel.toLowerCase())} notifications.</p>${settingsLink()}`);
}

export function confirmAddressGet(request: Request): Response {
  if (!tokenOf(request)) return page(400, "Confirm your email address", "<p>This link is not valid. Copy the whole link from the email.</p>");
  return page(200, "Confirm your email address", `<p>Confirm that this address receives mail, and DevPulse Cloud sends to it again.</p>${button("Confirm my address")}`);
}

export async function confirmAddressPost(request: Request): Promise<Response> {
  const confirmed = await confirmAddress(await getDb(), tokenOf(request));
  if (!confirmed) return page(400, "Confirm your email address", "<p>This link is not valid: it was already used, or it expired. Ask for a new one in your notification settings.</p>");
  return page(200, "Address confirmed", "<p>Thank you: mail to this address resumes.</p>");
}
