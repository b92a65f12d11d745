import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { deviceAuthorizations, devices } from "~/server/db/schema";
import { authenticateDeviceToken } from "~/server/devices/devices";
import { sha256Hex } from "~/server/hash";
import { setRateLimits } from "~/server/security/rate-limits";
import { anonymousCaller, callerFor, connectDevice, errorOf, signedUpUser } from "../support/callers";
import { listenRealtime, NOTIFICATION_TRAFFIC } from "../support/realtime";

type FlowError = { code: string; message: string; cause?: { details?: Record<string, unknown> } };
const oauthErrorOf = (error: FlowError) => error.cause?.details?.oauthError;

/** Polling is rate-limited by design: pretend the interval has passed since the last poll. */
async function forgetLastPoll(deviceCode: string) {
  const db = await getDb();
  await db
    .update(deviceAuthorizations)
    .set({ lastPolledAt: null })
    .where(eq(deviceAuthorizations.deviceCodeHash, sha256Hex(deviceCode)));
}

describe("device authorization grant (RFC 8628)", () => {
  it("starts with codes, a verification URI, interval and expiry", async () => {
    const started = await (await anonymousCaller()).devices.startAuthorization({ deviceName: "Work laptop" });
    expect(started.userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.deviceCode.length).toBeGreaterThanOrEqual(40);
    expect(started).toMatchObject({ verificationUri: "http://localhost:3000/device", interval: 5, expiresIn: 600 });
    expect(started.verificationUriComplete).toBe(`http://localhost:3000/device?code=${started.userCode}`);
    // only a hash of the device code is stored
    const db = await getDb();
    const [row] = await db.select().from(deviceAuthorizations).where(eq(deviceAuthorizations.deviceCodeHash, sha256Hex(started.deviceCode)));
    expect(row).toBeDefined();
    expect(JSON.stringify(row)).not.toContain(started.deviceCode);
  });

  it("limits how many authorizations one address may start in an hour, and says how long to wait", async () => {
    const device = await anonymousCaller("198.51.100.30");
    for (let i = 0; i < 30; i++) await device.devices.startAuthorization({ deviceName: `Flood ${i}` });
    const refused = (await errorOf(() => device.devices.startAuthorization({ deviceName: "One too many" }))) as FlowError;
    expect(refused).toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringMatching(/^Too many device sign-ins started from your network\. Try again in (60|59) minutes\.$/) });
    expect(refused.cause?.details).toMatchObject({ limit: "deviceAuthorizationStart", retryAfterSeconds: expect.any(Number) });
    const db = await getDb();
    expect(await db.select().from(deviceAuthorizations).where(eq(deviceAuthorizations.deviceName, "One too many"))).toEqual([]);
    await expect((await anonymousCaller("198.51.100.31")).devices.startAuthorization({ deviceName: "Elsewhere" })).resolves.toMatchObject({ interval: 5 });
  });

  it("limits how often one address may poll for a token in a minute, and says how long to wait; another address is unaffected", async () => {
    // The real limit (120 a minute), made small so the test stays quick; counters of this test's own.
    setRateLimits({ deviceAuthorizationPoll: { points: 3, windowSeconds: 60 } }, { keyPrefix: `test-${randomUUID()}:` });
    try {
      const device = await anonymousCaller();
      // A guessed device code: each poll is an RFC 8628 error, and still counts.
      const guess = { deviceCode: "guessed-device-code-0123456789" };
      for (let i = 0; i < 3; i++) expect(oauthErrorOf((await errorOf(() => device.devices.pollAuthorization(guess))) as FlowError), `poll ${i + 1}`).toBe("invalid_grant");
      const refused = (await errorOf(() => device.devices.pollAuthorization(guess))) as FlowError;
      expect(refused).toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringMatching(/^Too many device sign-in checks from your network\. Try again in \d+ seconds?\.$/) });
      expect(refused.cause?.details).toMatchObject({ limit: "deviceAuthorizationPoll", retryAfterSeconds: expect.any(Number) });
      expect(oauthErrorOf((await errorOf(async () => (await anonymousCaller()).devices.pollAuthorization(guess))) as FlowError)).toBe("invalid_grant");
    } finally {
      setRateLimits(null);
    }
  });

  it("runs pending → slow_down → approved → token once → already used", async () => {
    const { user, caller } = await signedUpUser("flow");
    const device = await anonymousCaller();
    const started = await device.devices.startAuthorization({ deviceName: "Studio desktop" });

    const pending = (await errorOf(() => device.devices.pollAuthorization({ deviceCode: started.deviceCode }))) as FlowError;
    expect(oauthErrorOf(pending)).toBe("authorization_pending");
    expect(pending.code).toBe("BAD_REQUEST");

    const slow = (await errorOf(() => device.devices.pollAuthorization({ deviceCode: started.deviceCode }))) as FlowError;
    expect(oauthErrorOf(slow)).toBe("slow_down");
    expect(slow.cause?.details?.interval).toBe(10);

    await expect(caller.devices.describeAuthorization({ userCode: started.userCode.toLowerCase() })).resolves.toMatchObject({ deviceName: "Studio desktop" });
    await expect(caller.devices.approveAuthorization({ userCode: started.userCode })).resolves.toEqual({ deviceName: "Studio desktop", status: "approved" });

    await forgetLastPoll(started.deviceCode);
    const { token, deviceId } = await device.devices.pollAuthorization({ deviceCode: started.deviceCode });
    expect(token).toMatch(/^dp_/);

    const identity = await authenticateDeviceToken(await getDb(), token);
    expect(identity.user.id).toBe(user.id);
    expect(identity.device).toEqual({ id: deviceId, name: "Studio desktop" });
    // the token itself is never stored
    const [stored] = await (await getDb()).select().from(devices).where(eq(devices.id, deviceId));
    expect(stored!.tokenHash).toBe(sha256Hex(token));
    expect(JSON.stringify(stored)).not.toContain(token);

    await forgetLastPoll(started.deviceCode);
    const reused = (await errorOf(() => device.devices.pollAuthorization({ deviceCode: started.deviceCode }))) as FlowError;
    expect(oauthErrorOf(reused)).toBe("invalid_grant");
    expect(reused.message).toMatch(/already used/);

    const approveAgain = await errorOf(() => caller.devices.approveAuthorization({ userCode: started.userCode }));
    expect(approveAgain.code).toBe("CONFLICT");
  });

  it("answers denied, expired and unknown codes as RFC 8628 does", async () => {
    const { caller } = await signedUpUser("deny");
    const device = await anonymousCaller();

    const denied = await device.devices.startAuthorization({ deviceName: "Unknown PC" });
    await expect(caller.devices.denyAuthorization({ userCode: denied.userCode })).resolves.toMatchObject({ status: "denied" });
    const deniedPoll = (await errorOf(() => device.devices.pollAuthorization({ deviceCode: denied.deviceCode }))) as FlowError;
    expect(oauthErrorOf(deniedPoll)).toBe("access_denied");

    const expired = await device.devices.startAuthorization({ deviceName: "Old laptop" });
    const db = await getDb();
    await db
      .update(deviceAuthorizations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(deviceAuthorizations.deviceCodeHash, sha256Hex(expired.deviceCode)));
    const expiredPoll = (await errorOf(() => device.devices.pollAuthorization({ deviceCode: expired.deviceCode }))) as FlowError;
    expect(oauthErrorOf(expiredPoll)).toBe("expired_token");
    const expiredApprove = await errorOf(() => caller.devices.approveAuthorization({ userCode: expired.userCode }));
    expect(expiredApprove).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/expired/) });
    // an expired code stays unapproved
    const [row] = await db.select().from(deviceAuthorizations).where(eq(deviceAuthorizations.deviceCodeHash, sha256Hex(expired.deviceCode)));
    expect(row!.status).toBe("pending");

    const unknownPoll = (await errorOf(() => device.devices.pollAuthorization({ deviceCode: "x".repeat(43) }))) as FlowError;
    expect(oauthErrorOf(unknownPoll)).toBe("invalid_grant");
    await expect(errorOf(() => caller.devices.approveAuthorization({ userCode: "BBBB-BBBB" }))).resolves.toMatchObject({ code: "NOT_FOUND" });
    await expect(errorOf(() => caller.devices.approveAuthorization({ userCode: "12" }))).resolves.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("requires a signed-in user to approve", async () => {
    const device = await anonymousCaller();
    const started = await device.devices.startAuthorization({ deviceName: "Laptop" });
    await expect(errorOf(() => device.devices.approveAuthorization({ userCode: started.userCode }))).resolves.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("devices list and revoke", () => {
  it("lists a user's own devices with last use, never tokens", async () => {
    const alice = await signedUpUser("alice");
    const { deviceId } = await connectDevice(alice.caller, "Alice's laptop");
    const list = await alice.caller.devices.list();
    expect(list).toEqual([
      { id: deviceId, name: "Alice's laptop", createdAt: expect.any(Date), lastUsedAt: expect.any(Date), lastSyncAt: null, current: false },
    ]);
    const asDevice = await callerFor(alice.user, { id: deviceId, name: "Alice's laptop" });
    expect((await asDevice.devices.list())[0]!.current).toBe(true);
  });

  it("revokes a device so its token stops working at once", async () => {
    const { caller } = await signedUpUser("revoker");
    const { token, deviceId } = await connectDevice(caller, "To revoke");
    await expect(caller.devices.revoke({ id: deviceId })).resolves.toEqual({ id: deviceId, name: "To revoke" });
    await expect(authenticateDeviceToken(await getDb(), token)).rejects.toMatchObject({ code: "UNAUTHORIZED", message: expect.stringMatching(/revoked/) });
    expect(await caller.devices.list()).toEqual([]);
    await expect(errorOf(() => caller.devices.revoke({ id: deviceId }))).resolves.toMatchObject({ code: "NOT_FOUND" });
  });

  it("never shows or revokes another user's device", async () => {
    const alice = await signedUpUser("owner");
    const mallory = await signedUpUser("mallory");
    const { token, deviceId } = await connectDevice(alice.caller, "Alice's desktop");
    expect(await mallory.caller.devices.list()).toEqual([]);
    const error = await errorOf(() => mallory.caller.devices.revoke({ id: deviceId }));
    expect(error).toMatchObject({ code: "NOT_FOUND" });
    // Alice's device is untouched
    await expect(authenticateDeviceToken(await getDb(), token)).resolves.toMatchObject({ user: { id: alice.user.id } });
  });

  it("rejects malformed ids with 400", async () => {
    const { caller } = await signedUpUser("badid");
    await expect(errorOf(() => caller.devices.revoke({ id: "not-a-uuid" }))).resolves.toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("device realtime events", () => {
  it("tells the user's open pages when a request is decided, a device is added and a device is revoked", async () => {
    const { user, caller } = await signedUpUser("device-events");
    const other = await signedUpUser("device-events-other");
    const mine = listenRealtime(user.id, { events: ["device:authorization_decided", "device:changed"] });
    const theirs = listenRealtime(other.user.id, { except: NOTIFICATION_TRAFFIC });
    try {
      const device = await anonymousCaller();
      const approved = await device.devices.startAuthorization({ deviceName: "Live laptop" });
      const { requestId } = await caller.devices.describeAuthorization({ userCode: approved.userCode });
      await caller.devices.approveAuthorization({ userCode: approved.userCode });
      await forgetLastPoll(approved.deviceCode);
      const { deviceId } = await device.devices.pollAuthorization({ deviceCode: approved.deviceCode });
      await caller.devices.revoke({ id: deviceId });
      const denied = await device.devices.startAuthorization({ deviceName: "Unknown box" });
      const deniedRequest = await caller.devices.describeAuthorization({ userCode: denied.userCode });
      await caller.devices.denyAuthorization({ userCode: denied.userCode });

      expect(mine.heard.map(({ event, payload }) => ({ event, payload }))).toEqual([
        { event: "device:authorization_decided", payload: { requestId, status: "approved" } },
        { event: "device:changed", payload: { deviceId, change: "added" } },
        { event: "device:changed", payload: { deviceId, change: "revoked" } },
        { event: "device:authorization_decided", payload: { requestId: deniedRequest.requestId, status: "denied" } },
      ]);
      expect(theirs.heard).toEqual([]);
    } finally {
      mine.stop();
      theirs.stop();
    }
  });
});
