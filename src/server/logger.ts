import { DrizzleQueryError } from "drizzle-orm/errors";
import { getEnv } from "./env";

/**
 * Structured JSON logs, one object per line on stdout/stderr. Secrets are redacted
 * twice over: by field name anywhere in the logged object, and by value shape for
 * bearer tokens that slip into free text (messages, error strings).
 */

type Level = "debug" | "info" | "warn" | "error";
const levelRank: Record<Level | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

const SECRET_KEY = /pass(word|phrase)?|secret|token|authorization|cookie|api[-_]?key|private[-_]?key|credential|^key$|hash$/i;
const SECRET_VALUE_PATTERNS: RegExp[] = [
  /\bdp_[A-Za-z0-9_-]{16,}/g, // DevPulse device tokens
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  /\bgh[opsur]_[A-Za-z0-9]{20,}/g, // GitHub tokens (ghr_: refresh tokens)
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g, // GitHub fine-grained tokens
  /\bgl(pat|oas|rt)-[A-Za-z0-9_-]{20,}/g, // GitLab personal, OAuth application and refresh tokens
  /\btv1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+/g, // sealed tokens from our vault: harmless alone, still never logged
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\bya29\.[A-Za-z0-9._-]{20,}/g, // Google access tokens
  /\bwhsec_[A-Za-z0-9+/=]{16,}/g, // outbound webhook signing secrets (Standard Webhooks)
  /(?<=:\/\/)[^/\s:@]+:[^/\s@]+(?=@)/g, // credentials in a URL (smtp://user:password@host, postgres://…) that a driver echoed
];
export const REDACTED = "[redacted]";

export function redactText(text: string): string {
  return SECRET_VALUE_PATTERNS.reduce((out, pattern) => out.replace(pattern, REDACTED), text);
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[deep]";
  if (typeof value === "string") return redactText(value);
  // drizzle's message carries the query's parameters (a new password hash, an email, an address):
  // the statement and the driver's own error are what a reader needs, so those are all it keeps.
  if (value instanceof DrizzleQueryError) {
    return { name: "DrizzleQueryError", query: redactText(value.query), cause: redact(value.cause, depth + 1), stack: value.stack && redactText(value.stack.replace(value.message, "Failed query")) };
  }
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message), stack: value.stack && redactText(value.stack) };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? REDACTED : redact(item, depth + 1)]),
    );
  }
  return value;
}

export type LogFields = Record<string, unknown>;
export type LogSink = (line: string, level: Level) => void;

const defaultSink: LogSink = (line, level) => {
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(`${line}\n`);
};

export function createLogger(bindings: LogFields = {}, sink: LogSink = defaultSink, minLevel?: Level | "silent") {
  const write = (level: Level, msg: string, fields?: LogFields) => {
    const threshold = minLevel ?? getEnv().LOG_LEVEL;
    if (levelRank[level] < levelRank[threshold]) return;
    const entry = redact({ level, time: new Date().toISOString(), msg, ...bindings, ...fields });
    sink(JSON.stringify(entry), level);
  };
  return {
    debug: (msg: string, fields?: LogFields) => write("debug", msg, fields),
    info: (msg: string, fields?: LogFields) => write("info", msg, fields),
    warn: (msg: string, fields?: LogFields) => write("warn", msg, fields),
    error: (msg: string, fields?: LogFields) => write("error", msg, fields),
    child: (more: LogFields) => createLogger({ ...bindings, ...more }, sink, minLevel),
  };
}

export type Logger = ReturnType<typeof createLogger>;
export const logger = createLogger({ service: "devpulse-cloud" });
