import { demoHistory, FILES, MESSAGES } from "../shared/demo-history";
import type { GitHubSeed, GitHubSeedCommit } from "./data";

/**
 * The default demo data (also what a sandbox shows): octo-dev with four repositories
 * (one of them, acme-corp/payments-api, without admin permission), 110 commits in the
 * 14 days before `anchor`, by octo-dev (some from an email not linked to the account,
 * so the API gives `author: null`), a colleague and dependabot.
 */
export function githubDemoSeed(anchor: Date): GitHubSeed {
  const people = {
    octo: { login: "octo-dev", name: "Octo Dev", email: "octo-dev@example.com", utcOffsetMinutes: 60 },
    octoHome: { login: null, name: "Octo Dev", email: "octo@home.example.net", utcOffsetMinutes: 60 },
    mona: { login: "mona-lisa", name: "Mona Lisa", email: "mona@example.com", utcOffsetMinutes: -300 },
    dependabot: { login: "dependabot[bot]", name: "dependabot[bot]", email: "49699333+dependabot[bot]@users.noreply.github.com", utcOffsetMinutes: 0 },
  } as const;
  type Key = keyof typeof people;
  const commits = (key: string, count: number, authors: Array<{ key: Key; weight: number }>, pool: keyof typeof MESSAGES, files: keyof typeof FILES): GitHubSeedCommit[] =>
    demoHistory({
      key: `github:${key}`,
      count,
      days: 14,
      anchor,
      authors: authors.map((a) => ({ key: a.key, weight: a.weight, utcOffsetMinutes: people[a.key].utcOffsetMinutes, messages: a.key === "dependabot" ? MESSAGES.dependencies : undefined })),
      messages: MESSAGES[pool],
      files: FILES[files],
    }).map((c) => {
      const person = people[c.authorKey as Key];
      return {
        message: c.message,
        authorLogin: person.login,
        authorName: person.name,
        authorEmail: person.email,
        date: c.date,
        utcOffsetMinutes: c.utcOffsetMinutes,
        additions: c.files.reduce((sum, f) => sum + f.additions, 0),
        deletions: c.files.reduce((sum, f) => sum + f.deletions, 0),
        files: c.files,
      };
    });
  return {
    user: { login: "octo-dev", id: 5_830_021, name: "Octo Dev", email: "octo-dev@example.com", createdAt: "2018-03-12T08:44:10Z" },
    users: [
      { login: "mona-lisa", id: 5_830_188, name: "Mona Lisa", email: "mona@example.com" },
      { login: "dependabot[bot]", id: 49_699_333, name: null, email: null },
    ],
    repos: [
      {
        owner: "octo-dev",
        name: "devpulse-desktop",
        id: 641_230_118,
        private: true,
        language: "TypeScript",
        description: "Desktop time and focus tracker",
        createdAt: "2023-06-01T09:30:00Z",
        commits: commits("devpulse-desktop", 46, [{ key: "octo", weight: 85 }, { key: "mona", weight: 15 }], "app", "app"),
      },
      {
        owner: "octo-dev",
        name: "dotfiles",
        id: 402_118_557,
        private: false,
        language: "Shell",
        description: "My dotfiles",
        createdAt: "2021-09-18T19:02:51Z",
        commits: commits("dotfiles", 12, [{ key: "octo", weight: 80 }, { key: "octoHome", weight: 20 }], "dotfiles", "dotfiles"),
      },
      {
        owner: "acme-corp",
        name: "payments-api",
        id: 588_004_213,
        private: true,
        language: "Python",
        description: "Payments and invoicing service",
        permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
        createdAt: "2022-11-07T14:12:09Z",
        commits: commits("payments-api", 38, [{ key: "octo", weight: 40 }, { key: "mona", weight: 50 }, { key: "dependabot", weight: 10 }], "service", "service"),
      },
      {
        owner: "acme-corp",
        name: "design-system",
        id: 598_771_340,
        private: false,
        language: "TypeScript",
        description: "ACME's React component library",
        permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
        createdAt: "2023-01-23T11:40:00Z",
        commits: commits("design-system", 14, [{ key: "octo", weight: 40 }, { key: "mona", weight: 60 }], "frontend", "frontend"),
      },
    ],
  };
}
