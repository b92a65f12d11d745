/**
 * Normalisation for commit ↔ activity correlation: timestamps, repository names,
 * project folders and author identities. Isomorphic (no Node APIs): shared by the
 * browser, the server and the desktop SDK.
 */

/** Thrown by the correlation functions for input that cannot be read (validate untrusted input with the zod schemas first). */
export class CorrelationInputError extends Error {
  override name = "CorrelationInputError";
}

// ───────────────────────────── time ─────────────────────────────

const DAY = 86_400_000;

/**
 * ISO 8601 date-time WITH a zone: `YYYY-MM-DDTHH:MM[:SS[.fraction]]` then `Z`, `±HH:MM`
 * or `±HHMM`; fractions beyond milliseconds are truncated. A string without a zone is
 * refused rather than read as local time, which would make the result depend on the
 * machine it runs on. Parsed by hand (no regex captures): it runs for every period and
 * commit, and the capture strings were most of the garbage of a 10,000 × 10,000 call.
 */
function parseIsoDateTime(text: string): number | undefined {
  const length = text.length;
  if (length < 17) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  if (text[4] !== "-" || text[7] !== "-" || (text[10] !== "T" && text[10] !== "t") || text[13] !== ":") return undefined;
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
  let at = 16;
  let second = 0;
  let millis = 0;
  if (text[at] === ":") {
    second = digitsAt(text, at + 1, 2);
    if (second < 0 || second > 59) return undefined;
    at += 3;
    if (text[at] === ".") {
      const from = ++at;
      while (at < length && isDigit(text.charCodeAt(at))) at++;
      if (at === from) return undefined;
      for (let i = 0; i < 3; i++) millis = millis * 10 + (from + i < at ? text.charCodeAt(from + i) - 48 : 0);
    }
  }
  let offset = 0;
  const zone = text[at];
  if (zone === "Z" || zone === "z") at++;
  else if (zone === "+" || zone === "-") {
    const offsetHours = digitsAt(text, at + 1, 2);
    at += text[at + 3] === ":" ? 4 : 3;
    const offsetMinutes = digitsAt(text, at, 2);
    at += 2;
    if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) return undefined;
    offset = (zone === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  } else return undefined;
  if (at !== length) return undefined;
  return daysFromCivil(year, month, day) * DAY + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis - offset;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`), as Date counts them. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/** The `count` decimal digits at `at` as a number, or -1. */
function digitsAt(text: string, at: number, count: number): number {
  if (at + count > text.length) return -1;
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + code - 48;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Milliseconds since the epoch of an ISO date-time string or a Date; throws CorrelationInputError with `what` otherwise. */
export function toEpochMs(value: unknown, what: string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isFinite(ms)) return ms;
  } else if (typeof value === "string") {
    const ms = parseIsoDateTime(value);
    if (ms !== undefined && Number.isFinite(ms)) return ms;
  }
  throw new CorrelationInputError(
    `${what} must be an ISO 8601 date-time with Z or an offset (like 2026-03-01T10:15:00Z) or a valid Date, got ${describe(value)}`,
  );
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
/** 10000-01-01T00:00:00Z: the fast path covers four-digit years from 1970. */
const YEAR_10000 = 253_402_300_800_000;

/**
 * `new Date(ms).toISOString()`, three to four times faster (it runs for every commit and
 * period of a call): days to a civil date with Howard Hinnant's `civil_from_days`.
 */
export function isoFromEpochMs(ms: number): string {
  if (!(ms >= 0 && ms < YEAR_10000) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY);
  let rest = ms - days * DAY;
  const z = days + 719_468; // days since 0000-03-01
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153); // March = 0
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[millis]}Z`;
}

function describe(value: unknown): string {
  if (value instanceof Date) return "an invalid Date";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return value === null ? "null" : typeof value;
}

// ───────────────────────────── repositories and folders ─────────────────────────────

const URL_FORM = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/]*)(\/.*)?$/i;
/** scp-like remote: [user@]host:path, e.g. git@github.com:owner/name.git (not C:/… or C:\…). */
const SCP_FORM = /^(?:[^@/\s]+@)?([^:/\s]{2,}):(?!\/\/)(.+)$/;

/**
 * A repository as `owner/name` (GitHub) or `group/subgroup/project` (GitLab), lower case,
 * from any of: `owner/name`, `Owner/Name.git`, `https://github.com/owner/name(.git)(/)`,
 * `git@github.com:owner/name.git`, `ssh://git@host:2222/group/project.git`,
 * `github.com/owner/name`, a GitLab web URL with `/-/…`. The host is dropped, so the same
 * path on two hosts compares equal (a deliberate simplification: an account rarely has
 * the same owner/name on GitHub and GitLab for different code, and mirrors are the same code).
 */
export function normalizeRepository(raw: string): string {
  let text = raw.trim().replace(/\\/g, "/");
  let host: string | undefined;
  const url = URL_FORM.exec(text);
  const scp = url ? null : SCP_FORM.exec(text);
  if (url) {
    host = url[1]!.toLowerCase().replace(/:\d+$/, "");
    text = url[2] ?? "";
  } else if (scp) {
    host = scp[1]!.toLowerCase();
    text = scp[2]!;
  }
  text = text.split(/[?#]/, 1)[0]!.toLowerCase();
  let segments = text.split("/").filter((s) => s !== "");
  const dashAt = segments.indexOf("-"); // GitLab web URLs: group/project/-/tree/main
  if (dashAt > 0) segments = segments.slice(0, dashAt);
  // github.com/owner/name written without a scheme: drop a first segment that looks like a host.
  if (host === undefined && segments.length >= 3 && segments[0]!.includes(".")) {
    host = segments[0];
    segments = segments.slice(1);
  }
  // GitHub web URLs: github.com/owner/name/tree/main/… — repositories are exactly two segments there.
  if ((host === "github.com" || host === "www.github.com") && segments.length > 2) segments = segments.slice(0, 2);
  const last = segments.length - 1;
  if (last >= 0) segments[last] = segments[last]!.replace(/\.git$/, "");
  return segments.filter((s) => s !== "").join("/");
}

/** The last path segment of a normalised repository: `name` of `owner/name`. */
export function repositoryName(normalized: string): string {
  const at = normalized.lastIndexOf("/");
  return at === -1 ? normalized : normalized.slice(at + 1);
}

/**
 * The folder name of a local project path, lower case, for comparison with a repository
 * name: `/home/me/code/DevPulse/` → `devpulse`, `C:\code\app\.git` → `app`, `~/x/app.git` → `app`.
 * Undefined for an empty path.
 */
export function folderName(path: string): string | undefined {
  const segments = path.trim().replace(/\\/g, "/").split("/").filter((s) => s !== "" && s !== ".");
  if (segments.at(-1)?.toLowerCase() === ".git") segments.pop();
  const name = segments.at(-1)?.toLowerCase().replace(/\.git$/, "");
  return name ? name : undefined;
}

// ───────────────────────────── identities ─────────────────────────────

export interface IdentityInput {
  emails?: readonly string[] | undefined;
  names?: readonly string[] | undefined;
  logins?: readonly string[] | undefined;
}

export interface NormalizedIdentities {
  emails: ReadonlySet<string>;
  names: ReadonlySet<string>;
  logins: ReadonlySet<string>;
}

/** GitHub's private commit emails carry the login: 12345+octocat@users.noreply.github.com. */
const GITHUB_NOREPLY = /^(?:\d+\+)?([^@+]+)@users\.noreply\.github\.com$/;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
export const normalizeName = (name: string) => name.normalize("NFC").trim().replace(/\s+/g, " ").toLowerCase();
export const normalizeLogin = (login: string) => login.trim().replace(/^@/, "").toLowerCase();
export const loginFromEmail = (email: string) => GITHUB_NOREPLY.exec(normalizeEmail(email))?.[1];

export function normalizeIdentities(input: IdentityInput | undefined): NormalizedIdentities {
  const emails = new Set((input?.emails ?? []).map(normalizeEmail).filter(Boolean));
  const names = new Set((input?.names ?? []).map(normalizeName).filter(Boolean));
  const logins = new Set((input?.logins ?? []).map(normalizeLogin).filter(Boolean));
  // A noreply address in the identities also identifies its login.
  for (const email of emails) {
    const login = loginFromEmail(email);
    if (login) logins.add(login);
  }
  return { emails, names, logins };
}

export type AuthorVerdict =
  | { status: "match"; via: "email" | "login" | "name" }
  | { status: "mismatch" }
  | { status: "unknown"; why: "no_identities" | "nothing_to_compare" };

/**
 * Whether a commit's author is one of the user's identities. "mismatch" only when
 * something was actually comparable (an email against emails, a login against logins,
 * a name against names) and nothing matched; otherwise "unknown".
 */
export function judgeAuthor(
  author: { authorEmail?: string | undefined; authorName?: string | undefined; authorLogin?: string | undefined },
  identities: NormalizedIdentities,
): AuthorVerdict {
  if (identities.emails.size + identities.names.size + identities.logins.size === 0) return { status: "unknown", why: "no_identities" };
  let comparable = false;
  const email = author.authorEmail ? normalizeEmail(author.authorEmail) : "";
  if (email && identities.emails.size > 0) {
    comparable = true;
    if (identities.emails.has(email)) return { status: "match", via: "email" };
  }
  const logins = [author.authorLogin ? normalizeLogin(author.authorLogin) : "", email ? (loginFromEmail(email) ?? "") : ""].filter(Boolean);
  if (logins.length > 0 && identities.logins.size > 0) {
    comparable = true;
    if (logins.some((login) => identities.logins.has(login))) return { status: "match", via: "login" };
  }
  const name = author.authorName ? normalizeName(author.authorName) : "";
  if (name && identities.names.size > 0) {
    comparable = true;
    if (identities.names.has(name)) return { status: "match", via: "name" };
  }
  return comparable ? { status: "mismatch" } : { status: "unknown", why: "nothing_to_compare" };
}
