import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { deploymentRequirements, parseEnv } from "~/server/env";
import { jobModeOf } from "~/server/jobs/client";
import { pusherSettingsFromEnv } from "~/server/realtime/pusher";

/**
 * docker-compose.yml, read as Compose reads it (Docker does not run on these machines, so the file is
 * checked, not started): the app service sets every variable the app requires in production on a
 * Postgres server (taken from src/server/env.ts, not copied here), asks the operator for each secret,
 * waits for healthy dependencies, and points Pusher and Inngest at the services in the same file.
 */

type Service = {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
  restart?: string;
};
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> };

const compose = parse(readFileSync(new URL("../../docker-compose.yml", import.meta.url), "utf8")) as Compose;
const { services } = compose;

/** What an operator's .env holds: the secrets the file's header tells them to generate. */
const OPERATOR_ENV: Record<string, string> = {
  NEXTAUTH_SECRET: "n".repeat(44),
  WEBHOOK_SECRET: "w".repeat(44),
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
  PUSHER_SECRET: "ab".repeat(32),
  INNGEST_EVENT_KEY: "cd".repeat(32),
  INNGEST_SIGNING_KEY: "ef".repeat(32),
};

/** Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME:?message} (an unset required one fails, naming it). */
function interpolate(text: string, variables: Record<string, string>): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}/g, (_, name: string, operator: string | undefined, rest: string | undefined) => {
    const value = variables[name];
    if (value !== undefined && value !== "") return value;
    if (operator === ":?") throw new Error(`${name}: ${rest}`);
    return operator === ":-" ? (rest ?? "") : "";
  });
}

/** Names a `${NAME:?…}` asks for: what Compose refuses to start without. */
const demanded = (text: string) => [...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((match) => match[1]);

const environmentOf = (service: Service, variables = OPERATOR_ENV) =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, interpolate(String(value ?? ""), variables)]));
const commandOf = (service: Service, variables = OPERATOR_ENV) => (Array.isArray(service.command) ? service.command : []).map((part) => interpolate(part, variables));
const flag = (command: string[], name: string) => command[command.indexOf(name) + 1];

describe("docker-compose.yml", () => {
  const app = services.app!;
  const appEnv = environmentOf(app);

  it("runs the app with Postgres 16, Redis, Soketi and a self-hosted Inngest server", () => {
    expect(app.build).toBeDefined();
    expect(services.db?.image).toBe("postgres:16");
    expect(services.redis?.image).toMatch(/^redis:7/);
    expect(services.soketi?.image).toMatch(/^quay\.io\/soketi\/soketi:/);
    expect(services.inngest?.image).toMatch(/^inngest\/inngest(:|$)/);
    expect(commandOf(services.inngest!).slice(0, 2)).toEqual(["inngest", "start"]);
  });

  it("sets every variable the app requires in production on Postgres, the secrets from the operator, never a default", () => {
    expect(appEnv.NODE_ENV).toBe("production");
    expect(appEnv.DATABASE_URL).toMatch(/^postgres:\/\//);
    const required = deploymentRequirements({ NODE_ENV: "production", DATABASE_URL: appEnv.DATABASE_URL })!.variables.map(({ name }) => name);
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) {
      expect(app.environment, name).toHaveProperty(name);
      expect(demanded(String(app.environment![name])), `${name} must come from the operator's .env`).toEqual([name]);
    }
    // Without the operator's secrets, Compose stops and names the first one missing.
    expect(() => environmentOf(app, {})).toThrow(/^NEXTAUTH_SECRET: set NEXTAUTH_SECRET/);
  });

  it("gives the app an environment its own validation accepts as it is (all pairings included)", () => {
    const env = parseEnv(appEnv);
    expect(env.NODE_ENV).toBe("production");
    // In production, the engines of this file rather than the in-process fallbacks: Inngest by its
    // event key (not a dev server, which checks no signatures), Pusher at soketi, Redis for the limits.
    expect(jobModeOf(env)).toBe("inngest");
    expect(env.INNGEST_DEV).toBeFalsy();
    expect(pusherSettingsFromEnv(env)).toMatchObject({ host: "soketi", port: 6001, useTLS: false });
    expect(env.REDIS_URL).toBe("redis://redis:6379");
  });

  it("starts the app once the database, Redis, Soketi and Inngest are healthy, each with a health check", () => {
    for (const dependency of ["db", "redis", "soketi", "inngest"]) {
      expect(app.depends_on?.[dependency], dependency).toEqual({ condition: "service_healthy" });
      expect(services[dependency]?.healthcheck?.test, `${dependency} health check`).toBeDefined();
    }
    expect(app.healthcheck?.test.toString()).toContain("/api/health");
    expect(services.inngest?.depends_on).toMatchObject({ redis: { condition: "service_healthy" }, "inngest-db": { condition: "service_completed_successfully" } });
    expect(services["inngest-db"]?.depends_on).toEqual({ db: { condition: "service_healthy" } });
  });

  it("keeps each stateful service's data in a named volume", () => {
    const volumeOf = (service: string) => services[service]?.volumes?.map((volume) => volume.split(":")[0]);
    expect(volumeOf("db")).toEqual(["pgdata"]);
    expect(volumeOf("redis")).toEqual(["redis-data"]);
    expect(volumeOf("app")).toEqual(["app-data"]);
    for (const name of ["pgdata", "redis-data", "app-data"]) expect(compose.volumes).toHaveProperty(name);
  });

  it("points the app's database and Redis at the db and redis services", () => {
    const database = new URL(appEnv.DATABASE_URL!);
    expect([database.hostname, database.port, database.pathname]).toEqual(["db", "5432", "/devpulse"]);
    const dbEnv = environmentOf(services.db!);
    expect([database.username, decodeURIComponent(database.password)]).toEqual([dbEnv.POSTGRES_USER, dbEnv.POSTGRES_PASSWORD]);
    expect(new URL(appEnv.REDIS_URL!).host).toBe("redis:6379");
  });

  it("points Pusher at the soketi service with the same app credentials, and clients at its published port", () => {
    const soketi = environmentOf(services.soketi!);
    expect([appEnv.PUSHER_HOST, appEnv.PUSHER_PORT, appEnv.PUSHER_USE_TLS]).toEqual(["soketi", soketi.SOKETI_PORT, "false"]);
    expect([appEnv.PUSHER_APP_ID, appEnv.PUSHER_KEY, appEnv.PUSHER_SECRET]).toEqual([soketi.SOKETI_DEFAULT_APP_ID, soketi.SOKETI_DEFAULT_APP_KEY, soketi.SOKETI_DEFAULT_APP_SECRET]);
    expect(appEnv.PUSHER_SECRET).toBe(OPERATOR_ENV.PUSHER_SECRET);
    const published = services.soketi!.ports!.map((port) => interpolate(port, OPERATOR_ENV));
    expect(published).toEqual([`${appEnv.PUSHER_CLIENT_PORT}:${soketi.SOKETI_PORT}`]);
    expect(appEnv.PUSHER_CLIENT_HOST).toBe("localhost");
  });

  it("points Inngest at the inngest service, which shares the keys, syncs the app's endpoint and keeps its state in redis and db", () => {
    const inngest = commandOf(services.inngest!);
    const base = new URL(appEnv.INNGEST_BASE_URL!);
    expect([base.hostname, base.port]).toEqual(["inngest", flag(inngest, "--port")]);
    expect(flag(inngest, "--event-key")).toBe(appEnv.INNGEST_EVENT_KEY);
    expect(flag(inngest, "--signing-key")).toBe(appEnv.INNGEST_SIGNING_KEY);
    expect(appEnv.INNGEST_SIGNING_KEY).toMatch(/^[0-9a-f]+$/); // `inngest start` takes a hexadecimal signing key only
    expect(flag(inngest, "--sdk-url")).toBe("http://app:3000/api/inngest");
    expect(new URL(flag(inngest, "--redis-uri")!).host).toBe("redis:6379");
    const history = new URL(flag(inngest, "--postgres-uri")!);
    expect([history.hostname, history.pathname]).toEqual(["db", "/inngest"]);
    expect(String(services["inngest-db"]!.command)).toContain("createdb inngest");
    // The dashboard has no sign-in: published on loopback only.
    expect(services.inngest!.ports).toEqual(["127.0.0.1:8288:8288"]);
  });

  it("gives the app longer to stop than its own shutdown grace period", () => {
    const graceSeconds = Number(appEnv.SHUTDOWN_GRACE_MS) / 1000;
    const stopSeconds = Number(/^(\d+)s$/.exec(String((app as { stop_grace_period?: string }).stop_grace_period))?.[1]);
    expect(stopSeconds).toBeGreaterThan(graceSeconds + 5);
  });
});
