import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PROVIDER_IDS, PROVIDERS, providerName } from "~/lib/providers";
import { integrationProvider } from "~/lib/realtime/events";
import { collectionLabels, collectionLabel, SYNC_COLLECTIONS } from "~/lib/schemas/collections";
import { providers } from "~/server/integrations/registry";

const SRC = join(import.meta.dirname, "../../src");
const CATALOG = "lib/providers.ts";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry) ? [path] : [];
  });
}

describe("the provider catalog", () => {
  it("is the provider union the schemas and the server's registry use", () => {
    expect(integrationProvider.options).toEqual([...PROVIDER_IDS]);
    expect(Object.keys(PROVIDERS).sort()).toEqual([...PROVIDER_IDS].sort());
    for (const [id, provider] of Object.entries(providers)) {
      expect(provider.id).toBe(id);
      expect(provider.name).toBe(PROVIDERS[provider.id].name);
    }
  });

  it("is the only place a provider's display name is spelled out", () => {
    // A name as a string literal ("GitLab") or as JSX text on its own (>GitLab<) anywhere else is a second definition.
    const names = [...new Set(Object.values(PROVIDERS).flatMap((entry) => [entry.name, entry.company]))].map((name) => name.replace(/ /g, "\\s+"));
    const literal = new RegExp(`(["'\`])(${names.join("|")})\\1|>\\s*(${names.join("|")})\\s*<|^\\s*(${names.join("|")})\\s*$`, "m");
    const offenders = sourceFiles(SRC)
      .filter((file) => relative(SRC, file) !== CATALOG)
      .filter((file) => literal.test(readFileSync(file, "utf8")))
      .map((file) => relative(SRC, file));
    expect(offenders).toEqual([]);
  });

  it("names known ids and shows an unknown one as it is", () => {
    expect(providerName("gitlab")).toBe("GitLab");
    expect(providerName("myspace")).toBe("myspace");
  });
});

describe("collection labels", () => {
  it("give every collection a human name, and leave unknown keys alone", () => {
    expect(Object.keys(collectionLabels)).toEqual([...SYNC_COLLECTIONS]);
    expect(collectionLabel("focus_sessions")).toBe("Focus sessions");
    for (const collection of SYNC_COLLECTIONS) expect(collectionLabel(collection)).not.toContain("_");
    expect(collectionLabel("constructor")).toBe("constructor");
  });
});
