import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SDK_CLIENT } from "~/client";
import { CLI_CLIENT } from "~/cli/version";
import { EnvError, parseEnv } from "~/server/env";
import { clientVersionError, compareVersions } from "~/server/api/client-version";

const packageVersion = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

describe("client versions", () => {
  it("orders versions as semver does, pre-releases before their release", () => {
    const ordered = ["0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0", "2.0.0"];
    for (let i = 0; i < ordered.length - 1; i++) {
      expect(compareVersions(ordered[i]!, ordered[i + 1]!), `${ordered[i]} < ${ordered[i + 1]}`).toBeLessThan(0);
      expect(compareVersions(ordered[i + 1]!, ordered[i]!)).toBeGreaterThan(0);
    }
    expect(compareVersions("1.2.0+build.5", "1.2.0")).toBe(0);
  });

  it("parses MIN_CLIENT_VERSIONS, and names it when it is malformed", () => {
    expect(parseEnv({ MIN_CLIENT_VERSIONS: "devpulse-cli=1.2.0, devpulse-desktop=2.0.0" }).MIN_CLIENT_VERSIONS).toEqual({
      "devpulse-cli": "1.2.0",
      "devpulse-desktop": "2.0.0",
    });
    expect(parseEnv({}).MIN_CLIENT_VERSIONS).toEqual({});
    for (const bad of ["devpulse-cli", "devpulse-cli=1.2", "devpulse-cli=latest", "Dev Pulse=1.0.0", "a=1.0.0=2"]) {
      expect(() => parseEnv({ MIN_CLIENT_VERSIONS: bad }), bad).toThrow(EnvError);
      expect(() => parseEnv({ MIN_CLIENT_VERSIONS: bad })).toThrow(/MIN_CLIENT_VERSIONS: .* is not name=version/);
    }
  });

  it("refuses an older client with 426 and an update message, and lets others through", () => {
    const minimums = { "devpulse-cli": "1.2.0" };
    const outdated = clientVersionError("devpulse-cli/1.1.9", minimums);
    expect(outdated).toMatchObject({ httpStatus: 426, details: { reason: "client_outdated", client: "devpulse-cli", version: "1.1.9", minimumVersion: "1.2.0" } });
    expect(outdated?.message).toMatch(/update DevPulse/i);
    expect(clientVersionError("devpulse-cli/1.2.0-beta.1", minimums)?.httpStatus).toBe(426);
    expect(clientVersionError("devpulse-cli/1.2.0", minimums)).toBeNull();
    expect(clientVersionError("devpulse-cli/3.0.0", minimums)).toBeNull();
    expect(clientVersionError("devpulse-desktop/0.0.1", minimums)).toBeNull(); // no minimum for this name
    expect(clientVersionError(null, minimums)).toBeNull(); // a browser or a script that does not say
  });

  it("answers a malformed header with a 400 that shows the expected form", () => {
    for (const header of ["devpulse-cli", "devpulse-cli/", "devpulse-cli/1.2", "devpulse-cli/1.2.0/x", "DevPulse CLI/1.2.0"]) {
      const error = clientVersionError(header, {});
      expect(error, header).toMatchObject({ code: "BAD_REQUEST", details: { reason: "invalid_client_header" } });
      expect(error?.message).toMatch(/<name>\/<version>/);
    }
  });

  it("the SDK and the CLI name themselves with the package's version", () => {
    expect(SDK_CLIENT).toEqual({ name: "devpulse-sdk", version: packageVersion });
    expect(CLI_CLIENT).toEqual({ name: "devpulse-cli", version: packageVersion });
  });
});
