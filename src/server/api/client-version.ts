import { z } from "zod";
import { AppError } from "../errors";

/**
 * API versioning by client: every DevPulse client sends `X-DevPulse-Client: <name>/<version>`
 * (the SDK and CLI do), and MIN_CLIENT_VERSIONS can require a minimum version per client
 * name. An older client is answered 426 on every procedure, over tRPC and REST alike
 * (the context reads the header; a middleware in api/trpc.ts refuses). A request without
 * the header (a browser, a script) is not checked: there is nothing to compare.
 */

/** Client names: lowercase, like npm package names without a scope ("devpulse-cli"). */
const CLIENT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** A semantic version: MAJOR.MINOR.PATCH, optionally with a pre-release ("-beta.1") and build ("+abc"). */
const VERSION = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * `devpulse-cli=1.2.0,devpulse-desktop=2.0.0` → `{ "devpulse-cli": "1.2.0", … }`. Used by
 * env.ts, so a malformed value stops the server at start-up with a message naming it.
 */
export const ZMinClientVersions = z
  .string()
  .transform((value, ctx) => {
    const minimums: Record<string, string> = {};
    for (const entry of value.split(",").map((part) => part.trim()).filter(Boolean)) {
      const [name = "", version = "", ...rest] = entry.split("=").map((part) => part.trim());
      if (rest.length > 0 || !CLIENT_NAME.test(name) || !VERSION.test(version)) {
        ctx.addIssue({ code: "custom", message: `"${entry}" is not name=version (e.g. devpulse-cli=1.2.0,devpulse-desktop=2.0.0)` });
        return z.NEVER;
      }
      minimums[name] = version;
    }
    return minimums;
  });
export type MinClientVersions = z.infer<typeof ZMinClientVersions>;

type ParsedVersion = { core: [number, number, number]; prerelease: string[] };

function parseVersion(version: string): ParsedVersion | null {
  const match = VERSION.exec(version);
  if (!match) return null;
  return { core: [Number(match[1]), Number(match[2]), Number(match[3])], prerelease: match[4]?.split(".") ?? [] };
}

/** Semantic-version precedence (semver.org §11): negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (!left || !right) throw new Error(`Not a version: ${left ? b : a}`);
  for (let i = 0; i < 3; i++) if (left.core[i] !== right.core[i]) return left.core[i]! - right.core[i]!;
  // A pre-release comes before its release: 2.0.0-beta.1 < 2.0.0.
  if (left.prerelease.length === 0 || right.prerelease.length === 0) return right.prerelease.length - left.prerelease.length;
  for (let i = 0; i < Math.max(left.prerelease.length, right.prerelease.length); i++) {
    const x = left.prerelease[i];
    const y = right.prerelease[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    if (x === y) continue;
    const numeric = /^\d+$/;
    if (numeric.test(x) && numeric.test(y)) return Number(x) - Number(y);
    if (numeric.test(x) !== numeric.test(y)) return numeric.test(x) ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Why a request's client may not call the API, or null when it may: a malformed header
 * is a 400, a client older than its minimum a 426 that says to update DevPulse.
 */
export function clientVersionError(header: string | null, minimums: MinClientVersions): AppError | null {
  if (header === null || header.trim() === "") return null;
  const [name = "", version = "", ...rest] = header.trim().split("/");
  if (rest.length > 0 || !CLIENT_NAME.test(name) || !VERSION.test(version)) {
    return new AppError("BAD_REQUEST", `Malformed X-DevPulse-Client header: expected <name>/<version>, like devpulse-cli/1.2.0.`, { reason: "invalid_client_header" });
  }
  const minimum = minimums[name];
  if (minimum === undefined || compareVersions(version, minimum) >= 0) return null;
  return new AppError(
    "PRECONDITION_FAILED",
    `Please update DevPulse: ${name} ${version} is too old for this server, which needs ${minimum} or later.`,
    { reason: "client_outdated", client: name, version, minimumVersion: minimum },
    426,
  );
}
