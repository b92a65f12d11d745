"use client";

import { useState, type ChangeEvent, type FormEvent } from "react";
import { STATUS_LIMITS, ZStatusTemplate, type StatusTemplate } from "~/lib/status/templates";
import { api, errorMessage } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { EmptyState } from "../ui/empty-state";
import { Field } from "../ui/field";
import { issuesByPath } from "./issues";
import type { TemplateView } from "./use-status";

const EMPTY: StatusTemplate = { key: "", name: "", slack: { emoji: ":speech_balloon:", text: "" }, discord: { emoji: "💬", text: "" } };

/** "Code review!" → "code-review": a key for a new template, until the user writes their own. */
const keyFrom = (name: string) =>
  name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);

/** One template's fields, checked as the server checks them, each error under its field. */
function TemplateForm({ initial, isNew, onDone }: { initial: StatusTemplate; isNew: boolean; onDone: () => void }) {
  const utils = api.useUtils();
  const upsert = api.status.templates.upsert.useMutation({
    onSuccess: async () => {
      await utils.status.templates.list.invalidate();
      onDone();
    },
  });
  const [draft, setDraft] = useState(initial);
  const [keyTouched, setKeyTouched] = useState(!isNew);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const edit = (change: (draft: StatusTemplate) => StatusTemplate) => setDraft((previous) => change(previous));
  /** The props of one of the Slack or Discord fields: its name is its path, so its error lands under it. */
  const nested = (side: "slack" | "discord", part: "emoji" | "text") => ({
    name: `${side}.${part}`,
    value: draft[side][part],
    error: errors[`${side}.${part}`],
    onChange: (event: ChangeEvent<HTMLInputElement>) => {
      const value = event.target.value;
      edit((previous) => ({ ...previous, [side]: { ...previous[side], [part]: value } }));
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = ZStatusTemplate.safeParse(draft);
    if (!parsed.success) {
      const found = issuesByPath(parsed.error);
      setErrors(found);
      const first = Object.keys(found)[0];
      if (first) (event.currentTarget.elements.namedItem(first) as HTMLInputElement | null)?.focus();
      return;
    }
    setErrors({});
    upsert.mutate(parsed.data);
  }

  return (
    <form onSubmit={submit} noValidate aria-label={isNew ? "New template" : `Edit ${initial.name}`} className="space-y-4 bg-zinc-50 px-5 py-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          label="Name"
          name="name"
          value={draft.name}
          maxLength={STATUS_LIMITS.name}
          error={errors.name}
          onChange={(event) => {
            const name = event.target.value;
            edit((previous) => ({ ...previous, name, key: keyTouched ? previous.key : keyFrom(name) }));
          }}
        />
        <Field
          label="Key"
          name="key"
          value={draft.key}
          readOnly={!isNew}
          hint={isNew ? "Lower-case letters, digits and dashes; the desktop app and the API use it." : "A template's key cannot change."}
          error={errors.key}
          onChange={(event) => {
            setKeyTouched(true);
            const key = event.target.value;
            edit((previous) => ({ ...previous, key }));
          }}
        />
        <Field label="Slack emoji" hint="Written :name:, like :dart:" {...nested("slack", "emoji")} />
        <Field label="Slack text" maxLength={STATUS_LIMITS.slackText} {...nested("slack", "text")} />
        <Field label="Discord emoji" hint="One emoji, or none" {...nested("discord", "emoji")} />
        <Field label="Discord text" maxLength={STATUS_LIMITS.discordText} {...nested("discord", "text")} />
      </div>
      {upsert.error && <Alert tone="error">{errorMessage(upsert.error)}</Alert>}
      <div className="flex gap-2">
        <Button type="submit" loading={upsert.isPending}>
          {isNew ? "Add template" : "Save template"}
        </Button>
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function TemplateRow({ template, onEdit, onRemove }: { template: TemplateView; onEdit: () => void; onRemove: () => void }) {
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-2 px-5 py-3 text-sm">
      <span aria-hidden="true" className="text-xl">
        {template.discord.emoji || "💬"}
      </span>
      <div className="min-w-0 flex-1">
        <p className="flex flex-wrap items-center gap-2 font-medium text-zinc-900">
          {template.name}
          {template.builtIn ? <Badge>{template.edited ? "Built-in, edited" : "Built-in"}</Badge> : <Badge tone="brand">Yours</Badge>}
        </p>
        <p className="truncate text-zinc-600">
          Slack: <code className="rounded bg-zinc-100 px-1 text-xs text-zinc-700">{template.slack.emoji}</code> {template.slack.text} · Discord: {template.discord.emoji} {template.discord.text}
        </p>
      </div>
      <div className="flex gap-2">
        <Button variant="secondary" size="sm" onClick={onEdit} aria-label={`Edit ${template.name}`}>
          Edit
        </Button>
        {(!template.builtIn || template.edited) && (
          <Button variant="ghost" size="sm" className="text-red-700" onClick={onRemove} aria-label={`${template.builtIn ? "Reset" : "Remove"} ${template.name}`}>
            {template.builtIn ? "Reset" : "Remove"}
          </Button>
        )}
      </div>
    </div>
  );
}

/** The templates a status is made from: the four built-in ones (editable, resettable) and the user's own. */
export function TemplatesCard({ templates }: { templates: TemplateView[] }) {
  const utils = api.useUtils();
  const remove = api.status.templates.remove.useMutation({ onSuccess: () => utils.status.templates.list.invalidate() });
  const [editing, setEditing] = useState<string | null>(null);
  const [removing, setRemoving] = useState<TemplateView | null>(null);
  const full = templates.length >= STATUS_LIMITS.templates;

  return (
    <Card>
      <CardHeader
        title="Templates"
        description="What each status looks like on Slack and on Discord."
        action={
          <Button variant="secondary" size="sm" onClick={() => setEditing("")} disabled={editing === "" || full}>
            New template
          </Button>
        }
      />
      {full && <p className="px-5 pt-3 text-sm text-zinc-500">You have {STATUS_LIMITS.templates} templates, the most there can be: remove one to add another.</p>}
      {editing === "" && <TemplateForm initial={EMPTY} isNew onDone={() => setEditing(null)} />}
      {templates.length === 0 ? (
        <EmptyState title="No templates">Add one to set it as your status.</EmptyState>
      ) : (
        <ul className="divide-y divide-zinc-100" aria-label="Status templates">
          {templates.map((template) => (
            <li key={template.key}>
              {editing === template.key ? (
                <TemplateForm initial={template} isNew={false} onDone={() => setEditing(null)} />
              ) : (
                <TemplateRow template={template} onEdit={() => setEditing(template.key)} onRemove={() => (remove.reset(), setRemoving(template))} />
              )}
            </li>
          ))}
        </ul>
      )}
      {remove.error && (
        <div className="px-5 pb-4">
          <Alert tone="error">{errorMessage(remove.error)}</Alert>
        </div>
      )}
      <ConfirmDialog
        open={removing !== null}
        title={removing?.builtIn ? `Reset ${removing.name}?` : `Remove ${removing?.name ?? "this template"}?`}
        confirmLabel={removing?.builtIn ? "Reset template" : "Remove template"}
        pending={remove.isPending}
        onCancel={() => setRemoving(null)}
        onConfirm={() => removing && remove.mutate({ key: removing.key }, { onSettled: () => setRemoving(null) })}
      >
        {removing?.builtIn
          ? `Your changes to “${removing.name}” are dropped and it looks as DevPulse first made it.`
          : `“${removing?.name ?? ""}” is deleted. You can add a template like it again at any time.`}
      </ConfirmDialog>
    </Card>
  );
}
