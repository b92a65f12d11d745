/**
 * `devpulse` — the reference desktop CLI. `npm run cli -- <command>` or the package bin.
 */
import { parseArgs } from "node:util";
import { TRPCClientError } from "../../packages/client/src";
import { heartbeatFromArgs } from "./activity";
import { commands, type Output } from "./commands";

const USAGE = `Usage: devpulse <command> [options]

Commands:
  login [--url URL] [--name NAME]     sign this device in (device code shown here, approved in the browser)
  logout                              forget this device's token on this machine
  unlock                              check the sync passphrase (creates the keys on first use)
  push <file.json>                    stage a data set { "<collection>": { "<id>": value } } and sync it
  delete <collection> <id>...         delete records (on every device) and sync
  pull [--out FILE]                   fetch changes from your other devices (optionally write the data set)
  sync [--out FILE]                   pull, merge and push until quiet
  status                              account, device, local records, pending changes, open conflicts
  conflicts                           list open conflicts
  watch                               print realtime events (other devices' syncs, conflicts, chat status, notifications) as they happen,
                                      with the Discord Rich Presence payload after each status change
  activity <coding|debugging|focus|idle> [--project NAME] [--focus-minutes N]
                                      report what you are doing (one status.heartbeat, as the desktop app sends every
                                      minute) and print the chat status the server now shows
  resolve <id> --strategy S [--value FILE]
                                      resolve a conflict: local_wins | remote_wins | merge | manual (with --value)
  rotate-key [--include-revisions] [--purge]
                                      after losing or revoking a device: new encryption key, everything re-encrypted
                                      (kept revisions too with --include-revisions; --purge deletes those left under
                                      the old key); run it again to resume if it was interrupted

Options: --json (machine-readable output), --help
Environment: DEVPULSE_URL, DEVPULSE_CONFIG_DIR, DEVPULSE_PASSPHRASE`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      name: { type: "string" },
      out: { type: "string" },
      strategy: { type: "string" },
      value: { type: "string" },
      project: { type: "string" },
      "focus-minutes": { type: "string" },
      "include-revisions": { type: "boolean", default: false },
      purge: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, argument, ...more] = positionals;
  const out: Output = { json: values.json ?? false, print: (text) => process.stdout.write(`${text}\n`) };
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  const needArgument = (what: string) => {
    if (!argument) throw new Error(`${command} needs ${what}. See devpulse --help.`);
    return argument;
  };
  switch (command) {
    case "login":
      await commands.login(out, { url: values.url, name: values.name });
      break;
    case "logout":
      await commands.logout(out);
      break;
    case "unlock":
      await commands.unlock(out);
      break;
    case "push":
      await commands.push(out, { file: needArgument("a data set file") });
      break;
    case "delete":
      await commands.delete(out, { collection: needArgument("a collection and record ids"), ids: more });
      break;
    case "pull":
      await commands.pull(out, { out: values.out });
      break;
    case "sync":
      await commands.sync(out, { out: values.out });
      break;
    case "status":
      await commands.status(out);
      break;
    case "conflicts":
      await commands.conflicts(out);
      break;
    case "watch":
      await commands.watch(out);
      break;
    case "activity":
      await commands.activity(out, heartbeatFromArgs(argument, { project: values.project, focusMinutes: values["focus-minutes"] }));
      break;
    case "resolve":
      await commands.resolve(out, { id: needArgument("a conflict id"), strategy: values.strategy ?? "", value: values.value });
      break;
    case "rotate-key":
      await commands.rotateKey(out, { includeRevisions: values["include-revisions"] ?? false, purge: values.purge ?? false });
      break;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
      return 2;
  }
  return 0;
}

function describe(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message;
  if (error instanceof Error) return error.message === "fetch failed" ? "Cannot reach the DevPulse server (check --url / DEVPULSE_URL)." : error.message;
  return String(error);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`devpulse: ${describe(error)}\n`);
    process.exit(1);
  },
);
