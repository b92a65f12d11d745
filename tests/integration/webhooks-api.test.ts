import dns from "node:dns";
import { describe, expect, it, vi } from "vitest";
import { getDb } from "~/server/db/client";
import { getJobRunner } from "~/server/jobs/send";
import { queueWebhookDeliveries } from "~/server/webhooks/dispatch";
import { sendWebhookRequest } from "~/server/webhooks/send";
import { errorOf, signedUpUser } from "../support/callers";
import { withEnv } from "../support/env";
import { conflictNotification, uniquePath, useWebhookReceiver } from "./webhooks-helpers";

const receiver = useWebhookReceiver("30ms");

/** Private webhooks off: what production does. */
const inProduction = <T>(body: () => Promise<T>) => withEnv({ ALLOW_PRIVATE_WEBHOOKS: undefined }, body);

describe("webhooks.endpoints: SSRF refusals when an endpoint is saved", () => {
  const refused = [
    ["http://hooks.example.com/devpulse", /must use https/],
    ["https://127.0.0.1/hook", /127\.0\.0\.1 is a loopback address/],
    // a name is refused without its address or kind: the server's resolver may see names the user cannot
    ["https://localhost:8443/hook", /^localhost does not resolve to a public address: webhooks only go to public addresses$/],
    ["https://[::1]/hook", /loopback/],
    ["https://169.254.169.254/latest/meta-data", /link-local/],
    ["https://10.1.2.3/hook", /private/],
    ["https://172.20.0.5/hook", /private/],
    ["https://192.168.1.10/hook", /private/],
    ["https://100.64.0.1/hook", /carrier-grade NAT/],
    ["https://0.0.0.0/hook", /unspecified/],
    ["https://224.0.0.1/hook", /multicast/],
    ["https://[fd12:3456::1]/hook", /unique local/],
    ["https://[fe80::1]/hook", /link-local/],
    ["https://[::ffff:127.0.0.1]/hook", /loopback|IPv4-mapped/],
    ["https://[64:ff9b::a00:1]/hook", /private/],
    ["https://user:pass@hooks.example.com/hook", /Leave user names and passwords out/],
    ["not a url", /Enter a full URL/],
  ] as const;

  it.each(refused)("refuses %s", async (url, message) => {
    const { caller } = await signedUpUser("ssrf-create");
    await inProduction(async () => {
      const error = await errorOf(() => caller.webhooks.endpoints.create({ url, kinds: ["sync.conflict_detected"] }));
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(message);
    });
    expect(await caller.webhooks.endpoints.list()).toEqual([]);
  });

  it("refuses a private URL on update as well", async () => {
    const { caller } = await signedUpUser("ssrf-update");
    const { endpoint } = await caller.webhooks.endpoints.create({ url: `${receiver().url}/hooks/ok`, kinds: ["sync.conflict_detected"] });
    await inProduction(async () => {
      const error = await errorOf(() => caller.webhooks.endpoints.update({ id: endpoint.id, url: "https://127.0.0.1:9/x" }));
      expect(error).toMatchObject({ code: "BAD_REQUEST" });
    });
    expect((await caller.webhooks.endpoints.list())[0]!.url).toBe(`${receiver().url}/hooks/ok`);
  });

  it("refuses kinds that never use the webhook channel, and an empty choice", async () => {
    const { caller } = await signedUpUser("kinds");
    const url = `${receiver().url}/hooks/kinds`;
    expect(await errorOf(() => caller.webhooks.endpoints.create({ url, kinds: ["account.inactivity_warning"] }))).toMatchObject({ code: "BAD_REQUEST" });
    expect(await errorOf(() => caller.webhooks.endpoints.create({ url, kinds: [] }))).toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("webhooks: the address guard at send time", () => {
  it("refuses to send to a name that now resolves to 127.0.0.1, and nothing reaches it", async () => {
    const { user, caller } = await signedUpUser("ssrf-send");
    const path = uniquePath("rebind");
    // Saved while private addresses were allowed; the name is checked again, on its addresses, before each attempt.
    const { endpoint } = await caller.webhooks.endpoints.create({ url: `https://localhost:${receiver().port}${path}`, kinds: ["sync.conflict_detected"] });
    await inProduction(async () => {
      await queueWebhookDeliveries(await getDb(), user.id, conflictNotification());
      await getJobRunner().idle();
    });
    expect(receiver().at(path)).toEqual([]);
    const [delivery] = await caller.webhooks.deliveries.list({ endpointId: endpoint.id });
    expect(delivery).toMatchObject({ status: "failed", attempts: 2 });
    expect(delivery!.log[0]).toMatchObject({ outcome: "refused", responseCode: null });
    expect(delivery!.log[0]!.error).toMatch(/localhost does not resolve to a public address/);
  });

  it("connects only to the addresses the guard checked, never asking DNS again, and tries the next when one refuses", async () => {
    const path = uniquePath("pinned");
    // DNS as the guard sees it, once: two loopback addresses, and nothing listens on the first.
    const guardLookup = vi.spyOn(dns.promises, "lookup").mockResolvedValue([{ address: "127.0.0.3", family: 4 }, { address: "127.0.0.1", family: 4 }] as never);
    // What a second lookup would answer (a rebinding name): an address where nothing listens either.
    const laterLookup = vi.spyOn(dns, "lookup").mockImplementation(((_host: string, _options: unknown, callback: (error: null, address: string, family: number) => void) =>
      callback(null, "127.0.0.4", 4)) as never);
    try {
      const result = await sendWebhookRequest(`http://hooks.rebinding.test:${receiver().port}${path}`, '{"ok":true}', {}, { allowPrivate: true, timeoutMs: 2000 });
      expect(result).toMatchObject({ outcome: "delivered", responseCode: 200 });
      expect(receiver().at(path)).toHaveLength(1);
      expect(guardLookup).toHaveBeenCalledTimes(1);
      expect(laterLookup).not.toHaveBeenCalled();
    } finally {
      guardLookup.mockRestore();
      laterLookup.mockRestore();
    }
  });
});

describe("webhooks: authorization on every id", () => {
  it("user B can neither see, change, test, rotate, remove, read the deliveries of, nor redeliver user A's endpoint", async () => {
    const a = await signedUpUser("owner-a");
    const b = await signedUpUser("other-b");
    const path = uniquePath("idor");
    const { endpoint } = await a.caller.webhooks.endpoints.create({ url: `${receiver().url}${path}`, description: "A's", kinds: ["sync.conflict_detected"] });
    await a.caller.webhooks.endpoints.test({ id: endpoint.id });
    await getJobRunner().idle();
    const [delivery] = await a.caller.webhooks.deliveries.list({ endpointId: endpoint.id });

    expect(await b.caller.webhooks.endpoints.list()).toEqual([]);
    const attempts = [
      () => b.caller.webhooks.endpoints.update({ id: endpoint.id, url: `${receiver().url}/hooks/stolen`, enabled: false }),
      () => b.caller.webhooks.endpoints.rotateSecret({ id: endpoint.id }),
      () => b.caller.webhooks.endpoints.test({ id: endpoint.id }),
      () => b.caller.webhooks.endpoints.remove({ id: endpoint.id }),
      () => b.caller.webhooks.deliveries.list({ endpointId: endpoint.id }),
      () => b.caller.webhooks.deliveries.redeliver({ deliveryId: delivery!.id }),
    ];
    for (const attempt of attempts) expect(await errorOf(attempt)).toMatchObject({ code: "NOT_FOUND" });
    await getJobRunner().idle();

    // Nothing changed for A, and nothing more was sent.
    expect(await a.caller.webhooks.endpoints.list()).toMatchObject([{ id: endpoint.id, url: `${receiver().url}${path}`, description: "A's", enabled: true, previousSecretExpiresAt: null }]);
    expect(await a.caller.webhooks.deliveries.list({ endpointId: endpoint.id })).toHaveLength(1);
    expect(receiver().at(path)).toHaveLength(1);
  });

  it("A removes the endpoint: it and its log are gone", async () => {
    const { caller } = await signedUpUser("remove");
    const { endpoint } = await caller.webhooks.endpoints.create({ url: `${receiver().url}/hooks/remove`, kinds: ["sync.conflict_detected"] });
    await caller.webhooks.endpoints.test({ id: endpoint.id });
    await getJobRunner().idle();
    await caller.webhooks.endpoints.remove({ id: endpoint.id });
    expect(await caller.webhooks.endpoints.list()).toEqual([]);
    expect(await errorOf(() => caller.webhooks.deliveries.list({ endpointId: endpoint.id }))).toMatchObject({ code: "NOT_FOUND" });
  });
});
