import { createHash } from "node:crypto";

/**
 * Deterministic, realistic commit history for the doubles' demo data: who committed
 * what is fixed by the key (one PRNG stream), when is spread over the last `days`
 * days before `anchor` at each author's local working hours, rarely on weekends
 * (a second stream, so the calendar never changes the counts or the contents).
 */

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const seedFrom = (text: string) => createHash("sha256").update(text).digest().readUInt32BE(0);

/** A stable positive integer id for a name (for users, repos, projects the seed gives no id). */
export const stableId = (text: string, base: number, span: number) => base + (seedFrom(text) % span);

export const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

export type FileStatus = "added" | "modified" | "removed" | "renamed";
export type DemoFile = { filename: string; status: FileStatus; additions: number; deletions: number };
export type DemoAuthor = { key: string; weight: number; utcOffsetMinutes: number; messages?: readonly string[] };
export type DemoCommit = { authorKey: string; message: string; date: Date; utcOffsetMinutes: number; files: DemoFile[] };

const DAY = 86_400_000;

export function demoHistory(options: {
  key: string;
  count: number;
  days: number;
  anchor: Date;
  authors: readonly DemoAuthor[];
  messages: readonly string[];
  files: readonly string[];
}): DemoCommit[] {
  const content = prng(seedFrom(`${options.key}:content`));
  const timing = prng(seedFrom(`${options.key}:timing`));
  const totalWeight = options.authors.reduce((sum, a) => sum + a.weight, 0);
  const pick = <T>(items: readonly T[]) => items[Math.floor(content() * items.length)]!;
  const commits: DemoCommit[] = [];
  const cursors = new Map<readonly string[], number>();
  for (let i = 0; i < options.count; i++) {
    let roll = content() * totalWeight;
    const author = options.authors.find((a) => (roll -= a.weight) < 0) ?? options.authors[0]!;
    // Walk each pool from a seeded start so consecutive commits rarely repeat a message.
    const pool = author.messages ?? options.messages;
    const cursor = cursors.get(pool) ?? Math.floor(content() * pool.length);
    cursors.set(pool, cursor + 1 + Math.floor(content() * 3));
    const message = pool[cursor % pool.length]!;
    const fileCount = author.messages ? 2 : 1 + Math.floor(content() ** 2 * 5);
    const files: DemoFile[] = [];
    const used = new Set<string>();
    for (let f = 0; f < fileCount; f++) {
      const filename = author.messages ? (f === 0 ? "package.json" : "package-lock.json") : pick(options.files);
      if (used.has(filename)) continue;
      used.add(filename);
      const r = content();
      const status: FileStatus = author.messages ? "modified" : r < 0.14 ? "added" : r < 0.17 ? "removed" : "modified";
      const size = Math.max(1, Math.floor(Math.exp(content() * 4.2)));
      files.push({
        filename,
        status,
        additions: status === "removed" ? 0 : size,
        deletions: status === "added" ? 0 : status === "removed" ? Math.max(4, size) : Math.floor(size * content() * 0.9),
      });
    }
    commits.push({ authorKey: author.key, message, date: new Date(0), utcOffsetMinutes: author.utcOffsetMinutes, files });
  }
  const anchor = options.anchor.getTime();
  for (const commit of commits) {
    const offset = commit.utcOffsetMinutes * 60_000;
    const localMidnight = Math.floor((anchor + offset) / DAY) * DAY; // today's midnight, author's clock, as a UTC number
    let local = 0;
    for (let tries = 0; ; tries++) {
      const day = Math.floor(timing() * options.days);
      const weekday = new Date(localMidnight - day * DAY).getUTCDay();
      const weekend = weekday === 0 || weekday === 6;
      let hour = 9 + Math.floor(timing() * 9.5);
      if (hour === 12 && timing() < 0.6) hour = 14; // lunch
      local = localMidnight - day * DAY + ((hour * 60 + Math.floor(timing() * 60)) * 60 + Math.floor(timing() * 60)) * 1000;
      const past = local - offset <= anchor - 60_000;
      if (past && (!weekend || timing() < 0.12)) break;
      if (tries >= 40) {
        while (local - offset > anchor - 60_000) local -= DAY; // give up on the calendar, never on the past
        break;
      }
    }
    commit.date = new Date(local - offset);
  }
  return commits.sort((a, b) => b.date.getTime() - a.date.getTime());
}

/** ISO 8601 in the author's own offset, as git records it: 2026-03-04T10:15:00+01:00. */
export function isoWithOffset(date: Date, utcOffsetMinutes: number, withMillis = false): string {
  const local = new Date(date.getTime() + utcOffsetMinutes * 60_000).toISOString().replace("Z", "");
  const sign = utcOffsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(utcOffsetMinutes);
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  return `${withMillis ? local : local.slice(0, 19)}${zone}`;
}

/** GitHub's API form: UTC, no milliseconds. */
export const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

/** A plausible unified diff for a file's additions/deletions (GitHub's `patch`, GitLab's `diff`). */
export function fakePatch(file: { filename: string; additions: number; deletions: number }): string {
  const lines = [`@@ -1,${file.deletions + 3} +1,${file.additions + 3} @@`, " // context"];
  for (let i = 0; i < Math.min(file.deletions, 20); i++) lines.push(`-old line ${i + 1}`);
  for (let i = 0; i < Math.min(file.additions, 20); i++) lines.push(`+new line ${i + 1}`);
  lines.push(" // context", " // context");
  return lines.join("\n");
}

export const MESSAGES = {
  app: [
    "Fix race between sync cursor and device reconnect",
    "Add retry with jitter to the upload queue",
    "Refactor session store to use a single transaction",
    "Show last sync time in the status bar",
    "Handle 409 conflicts when two devices edit the same entry\n\nThe server now returns both versions and the client merges\nnon-overlapping fields before asking the user.",
    "Speed up startup by loading the activity index lazily",
    "Fix off-by-one in weekly summary boundaries",
    "Add keyboard shortcut to pause tracking",
    "Migrate settings schema to v4",
    "Debounce file watcher events on macOS",
    "Remove unused telemetry hooks",
    "Add tests for idle detection across sleep/wake",
    "Fix crash when the activity log is empty",
    "Encrypt local cache with the device key",
    "Tidy up error messages in the sync dialog",
    "Add CSV export for the daily report",
    "Fix timezone handling in the calendar view\n\nDates were parsed as UTC and shown a day early west of Greenwich.",
    "Bump minimum supported OS version",
    "Add integration status panel",
    "Split the tracker service into smaller modules",
    "Fix memory leak in the window title poller",
    "Make the onboarding checklist dismissible",
    "Log the correlation id on every failed request",
    "Improve contrast of the focus ring",
  ],
  service: [
    "Add idempotency keys to payment intents",
    "Fix rounding of multi-currency totals",
    "Return 422 instead of 500 on invalid IBAN",
    "Add index on invoices(customer_id, created_at)",
    "Retry webhook deliveries with exponential backoff",
    "Extract ledger writer into its own package",
    "Reject refunds larger than the captured amount",
    "Add OpenAPI description for /v2/refunds",
    "Fix flaky test for settlement batching",
    "Use connection pooling for the reporting replica",
    "Add feature flag for instant payouts",
    "Validate webhook signatures in constant time",
    "Fix N+1 query in the invoices list\n\nPreload line items and customers in one query each.",
    "Document the reconciliation job",
    "Raise alert when settlement lag exceeds 15 minutes",
    "Clean up deprecated v1 endpoints",
  ],
  frontend: [
    "Add Tooltip component",
    "Fix focus trap in Dialog",
    "Add dark mode tokens",
    "Update Button docs with loading state",
    "Fix Select keyboard navigation in Safari",
    "Add visual regression snapshots for Card",
    "Rename spacing tokens to t-shirt sizes",
    "Respect prefers-reduced-motion in Toast",
  ],
  infra: [
    "Pin runner image to a digest",
    "Cache node_modules between CI jobs",
    "Add nightly backup verification job",
    "Rotate staging database credentials",
    "Move Terraform state to the new bucket",
    "Add alert for disk usage above 85%",
    "Split deploy job per environment",
    "Fix shellcheck warnings in bootstrap.sh",
  ],
  dotfiles: [
    "Add git aliases for fixup commits",
    "Switch prompt to starship",
    "Configure ripgrep defaults",
    "Update tmux keybindings",
    "Add neovim LSP config for TypeScript",
    "Remove old zsh plugins",
  ],
  dependencies: [
    "Bump vite from 6.3.5 to 6.3.6",
    "Bump eslint from 9.32.0 to 9.33.0",
    "Bump @types/node from 20.19.9 to 20.19.11",
    "Bump zod from 4.0.14 to 4.0.17",
    "Bump prettier from 3.6.1 to 3.6.2",
  ],
} as const;

export const FILES = {
  app: [
    "src/sync/cursor.ts",
    "src/sync/queue.ts",
    "src/tracker/idle.ts",
    "src/tracker/window-title.ts",
    "src/ui/StatusBar.tsx",
    "src/ui/SyncDialog.tsx",
    "src/reports/weekly.ts",
    "src/reports/csv.ts",
    "src/settings/schema.ts",
    "src/storage/cache.ts",
    "tests/sync/cursor.test.ts",
    "tests/tracker/idle.test.ts",
    "README.md",
    "package.json",
  ],
  service: [
    "app/payments/intents.py",
    "app/payments/refunds.py",
    "app/ledger/writer.py",
    "app/webhooks/delivery.py",
    "app/api/v2/invoices.py",
    "migrations/0042_invoice_indexes.sql",
    "tests/test_refunds.py",
    "tests/test_settlement.py",
    "docs/reconciliation.md",
    "openapi.yaml",
  ],
  frontend: [
    "src/components/Tooltip.tsx",
    "src/components/Dialog.tsx",
    "src/components/Select.tsx",
    "src/tokens/colors.ts",
    "src/tokens/spacing.ts",
    "stories/Button.stories.tsx",
  ],
  infra: [".gitlab-ci.yml", "terraform/main.tf", "terraform/backup.tf", "scripts/bootstrap.sh", "monitoring/alerts.yml"],
  dotfiles: [".gitconfig", ".zshrc", ".tmux.conf", ".config/nvim/init.lua", ".config/starship.toml"],
} as const;
