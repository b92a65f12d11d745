import { demoHistory, FILES, MESSAGES } from "../shared/demo-history";
import type { GitLabSeed, GitLabSeedCommit } from "./data";

/**
 * The default demo data: gitlab-dev with two personal projects (Owner), a group project
 * with only Developer (30) access (platform-team/billing-service: no hooks allowed), a
 * group project with Maintainer (40) access, and a public project they are not a member
 * of (listed only without membership=true); 88 commits over the 14 days before `anchor`.
 */
export function gitlabDemoSeed(anchor: Date): GitLabSeed {
  const people = {
    dev: { name: "GitLab Dev", email: "gitlab.dev@example.com", utcOffsetMinutes: 120 },
    priya: { name: "Priya Raman", email: "priya.raman@example.com", utcOffsetMinutes: 330 },
    sam: { name: "Sam Okafor", email: "sam@community.example.org", utcOffsetMinutes: -480 },
  } as const;
  type Key = keyof typeof people;
  const commits = (key: string, count: number, authors: Array<{ key: Key; weight: number }>, pool: keyof typeof MESSAGES, files: keyof typeof FILES): GitLabSeedCommit[] =>
    demoHistory({
      key: `gitlab:${key}`,
      count,
      days: 14,
      anchor,
      authors: authors.map((a) => ({ key: a.key, weight: a.weight, utcOffsetMinutes: people[a.key].utcOffsetMinutes })),
      messages: MESSAGES[pool],
      files: FILES[files],
    }).map((c) => {
      const person = people[c.authorKey as Key];
      return {
        message: c.message,
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
    user: { username: "gitlab-dev", id: 4217, name: "GitLab Dev", email: "gitlab.dev@example.com", createdAt: "2020-04-02T09:15:22.417Z" },
    projects: [
      {
        namespace: "gitlab-dev",
        path: "time-tracker",
        id: 48_213_007,
        visibility: "private",
        description: "Desktop time tracker",
        createdAt: "2023-05-10T08:31:12.040Z",
        commits: commits("time-tracker", 34, [{ key: "dev", weight: 90 }, { key: "priya", weight: 10 }], "app", "app"),
      },
      {
        namespace: "gitlab-dev",
        path: "infra-scripts",
        id: 48_213_091,
        visibility: "internal",
        description: "Provisioning and backup scripts",
        createdAt: "2022-08-22T14:05:40.512Z",
        commits: commits("infra-scripts", 10, [{ key: "dev", weight: 100 }], "infra", "infra"),
      },
      {
        namespace: "platform-team",
        path: "billing-service",
        id: 39_877_120,
        visibility: "private",
        projectAccess: null,
        groupAccess: 30,
        description: "Billing and invoicing",
        createdAt: "2021-11-15T10:44:03.880Z",
        commits: commits("billing-service", 30, [{ key: "dev", weight: 40 }, { key: "priya", weight: 60 }], "service", "service"),
      },
      {
        namespace: "platform-team",
        path: "ci-templates",
        id: 39_877_455,
        visibility: "private",
        projectAccess: null,
        groupAccess: 40,
        description: "Shared CI/CD templates",
        createdAt: "2022-02-03T16:20:00.000Z",
        commits: commits("ci-templates", 8, [{ key: "dev", weight: 50 }, { key: "priya", weight: 50 }], "infra", "infra"),
      },
      {
        namespace: "open-source",
        path: "community-docs",
        id: 31_004_562,
        visibility: "public",
        projectAccess: null,
        groupAccess: null,
        description: "Community documentation",
        createdAt: "2020-09-09T09:09:09.000Z",
        commits: commits("community-docs", 6, [{ key: "sam", weight: 100 }], "frontend", "frontend"),
      },
    ],
  };
}
