/**
 * The reference desktop CLI's commands, built only on the client package @devpulse/client, exactly
 * as the desktop app would use it. The CLI imports the package's source entry (packages/client/src)
 * rather than its name: "@devpulse/client" resolves to the built dist/, which would need a build
 * before `npm run cli`, the bin and the e2e specs (all run from source through tsx). The entry is
 * exactly what the package exports, so the CLI can use nothing an installed client could not.
 */
import { readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import {
  authorizeDevice,
  createDevPulseClient,
  createFileStore,
  createSyncClient,
  jsonEqual,
  rotateEncryptionKey,
  SYNC_COLLECTIONS,
  type Json,
  type SyncCollection,
  type UnreadableRecord,
} from "../../packages/client/src";
import { describeCurrentStatus, describeHeartbeat, describePresence, type Heartbeat } from "./activity";
import { loadConfig, removeConfig, requireConfig, saveConfig, storePath, type CliConfig } from "./config";
import { readPassphrase } from "./passphrase";
import { CLI_CLIENT } from "./version";
import { describeRealtimeEvent } from "./watch-lines";

export type Output = { json: boolean; print: (text: string) => void };

const STRATEGIES = ["local_wins", "remote_wins", "merge", "manual"] as const;

function emit(out: Output, human: string, data: unknown) {
  out.print(out.json ? JSON.stringify(data) : human);
}

/** What a sync left undone, after its summary: records it could not open, and collections held back (nothing when neither). */
function syncNotes({ unreadable = [], heldBack = [] }: { unreadable?: readonly UnreadableRecord[]; heldBack?: readonly SyncCollection[] }): string {
  const notes: string[] = [];
  if (heldBack.length > 0) notes.push(`Not sent: cloud sync is off for ${heldBack.join(", ")} in your privacy settings; those edits stay on this device until it is on again.`);
  if (unreadable.length > 0) {
    const lines = unreadable.map((record) => `  ${record.collection}/${record.id} (revision ${record.revision}): ${record.reason}`);
    notes.push(`${unreadable.length} record(s) could not be opened and keep their last readable value here, until a device that has them saves them again:\n${lines.join("\n")}`);
  }
  return notes.map((note) => `\n${note}`).join("");
}

function clientFor(config: CliConfig) {
  return createDevPulseClient({ url: config.url, token: config.token, client: CLI_CLIENT });
}

async function unlockedSync(config: CliConfig) {
  const sync = createSyncClient({ client: clientFor(config), deviceId: config.deviceId, store: createFileStore(storePath()) });
  const { created } = await sync.unlock(await readPassphrase());
  return { sync, created };
}

/** This device's local records, not unlocked: staging an edit needs no key (records are encrypted when sent). */
function localSync(config: CliConfig) {
  return createSyncClient({ client: clientFor(config), deviceId: config.deviceId, store: createFileStore(storePath()) });
}

/**
 * Unlocks and syncs what was just staged. Offline, the staged edits stay on this
 * device (pending in `devpulse status`) and go with the next sync.
 */
async function syncStaged(sync: ReturnType<typeof localSync>, staged: number) {
  try {
    await sync.unlock(await readPassphrase());
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    throw new Error(`Cannot reach the DevPulse server: ${staged} change(s) kept on this device, sent with the next sync.`, { cause: error });
  }
  return sync.sync();
}

/** fetch's own failure (no HTTP answer at all), as the tRPC client reports it. */
function isUnreachable(error: unknown): boolean {
  return error instanceof Error && (error.message === "fetch failed" || (error.cause instanceof Error && error.cause.message === "fetch failed"));
}

/** A data set file: { "<collection>": { "<record id>": <JSON value> } }. */
async function readDataSet(path: string): Promise<Record<SyncCollection, Record<string, Json>>> {
  const parsed = JSON.parse(await readFile(path, "utf8")) as unknown;
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(`${path}: expected an object of collections`);
  for (const [collection, records] of Object.entries(parsed)) {
    if (!(SYNC_COLLECTIONS as readonly string[]).includes(collection)) {
      throw new Error(`${path}: unknown collection "${collection}" (expected ${SYNC_COLLECTIONS.join(", ")})`);
    }
    if (!records || typeof records !== "object" || Array.isArray(records)) throw new Error(`${path}: "${collection}" must map record ids to values`);
  }
  return parsed as Record<SyncCollection, Record<string, Json>>;
}

async function writeDataSet(sync: Awaited<ReturnType<typeof unlockedSync>>["sync"], path: string) {
  const data: Record<string, Record<string, Json>> = {};
  for (const collection of SYNC_COLLECTIONS) {
    const records = await sync.list(collection);
    if (records.length) data[collection] = Object.fromEntries(records.map(({ id, value }) => [id, value]));
  }
  await writeFile(path, `${JSON.stringify(data, null, 2)}\n`);
  return data;
}

export const commands = {
  async login(out: Output, options: { url?: string; name?: string }) {
    const url = (options.url ?? process.env.DEVPULSE_URL ?? (await loadConfig())?.url ?? "http://localhost:3000").replace(/\/+$/, "");
    const deviceName = options.name ?? `DevPulse CLI on ${hostname()}`;
    const client = createDevPulseClient({ url, client: CLI_CLIENT });
    const { token, deviceId } = await authorizeDevice(client, {
      deviceName,
      onPrompt: ({ userCode, verificationUri, verificationUriComplete, expiresIn }) => {
        emit(
          out,
          `To sign this device in, open ${verificationUri} and enter the code ${userCode}\n(or open ${verificationUriComplete}). The code expires in ${Math.round(expiresIn / 60)} minutes.`,
          { event: "prompt", userCode, verificationUri, verificationUriComplete },
        );
      },
    });
    const config = { url, token, deviceId, deviceName };
    await saveConfig(config);
    const me = await clientFor(config).auth.me.query();
    emit(out, `Signed in as ${me.email} (device "${deviceName}").`, { event: "signed_in", email: me.email, deviceId });
  },

  async logout(out: Output) {
    await removeConfig();
    emit(out, "Signed out on this machine (the device token was removed; revoke it on /settings/devices too).", { event: "signed_out" });
  },

  async unlock(out: Output) {
    const { created } = await unlockedSync(await requireConfig());
    emit(out, created ? "Sync keys created and unlocked. Keep your passphrase safe: nobody can recover it." : "Unlocked.", { unlocked: true, created });
  },

  async push(out: Output, options: { file: string }) {
    const dataSet = await readDataSet(options.file);
    const config = await requireConfig();
    const sync = localSync(config);
    let staged = 0;
    for (const [collection, records] of Object.entries(dataSet) as Array<[SyncCollection, Record<string, Json>]>) {
      for (const [id, value] of Object.entries(records)) {
        if (!jsonEqual(value, await sync.get(collection, id))) {
          await sync.put(collection, id, value);
          staged += 1;
        }
      }
    }
    const summary = await syncStaged(sync, staged);
    emit(out, `Staged ${staged} change(s); pushed ${summary.pushed}, pulled ${summary.pulled}, conflicts ${summary.conflicts} (${summary.autoResolved} merged automatically, ${summary.openConflicts.length} left for you).${syncNotes(summary)}`, { staged, ...summary });
  },

  async delete(out: Output, options: { collection: string; ids: string[] }) {
    if (!(SYNC_COLLECTIONS as readonly string[]).includes(options.collection)) {
      throw new Error(`unknown collection "${options.collection}" (expected ${SYNC_COLLECTIONS.join(", ")})`);
    }
    if (!options.ids.length) throw new Error("delete needs the ids of the records to delete. See devpulse --help.");
    const sync = localSync(await requireConfig());
    let staged = 0;
    for (const id of options.ids) {
      if ((await sync.get(options.collection as SyncCollection, id)) === undefined) continue;
      await sync.delete(options.collection as SyncCollection, id);
      staged += 1;
    }
    const summary = await syncStaged(sync, staged);
    emit(out, `Deleted ${staged} record(s); pushed ${summary.pushed}, pulled ${summary.pulled}, conflicts ${summary.conflicts} (${summary.openConflicts.length} left for you).${syncNotes(summary)}`, { staged, ...summary });
  },

  async pull(out: Output, options: { out?: string }) {
    const { sync } = await unlockedSync(await requireConfig());
    const pulled = await sync.pull();
    if (options.out) await writeDataSet(sync, options.out);
    emit(out, `Pulled ${pulled.received} change(s); now at cursor ${pulled.cursor}.${options.out ? ` Wrote ${options.out}.` : ""}${syncNotes(pulled)}`, pulled);
  },

  async sync(out: Output, options: { out?: string }) {
    const { sync } = await unlockedSync(await requireConfig());
    const summary = await sync.sync();
    if (options.out) await writeDataSet(sync, options.out);
    emit(out, `Synced: pulled ${summary.pulled}, pushed ${summary.pushed}, conflicts ${summary.conflicts} (${summary.autoResolved} merged automatically, ${summary.openConflicts.length} left for you).${syncNotes(summary)}`, summary);
  },

  async status(out: Output) {
    const config = await requireConfig();
    const client = clientFor(config);
    const [me, open] = await Promise.all([client.auth.me.query(), client.conflicts.list.query({ status: "open", limit: 100 })]);
    const local = await createSyncClient({ client, deviceId: config.deviceId, store: createFileStore(storePath()) }).status();
    const status = { server: config.url, email: me.email, device: config.deviceName, cursor: local.cursor, records: local.records, pending: local.pending, unreadable: local.unreadable, openConflicts: open.items.length };
    emit(
      out,
      [
        `Server:    ${status.server}`,
        `Account:   ${status.email}`,
        `Device:    ${status.device}`,
        `Records:   ${status.records} (cursor ${status.cursor})`,
        `Pending:   ${status.pending} local change(s) not pushed`,
        ...(status.unreadable ? [`Unreadable: ${status.unreadable} record(s) whose latest version failed verification — \`devpulse pull\` lists them; restore a readable revision from a record's history on the web`] : []),
        `Conflicts: ${status.openConflicts} open${status.openConflicts ? " — run `devpulse conflicts`" : ""}`,
      ].join("\n"),
      status,
    );
  },

  async conflicts(out: Output) {
    const config = await requireConfig();
    const { items } = await clientFor(config).conflicts.list.query({ status: "open", limit: 100 });
    const human = items.length
      ? items.map((c) => `${c.id}  ${c.type.padEnd(15)}  ${c.collection}/${c.recordId}  from ${c.deviceName ?? "a removed device"}  ${c.createdAt.toISOString()}`).join("\n")
      : "No open conflicts: everything is in sync.";
    emit(out, human, items);
  },

  /** Sends one heartbeat, as the desktop app does every minute or on change, then prints what the server shows now. */
  async activity(out: Output, heartbeat: Heartbeat) {
    const client = clientFor(await requireConfig());
    const { changed } = await client.status.heartbeat.mutate(heartbeat);
    const current = await client.status.current.query();
    emit(out, `Sent: ${describeHeartbeat(heartbeat)} (${changed ? "the status changed" : "no change: the status already said so"}).\n${describeCurrentStatus(current)}`, { event: "heartbeat", changed, ...current });
  },

  /**
   * Prints the account's realtime events as they happen (over Pusher or SSE, whichever the server uses), until interrupted.
   * On each "status:updated" it also prints the Discord Rich Presence payload the desktop app would apply.
   */
  async watch(out: Output) {
    const client = clientFor(await requireConfig());
    // One status.current() at a time, in the order of the events, so the last line printed is the latest presence.
    let presences = Promise.resolve();
    const printPresence = () =>
      (presences = presences.then(async () => {
        try {
          const current = await client.status.current.query();
          emit(out, `${new Date().toISOString()}  discord presence  ${describePresence(current)}`, { event: "discord_presence", presence: current.discordPresence });
        } catch (error) {
          emit(out, `${new Date().toISOString()}  discord presence  unavailable: ${error instanceof Error ? error.message : String(error)}`, { event: "discord_presence_error", message: error instanceof Error ? error.message : String(error) });
        }
      }));
    await new Promise<void>((resolve, reject) => {
      void client.realtime
        .subscribe((message) => {
          emit(out, describeRealtimeEvent(message), message);
          if (message.event === "status:updated") void printPresence();
        }, {
          onReady: () => emit(out, "Watching for changes from your other devices (Ctrl-C to stop)…", { event: "watching" }),
          onError: (error) => reject(error),
        })
        .then((subscription) => {
          process.once("SIGINT", () => {
            subscription.unsubscribe();
            resolve();
          });
        }, reject);
    });
  },

  /**
   * Replaces the data key after a device was lost or revoked, re-encrypting everything
   * under the new one. Interrupted, it resumes where it stopped when run again.
   */
  async rotateKey(out: Output, options: { includeRevisions: boolean; purge: boolean }) {
    const config = await requireConfig();
    const client = clientFor(config);
    const sync = createSyncClient({ client, deviceId: config.deviceId, store: createFileStore(storePath()) });
    const result = await rotateEncryptionKey({
      client,
      passphrase: await readPassphrase(),
      sync,
      includeRevisions: options.includeRevisions,
      purgeRevisions: options.purge,
      onProgress: (progress) => {
        if (progress.phase === "reencrypting") emit(out, `Re-encrypted ${progress.done}, ${progress.remaining} to go…`, { event: "progress", ...progress });
      },
    });
    const purged = result.purged ? ` Deleted ${result.purged.revisions} old revision(s) still under the old key.` : "";
    emit(
      out,
      `Encryption key rotated${result.resumed ? " (an interrupted rotation was resumed)" : ""}: everything is now under key ${result.keyId}; ${result.reencrypted} item(s) re-encrypted.${purged} Your other devices ask for the passphrase on their next sync.`,
      { event: "rotated", ...result },
    );
  },

  async resolve(out: Output, options: { id: string; strategy: string; value?: string }) {
    if (!(STRATEGIES as readonly string[]).includes(options.strategy)) {
      throw new Error(`--strategy must be one of ${STRATEGIES.join(", ")}`);
    }
    const value = options.value ? (JSON.parse(await readFile(options.value, "utf8")) as Json) : undefined;
    const { sync } = await unlockedSync(await requireConfig());
    const resolved = await sync.resolveConflict(options.id, options.strategy as (typeof STRATEGIES)[number], value);
    await sync.sync();
    emit(out, `Resolved ${options.id} with ${options.strategy} (revision ${resolved.revision ?? "unchanged"}).`, resolved);
  },
};
