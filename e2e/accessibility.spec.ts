import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { connectGitHubNow, PAGES, pageRoutes, pathOf, seedEveryPage, waitUntilLoaded } from "./pages";
import { ARTIFACTS, gitHubCard, signUp, unlockInBrowser } from "./support";

/** Serious and critical violations fail; moderate and minor ones are reported in the test's output. */
const FAILING_IMPACTS = ["serious", "critical"];

/** Axe (WCAG 2.x A and AA, and best practices) on the page as it is now, plus ids that must be unique. */
async function check(page: Page, name: string) {
  await waitUntilLoaded(page);
  // A sandboxed preview frame (an email's HTML) runs no scripts, so axe cannot run inside it and would wait forever.
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]).exclude("iframe[sandbox]").analyze();
  const failing = results.violations.filter((violation) => FAILING_IMPACTS.includes(violation.impact ?? ""));
  const others = results.violations.filter((violation) => !FAILING_IMPACTS.includes(violation.impact ?? ""));
  if (others.length) console.log(`${name}: ${others.map((violation) => `${violation.id} (${violation.impact}, ${violation.nodes.length})`).join(", ")}`);
  // ids referenced by labels and ARIA must name one element each (two ConfirmDialogs once shared "confirm-title").
  const duplicateIds = await page.evaluate(() => {
    const seen = new Map<string, number>();
    for (const element of document.querySelectorAll("[id]")) seen.set(element.id, (seen.get(element.id) ?? 0) + 1);
    return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
  });
  expect
    .soft(
      failing.map((violation) => ({ rule: violation.id, impact: violation.impact, help: violation.help, nodes: violation.nodes.slice(0, 5).map((node) => `${node.target.join(" ")}: ${node.failureSummary}`) })),
      `serious or critical axe violations on ${name}`,
    )
    .toEqual([]);
  expect.soft(duplicateIds, `duplicate ids on ${name}`).toEqual([]);
}

test("the page list names every page of the app", () => {
  const routes = pageRoutes().sort();
  expect(PAGES.map((entry) => entry.route).sort()).toEqual(routes);
});

test("every page passes axe with no serious or critical violations", async ({ page, baseURL }) => {
  test.setTimeout(600_000);
  for (const entry of PAGES.filter((candidate) => !candidate.signedIn)) {
    await test.step(entry.path, async () => {
      await page.goto(entry.path);
      await check(page, entry.path);
    });
  }

  const seeded = await seedEveryPage(page, baseURL!, "a11y");
  for (const entry of PAGES.filter((candidate) => candidate.signedIn)) {
    const path = pathOf(entry, seeded);
    await test.step(path, async () => {
      await page.goto(path);
      await check(page, path);
      // The pages changed by this work, for a person to look at.
      if (entry.route === "/integrations" || entry.route === "/privacy") await page.screenshot({ path: `${ARTIFACTS}/a11y-${entry.route.slice(1)}.png`, fullPage: true });
      if (entry.route === "/integrations") {
        // With a confirmation open (a modal <dialog>, named by its own title).
        await gitHubCard(page).getByRole("button", { name: "Disconnect" }).click();
        await expect(page.getByRole("dialog", { name: "Disconnect GitHub?" })).toBeVisible();
        await check(page, `${path} (confirming)`);
        await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
      }
      if (entry.unlock) {
        await unlockInBrowser(page);
        await expect(page.getByLabel("Sync passphrase")).toBeHidden();
        await check(page, `${path} (unlocked)`);
      }
    });
  }

});

test("the integrations page's hourly sync is the same switch as the privacy page's, and both show one setting", async ({ page }) => {
  test.setTimeout(180_000);
  await signUp(page, "a11y-switch");
  const card = await connectGitHubNow(page);
  const onIntegrations = card.getByRole("switch", { name: "Sync automatically" });
  await expect(onIntegrations).toHaveAttribute("aria-checked", "true");
  await onIntegrations.click();
  await expect(onIntegrations).toHaveAttribute("aria-checked", "false");
  await expect(onIntegrations).toBeEnabled(); // saved

  await page.goto("/privacy");
  const github = page.getByRole("list", { name: "Integration privacy settings" }).getByRole("listitem").filter({ has: page.getByRole("heading", { name: /^GitHub/ }) });
  const onPrivacy = github.getByRole("switch", { name: "Sync automatically" });
  await expect(onPrivacy).toHaveAttribute("aria-checked", "false");
  await onPrivacy.click();
  await expect(onPrivacy).toHaveAttribute("aria-checked", "true");
  await expect(onPrivacy).toBeEnabled();

  await page.goto("/integrations");
  await expect(card.getByRole("switch", { name: "Sync automatically" })).toHaveAttribute("aria-checked", "true");
  // No checkbox left for an on/off setting: the only one is the consent to connect (shown before connecting).
  await expect(card.getByRole("checkbox")).toHaveCount(0);
});
