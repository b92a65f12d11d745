import { DrizzleQueryError } from "drizzle-orm/errors";
import { describe, expect, it } from "vitest";
import { createLogger, redact, REDACTED } from "~/server/logger";

describe("structured logs", () => {
  it("writes one JSON object per line with level, time, message and bindings", () => {
    const lines: string[] = [];
    createLogger({ service: "test" }, (line) => lines.push(line), "debug").info("hello", { userId: "u1" });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: "info", msg: "hello", service: "test", userId: "u1" });
    expect(new Date(entry.time).toString()).not.toBe("Invalid Date");
  });

  it("logs a failed query's statement and its driver error, never its parameters", () => {
    const hash = "scrypt$32768$8$3$c2FsdA$aGFzaA";
    // as drizzle wraps a driver error: its message lists the parameters
    const failed = new DrizzleQueryError("update users set password_hash = $1 where email = $2", [hash, "ana@example.test"], new Error("connection reset"));
    const lines: string[] = [];
    createLogger({}, (line) => lines.push(line), "debug").error("API procedure failed", { error: failed });
    expect(lines[0]).not.toContain(hash);
    expect(lines[0]).not.toContain("ana@example.test");
    expect(JSON.parse(lines[0]!).error).toMatchObject({ name: "DrizzleQueryError", query: "update users set password_hash = $1 where email = $2", cause: { message: "connection reset" } });
  });

  it("drops entries below the configured level", () => {
    const lines: string[] = [];
    const log = createLogger({}, (line) => lines.push(line), "warn");
    log.info("quiet");
    log.error("loud");
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(["loud"]);
  });

  it("redacts secrets by field name at any depth and by token shape in text", () => {
    const token = `dp_${"a".repeat(43)}`;
    const lines: string[] = [];
    createLogger({}, (line) => lines.push(line), "debug").error(`request with ${token} failed`, {
      password: "hunter2hunter2",
      nested: { accessToken: "gho_abcdefghijklmnopqrstuvwxyz", headers: { authorization: "Bearer abc" } },
      error: new Error(`Bearer ${token} rejected`),
      count: 3,
    });
    const output = lines.join("\n");
    expect(output).not.toContain(token);
    expect(output).not.toContain("hunter2");
    expect(output).not.toContain("gho_abc");
    const entry = JSON.parse(lines[0]!);
    expect(entry.password).toBe(REDACTED);
    expect(entry.nested.accessToken).toBe(REDACTED);
    expect(entry.nested.headers.authorization).toBe(REDACTED);
    expect(entry.count).toBe(3);
  });

  it("redacts every provider token shape that can reach a message", () => {
    const tokens = [
      `ghr_${"b".repeat(36)}`,
      `github_pat_${"c".repeat(40)}`,
      `glpat-${"d".repeat(20)}`,
      `gloas-${"e".repeat(30)}`,
      `xoxp-${"1".repeat(12)}`,
      `ya29.${"f".repeat(30)}`,
      `tv1.0a1b2c3d.${"g".repeat(16)}.${"h".repeat(30)}`,
    ];
    const lines: string[] = [];
    createLogger({}, (line) => lines.push(line), "debug").warn(`provider said: ${tokens.join(" and ")}`);
    for (const token of tokens) expect(lines[0]).not.toContain(token);
    expect(lines[0]).toContain("provider said:");
  });

  it("leaves ordinary values alone", () => {
    expect(redact({ email: "a@b.c", items: [1, "two"] })).toEqual({ email: "a@b.c", items: [1, "two"] });
  });
});
