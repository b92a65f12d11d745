// `npm run sandbox`: the app on its embedded defaults, with GitHub, GitLab, Slack and Discord
// replaced by the local doubles from the test suite (demo data, consent pages, webhooks), so a
// newcomer can click through connect → sync → commits (and chat status) with no real credentials.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { startGitHubDouble } from "../tests/doubles/github/server";
import { startGitLabDouble } from "../tests/doubles/gitlab/server";
import { startDiscordDouble } from "../tests/doubles/discord/server";
import { startSlackDouble } from "../tests/doubles/slack/server";
import { startGoogleDouble } from "../tests/doubles/google/server";
import { startMicrosoftDouble } from "../tests/doubles/microsoft/server";
import { startLinkedInDouble } from "../tests/doubles/linkedin/server";
import { startStandardWebhooksReceiver } from "../tests/doubles/standard-webhooks-receiver/server";
import { RESEND_DOUBLE_KEY, startResendDouble } from "../tests/doubles/resend/server";
import { startSmtpDouble } from "../tests/doubles/smtp/server";
import { FaultQueue } from "../tests/doubles/shared/faults";
import { escapeHtml, html, json, serve } from "../tests/doubles/shared/http";
import { sandboxPage } from "../tests/doubles/shared/oauth";

const root = new URL("..", import.meta.url).pathname;
const port = Number(process.env.PORT ?? 3000);
const appUrl = (process.env.APP_URL ?? `http://localhost:${port}`).replace(/\/+$/, "");
/** A new commit is pushed to the demo repository this often, so webhooks deliver something live. */
const SANDBOX_METRICS_TOKEN = "sandbox-metrics-token";
const pushEveryMs = Number(process.env.SANDBOX_PUSH_INTERVAL_MS ?? 60_000);

const github = await startGitHubDouble({ port: Number(process.env.SANDBOX_GITHUB_PORT ?? 0), demoAnchor: new Date() });
github.addCallbackUrl(`${appUrl}/api/integrations/github/callback`);
github.addCallbackUrl(`${appUrl}/api/auth/callback/github`);
const gitlab = await startGitLabDouble({ port: Number(process.env.SANDBOX_GITLAB_PORT ?? 0), demoAnchor: new Date() });
gitlab.addRedirectUri(`${appUrl}/api/integrations/gitlab/callback`);
const slack = await startSlackDouble({ port: Number(process.env.SANDBOX_SLACK_PORT ?? 0), tokenRotation: true });
slack.addRedirectUri(`${appUrl}/api/integrations/slack/callback`);
const discord = await startDiscordDouble({ port: Number(process.env.SANDBOX_DISCORD_PORT ?? 0) });
discord.addRedirectUri(`${appUrl}/api/integrations/discord/callback`);
const google = await startGoogleDouble({ port: Number(process.env.SANDBOX_GOOGLE_PORT ?? 0), demoAnchor: new Date() });
for (const path of ["/api/integrations/google/callback", "/api/integrations/google-calendar/callback"]) google.addRedirectUri(`${appUrl}${path}`);
google.addRedirectUri(`${appUrl}/api/auth/callback/google`);
// Microsoft 365: identity platform + Graph calendars (demo week of ~40 events, a second calendar, subscriptions).
const microsoft = await startMicrosoftDouble({ port: Number(process.env.SANDBOX_MICROSOFT_PORT ?? 0), demoAnchor: new Date() });
for (const path of ["/api/integrations/microsoft/callback", "/api/auth/callback/microsoft"]) microsoft.addRedirectUri(`${appUrl}${path}`);
// "Sign in with LinkedIn" (OpenID Connect); sign-in only, LinkedIn is no integration.
const linkedIn = await startLinkedInDouble({ port: Number(process.env.SANDBOX_LINKEDIN_PORT ?? 0) });
linkedIn.addRedirectUri(`${appUrl}/api/auth/callback/linkedin`);
// Your own webhook endpoint: register <receiver>/hooks/<name> on /settings/webhooks and watch signed deliveries arrive.
const webhookReceiver = await startStandardWebhooksReceiver({ port: Number(process.env.SANDBOX_WEBHOOK_RECEIVER_PORT ?? 0) });

// Email (issue 18): Resend is the primary provider, the SMTP double the secondary. The Resend
// stand-in's page lists what it accepted and has an "outage" switch (its API then answers 503),
// so a digest can be seen arriving through the secondary; SANDBOX_EMAIL_PRIMARY_DOWN=1 starts with it down.
const resend = await startResendDouble({ port: Number(process.env.SANDBOX_RESEND_PORT ?? 0) });
if (process.env.SANDBOX_EMAIL_PRIMARY_DOWN === "1") resend.setOutage(503);
const smtp = await startSmtpDouble({ user: "devpulse", pass: "sandbox relay", onMail: (mail) => console.log(`  ✉ SMTP (secondary) accepted "${mail.subject}" for ${mail.to.join(", ")}`) });
// The secondary's mailbox over HTTP, read like the Resend stand-in's: a page at / and, for the end-to-end
// specs, GET /_double/messages?to=… (newest first). Its port: SANDBOX_SMTP_INBOX_PORT; else the one after
// the Resend stand-in's when that is fixed (the e2e config fixes it, so a spec knows where to look); else any.
const smtpInboxPort = Number(process.env.SANDBOX_SMTP_INBOX_PORT ?? 0);
const smtpMailTo = (address: string) =>
  smtp.received
    .filter((mail) => mail.to.some((to) => to.toLowerCase().includes(address.toLowerCase())))
    .reverse()
    .map(({ from, to, subject, text, html: htmlPart, headers }) => ({ from, to, subject, text, html: htmlPart, headers }));
const smtpInbox = await serve({
  port: smtpInboxPort,
  faults: new FaultQueue(),
  log: [],
  faultResponse: () => json(500, { message: "no faults here" }),
  handle: (req) => {
    if (req.method === "GET" && req.path === "/_double/messages") return json(200, smtpMailTo(req.query.get("to") ?? ""));
    if (req.method !== "GET" || req.path !== "/") return json(404, { message: "Not found" });
    const rows = smtpMailTo("")
      .map((mail) => `<li><strong>${escapeHtml(mail.subject)}</strong> → ${escapeHtml(mail.to.join(", "))}<details><summary>Text</summary><pre>${escapeHtml(mail.text)}</pre></details></li>`)
      .join("\n");
    return html(200, sandboxPage("an SMTP relay", "SMTP — received mail", `<h1 id="page-title">SMTP (secondary provider): mail received</h1>\n<ol>${rows || "<li>Nothing yet.</li>"}</ol>`));
  },
});

/**
 * In production on a Postgres server the app requires the secrets every instance shares
 * (src/server/env.ts). The sandbox is a demo against local stand-ins, so on a database
 * server it brings fixed, public ones instead of asking; on PGlite the app generates its
 * own into the data folder as usual. Never reuse these outside the sandbox.
 */
const sandboxSecrets = (): Record<string, string> => {
  if (!process.env.DATABASE_URL) return {};
  const fixed = (label: string) => createHash("sha256").update(`devpulse sandbox only: ${label}`).digest("base64");
  return {
    NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET || fixed("NEXTAUTH_SECRET"),
    WEBHOOK_SECRET: process.env.WEBHOOK_SECRET || fixed("WEBHOOK_SECRET"),
    TOKEN_ENCRYPTION_KEY: process.env.TOKEN_ENCRYPTION_KEY || fixed("TOKEN_ENCRYPTION_KEY"),
  };
};

const app = spawn(process.execPath, [join(root, "scripts", "start.mjs")], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    ...sandboxSecrets(),
    SANDBOX: "1",
    PORT: String(port),
    APP_URL: appUrl,
    ...github.appEnv,
    ...gitlab.appEnv,
    ...slack.appEnv,
    ...discord.appEnv,
    // Google sign-in and calendar (issue 17): sign-in takes every endpoint from these URLs.
    ...google.appEnv,
    ...microsoft.appEnv,
    LINKEDIN_CLIENT_ID: linkedIn.oauth.clientId,
    LINKEDIN_CLIENT_SECRET: linkedIn.oauth.clientSecret,
    LINKEDIN_OAUTH_URL: linkedIn.url,
    // The receiver listens on loopback, which outbound webhooks refuse everywhere else.
    ALLOW_PRIVATE_WEBHOOKS: "1",
    // A demo token, so the metrics can be read in the sandbox (curl line below); never a production value.
    METRICS_TOKEN: process.env.METRICS_TOKEN ?? SANDBOX_METRICS_TOKEN,
    EMAIL_PROVIDERS: "resend,smtp",
    RESEND_API_KEY: RESEND_DOUBLE_KEY,
    RESEND_BASE_URL: resend.url,
    SMTP_URL: smtp.url,
    // Short enough to watch the circuit close again after ending the outage.
    EMAIL_CIRCUIT_COOLDOWN_MS: process.env.EMAIL_CIRCUIT_COOLDOWN_MS ?? "30000",
  },
});

console.log(`
  DevPulse Cloud sandbox
  ──────────────────────
  App      ${appUrl}   (create an account, then open Integrations)
  GitHub   ${github.url}   (stand-in; you are "octo-dev")
  GitLab   ${gitlab.url}   (stand-in; you are "gitlab-dev")
  Slack    ${slack.url}   (stand-in; you are "ana" in DevPulse Sandbox)
  Discord  ${discord.url}   (stand-in; you are "ana.lima", owner of the "DevPulse Team" server)
  Google   ${google.url}   (Calendar stand-in; you are "ana@devpulse.test", with a primary and a "Team" calendar)
  Outlook  ${microsoft.url}   (Microsoft 365 stand-in; you are "Ana Lima", your week's calendar is at this address)
  LinkedIn ${linkedIn.url}   (sign-in stand-in; you are "Ana Lima", ana.lima@devpulse.test)
  Webhooks ${webhookReceiver.url}   (your endpoint: register ${webhookReceiver.url}/hooks/demo on Webhooks, paste its secret on this page)
  Resend   ${resend.url}   (primary email provider stand-in: mail it accepted, and an outage switch)
  SMTP     smtp://127.0.0.1:${smtp.port}   (secondary provider: each mail it accepts is printed here, and listed at ${smtpInbox.url})
  Metrics  curl -H "Authorization: Bearer ${process.env.METRICS_TOKEN ?? SANDBOX_METRICS_TOKEN}" ${appUrl}/api/metrics
  A new commit is pushed to octo-dev/devpulse-desktop every ${Math.round(pushEveryMs / 1000)} s once GitHub is connected.
`);

let pushes = 0;
const pusher = setInterval(() => {
  pushes += 1;
  void github
    .deliverPush("octo-dev/devpulse-desktop", [
      { message: `Sandbox commit #${pushes}: tidy the focus timer`, authorLogin: "octo-dev", authorName: "Octo Dev", authorEmail: "octo-dev@users.noreply.github.com", additions: 5 + pushes, deletions: 2, files: [{ filename: "src/focus/timer.ts" }] },
    ])
    .catch(() => undefined); // nobody connected yet: nothing to deliver to
}, pushEveryMs);

const stop = async (code: number) => {
  clearInterval(pusher);
  await Promise.allSettled([github.close(), gitlab.close(), slack.close(), discord.close(), google.close(), microsoft.close(), linkedIn.close(), webhookReceiver.close(), resend.close(), smtp.close(), smtpInbox.close()]);
  process.exit(code);
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => app.kill(signal));
app.on("exit", (code) => void stop(code ?? 0));
