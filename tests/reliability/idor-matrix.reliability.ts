import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb, selectRows } from "~/server/db/client";
import { userOwnedTableNames } from "~/server/db/tables";
import { pollDeviceAuthorization } from "~/server/devices/authorization";
import { sha256Hex } from "~/server/hash";
import { getJobRunner } from "~/server/jobs/send";
import { startGoogleDouble, type GoogleDouble } from "../doubles/google/server";
import { anonymousCaller, callerFor, signedUpUser, syncingUser } from "../support/callers";
import { useEnv } from "../support/env";
import { startIntegrationRoutes } from "../support/integrations";
import { change, push } from "../support/sync";
import { at, googleCalendarUser } from "../integration/calendar-helpers";
import { useWebhookReceiver } from "../integration/webhooks-helpers";
import { measured } from "./support/figures";
import { routerProcedures } from "./support/procedures";

/**
 * The IDOR matrix, generated from the router: every procedure whose input names an id, a
 * reference or a code is called by user B with user A's real ones. Nothing of A's may come back
 * (no marker of A's, no id of A's that B did not send) and nothing of A's may change (every row
 * of every table with a user_id, and A's user row, read before and after each call). A procedure
 * added later with such an input and no row here fails the first test, so the matrix grows with the API.
 */

/** Input keys that name a row, a reference or a code. */
const ID_KEY = /(^id$|Id$|^ids$|Ids$|^code$|Code$|^key$|Key$|^token$|Token$)/;

/** Procedures whose id-like input names nothing of another user's, and why. */
const NOT_ANOTHER_USERS_ROW: Record<string, string> = {
  "account.confirmEmailChange": "a bearer secret mailed to the address's owner: holding it is the proof (public procedure)",
  "account.resetPassword": "a bearer secret mailed to the account's owner: holding it is the proof (public procedure)",
  "devices.pollAuthorization": "the device code is a bearer secret only the waiting device holds (RFC 8628)",
  "sync.keys.setup": "keyId / wrappedKey are parts of the caller's own key bundle, not references",
  "sync.keys.rotatePassphrase": "keyId / wrappedKey are parts of the caller's own key bundle, not references",
  "sync.rotation.start": "keyId / wrappedKey are parts of the caller's own key bundle, not references",
  "external.correlate": "periods and projects are the desktop app's own data sent for a computation; nothing is read by id",
  "status.discord.chooseChannel": "a Discord channel id, checked against the channels of the caller's own Discord connection",
};

type Victim = Awaited<ReturnType<typeof victim>>;
type Intruder = Awaited<ReturnType<typeof callerFor>>;

type Sending = { input: unknown; send: (b: Intruder) => Promise<unknown> };
const sending = <Input>(input: Input, send: (b: Intruder, input: Input) => Promise<unknown>): Sending => ({ input, send: (b) => send(b, input) });

/** B's call with A's ids for each procedure. Each is expected to be refused or to answer with B's own (empty) data. */
const MATRIX: Record<string, (a: Victim) => Sending> = {
  "devices.describeAuthorization": (a) => sending({ userCode: a.userCode }, (b, input) => b.devices.describeAuthorization(input)),
  "devices.approveAuthorization": (a) => sending({ userCode: a.userCode }, (b, input) => b.devices.approveAuthorization(input)),
  "devices.denyAuthorization": (a) => sending({ userCode: a.userCode }, (b, input) => b.devices.denyAuthorization(input)),
  "devices.revoke": (a) => sending({ id: a.laptopId }, (b, input) => b.devices.revoke(input)),
  "sync.push": (a) => sending({ idempotencyKey: a.pushKey, deviceId: a.laptopId, changes: [change(a.recordId, 1, "B overwrites")] }, (b, input) => b.sync.push(input)),
  "sync.rotation.reencrypt": (a) => sending({ items: [{ collection: "projects" as const, recordId: a.recordId, conflictId: null, revision: 2, ciphertext: "x", checksum: sha256Hex("x"), keyId: 2 }] } as never, (b, input) => b.sync.rotation.reencrypt(input)),
  "conflicts.get": (a) => sending({ id: a.conflictId }, (b, input) => b.conflicts.get(input)),
  "conflicts.resolve": (a) => sending({ id: a.conflictId, strategy: "local_wins" as const }, (b, input) => b.conflicts.resolve(input)),
  "conflicts.resolveMany": (a) => sending({ ids: [a.conflictId], strategy: "local_wins" as const }, (b, input) => b.conflicts.resolveMany(input)),
  "conflicts.history": (a) => sending({ collection: "projects" as const, recordId: a.recordId }, (b, input) => b.conflicts.history(input)),
  "conflicts.rollback": (a) => sending({ collection: "projects" as const, recordId: a.recordId, revision: 1 }, (b, input) => b.conflicts.rollback(input)),
  "jobs.retry": (a) => sending({ runId: a.runId }, (b, input) => b.jobs.retry(input)),
  "calendar.setIncluded": (a) => sending({ calendarId: a.calendarId, included: false }, (b, input) => b.calendar.setIncluded(input)),
  "calendar.events": (a) => sending({ from: at(0, 0), to: at(7, 0), calendarIds: [a.calendarId] }, (b, input) => b.calendar.events(input)),
  "calendar.createFocusBlock": (a) => sending({ title: "B's", duration: 30, startTime: at(3, 9), calendarId: a.calendarId }, (b, input) => b.calendar.createFocusBlock(input)),
  "calendar.updateFocusBlock": (a) => sending({ id: a.focusBlockId, title: "mine now" }, (b, input) => b.calendar.updateFocusBlock(input)),
  "calendar.deleteFocusBlock": (a) => sending({ id: a.focusBlockId }, (b, input) => b.calendar.deleteFocusBlock(input)),
  "calendar.resolveConflict": (a) => sending({ key: a.calendarConflictKey, action: "keep" as const }, (b, input) => b.calendar.resolveConflict(input)),
  "status.schedules.cancel": (a) => sending({ id: a.scheduleId }, (b, input) => b.status.schedules.cancel(input)),
  "status.templates.upsert": (a) => sending({ ...a.template, slack: { emoji: ":x:", text: "B's now" } }, (b, input) => b.status.templates.upsert(input)),
  "status.templates.remove": (a) => sending({ key: a.template.key }, (b, input) => b.status.templates.remove(input)),
  "webhooks.endpoints.update": (a) => sending({ id: a.endpointId, enabled: false }, (b, input) => b.webhooks.endpoints.update(input)),
  "webhooks.endpoints.remove": (a) => sending({ id: a.endpointId }, (b, input) => b.webhooks.endpoints.remove(input)),
  "webhooks.endpoints.rotateSecret": (a) => sending({ id: a.endpointId }, (b, input) => b.webhooks.endpoints.rotateSecret(input)),
  "webhooks.endpoints.test": (a) => sending({ id: a.endpointId }, (b, input) => b.webhooks.endpoints.test(input)),
  "webhooks.deliveries.list": (a) => sending({ endpointId: a.endpointId }, (b, input) => b.webhooks.deliveries.list(input)),
  "webhooks.deliveries.redeliver": (a) => sending({ deliveryId: a.deliveryId }, (b, input) => b.webhooks.deliveries.redeliver(input)),
  "notifications.markRead": (a) => sending({ ids: [a.notificationId] }, (b, input) => b.notifications.markRead(input)),
};

/** The keys of a zod input schema, nested ones as paths ("items.[].recordId"). */
function inputKeys(schema: unknown, prefix = ""): string[] {
  const def = (schema as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
  if (!def) return [];
  switch (def.type) {
    case "object":
      return Object.entries(def.shape as Record<string, unknown>).flatMap(([key, value]) => [prefix + key, ...inputKeys(value, `${prefix}${key}.`)]);
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
      return inputKeys(def.innerType, prefix);
    case "pipe":
      return inputKeys(def.in, prefix);
    case "array":
      return inputKeys(def.element, `${prefix}[].`);
    case "union":
      return (def.options as unknown[]).flatMap((option) => inputKeys(option, prefix));
    case "intersection":
      return [...inputKeys(def.left, prefix), ...inputKeys(def.right, prefix)];
    default:
      return [];
  }
}

function proceduresNamingIds(): string[] {
  return routerProcedures()
    .filter(({ inputs }) => inputs.flatMap((input) => inputKeys(input)).some((key) => ID_KEY.test(key.split(".").at(-1)!)))
    .map(({ path }) => path)
    .sort();
}

const MARK = `alice-${randomUUID().slice(0, 8)}`;

/** Every row A owns, as text: compared before and after each of B's calls. */
async function stateOf(userId: string): Promise<string> {
  const db = await getDb();
  const parts: string[] = [];
  for (const table of ["users", ...userOwnedTableNames()]) {
    const column = table === "users" ? "id" : "user_id";
    const rows = await selectRows(db, sql.raw(`select * from "${table}" where ${column} = '${userId}'`));
    parts.push(`${table}: ${rows.map((row) => JSON.stringify(row)).sort().join("\n")}`);
  }
  return parts.join("\n\n");
}

let google: GoogleDouble;
let app: Awaited<ReturnType<typeof startIntegrationRoutes>>;
const receiver = useWebhookReceiver("30ms");
beforeAll(async () => {
  [google, app] = await Promise.all([startGoogleDouble({ autoApprove: true, demo: false }), startIntegrationRoutes()]);
  google.addRedirectUri(`${app.url}/api/integrations/google/callback`);
}, 60_000);
afterAll(() => Promise.all([google.close(), app.close()]));
useEnv(() => ({
  APP_URL: app.url,
  ...google.appEnv,
}));

/** User A with a row behind every kind of id the matrix sends, each carrying MARK where the user writes text. */
async function victim() {
  const account = await syncingUser(MARK);
  const a = await googleCalendarUser(google, MARK, [
    { summary: `${MARK} X`, start: at(2, 9), end: at(2, 10) },
    { summary: `${MARK} Y`, start: at(2, 9.5), end: at(2, 10.5) },
  ], { account });
  const { caller, user } = a;
  // The device grant, step by step, to keep its user code: approved, so it is A's.
  const started = await (await anonymousCaller()).devices.startAuthorization({ deviceName: `${MARK} laptop` });
  await caller.devices.approveAuthorization({ userCode: started.userCode });
  const { deviceId: laptopId } = await pollDeviceAuthorization(await getDb(), { deviceCode: started.deviceCode });
  const laptop = { id: laptopId, caller: await callerFor(user, { id: laptopId, name: `${MARK} laptop` }) };
  const recordId = "shared-name";
  const pushKey = randomUUID();
  await push(laptop, [change(recordId, null, `${MARK} v1`)], pushKey);
  await push(laptop, [change(recordId, 1, `${MARK} v2`)]);
  await push(laptop, [change(recordId, 1, `${MARK} stale edit`)]); // a conflict
  const [conflict] = (await caller.conflicts.list({})).items;
  const focusBlock = await caller.calendar.createFocusBlock({ title: `${MARK} block`, duration: 30, startTime: at(3, 9) });
  const [calendar] = await caller.calendar.calendars();
  const [calendarConflict] = await caller.calendar.conflicts({ from: at(0, 0), to: at(7, 0) });
  const schedule = await caller.status.schedule({ template: "meeting", startAt: at(5, 9), durationMinutes: 30 });
  const [builtIn] = await caller.status.templates.list();
  const template = { ...builtIn!, key: "a-own", slack: { emoji: ":lock:", text: `${MARK} template` } };
  await caller.status.templates.upsert(template);
  const { endpoint } = await caller.webhooks.endpoints.create({ url: `${receiver().url}/hooks/${MARK}`, kinds: ["sync.conflict_detected"], description: `${MARK} endpoint` });
  await caller.webhooks.endpoints.test({ id: endpoint.id });
  await getJobRunner().idle({ dueWithinMs: 3_000 });
  const [delivery] = await caller.webhooks.deliveries.list({ endpointId: endpoint.id });
  const [notification] = (await caller.notifications.list({})).items;
  const [run] = (await caller.jobs.runs()).runs;
  const ids = { laptopId, conflictId: conflict!.id, runId: run!.runId, calendarId: calendar!.id, focusBlockId: focusBlock.id, calendarConflictKey: calendarConflict!.key, scheduleId: schedule.id, endpointId: endpoint.id, deliveryId: delivery!.id, notificationId: notification!.id };
  return { user, userCode: started.userCode, recordId, pushKey, template, ...ids, ids: Object.values(ids) };
}

describe("IDOR matrix: user B with user A's ids", () => {
  it("covers every procedure whose input names an id, a reference or a code", () => {
    const uncovered = proceduresNamingIds().filter((path) => !(path in MATRIX) && !(path in NOT_ANOTHER_USERS_ROW));
    expect(uncovered, "add each to MATRIX (or, if its id names nothing of another user's, to NOT_ANOTHER_USERS_ROW with the reason)").toEqual([]);
    for (const path of [...Object.keys(MATRIX), ...Object.keys(NOT_ANOTHER_USERS_ROW)]) expect(proceduresNamingIds(), `${path} is listed but takes no id`).toContain(path);
  });

  it("returns nothing of A's and changes nothing of A's", { timeout: 10 * 60_000 }, async () => {
    const a = await victim();
    const b = await signedUpUser("idor-intruder");
    const intruder = await callerFor(b.user, null);
    const findings: string[] = [];
    const figure = await measured({ area: "Every boundary", check: "IDOR matrix: each procedure that takes an id, called by user B with user A's real ids", trials: "calls" }, async () => {
      for (const [path, callWith] of Object.entries(MATRIX)) {
        const call = callWith(a);
        await getJobRunner().idle({ dueWithinMs: 3_000 });
        const before = await stateOf(a.user.id);
        let answer: string;
        try {
          answer = JSON.stringify(await call.send(intruder)) ?? "";
        } catch (error) {
          const { code, message } = error as { code?: string; message?: string };
          if (!["NOT_FOUND", "FORBIDDEN", "BAD_REQUEST", "PRECONDITION_FAILED", "CONFLICT"].includes(code ?? "")) findings.push(`${path}: refused with ${code}: ${message}`);
          answer = String(message);
        }
        await getJobRunner().idle({ dueWithinMs: 3_000 });
        const after = await stateOf(a.user.id);
        if (after !== before) findings.push(`${path}: A's rows changed`);
        if (answer.includes(MARK)) findings.push(`${path}: answered with A's text`);
        const sent = JSON.stringify(call.input);
        for (const id of a.ids) if (answer.includes(id) && !sent.includes(id)) findings.push(`${path}: answered with an id of A's`);
      }
      return { tried: Object.keys(MATRIX).length, lost: findings.length, detail: `${Object.keys(MATRIX).length} procedures (every one whose input names an id, but ${Object.keys(NOT_ANOTHER_USERS_ROW).length} whose ids name nothing of another user's); a finding is a refusal other than 4xx, any of A's rows changed (all user_id tables and A's user row, before and after each call), or A's text or ids in the answer${findings.length ? `: ${findings.join("; ")}` : ""}` };
    });
    expect(findings).toEqual([]);
    expect(figure.lost).toBe(0);
  });
});
