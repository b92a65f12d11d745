"use client";

import { useRouter } from "next/navigation";
import type { FormEvent } from "react";
import { api } from "~/trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { Field } from "../ui/field";
import { formErrors } from "./errors";

export function ProfileCard({ name }: { name: string | null }) {
  const router = useRouter();
  const utils = api.useUtils();
  const update = api.account.updateName.useMutation({
    onSuccess: async () => {
      await utils.account.get.invalidate();
      router.refresh(); // the app shell shows the name
    },
  });
  const errors = formErrors(update.error);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    update.mutate({ name: String(new FormData(event.currentTarget).get("name") ?? "") });
  }

  return (
    <Card>
      <CardHeader title="Profile" description="The name shown in DevPulse Cloud." />
      <form onSubmit={onSubmit} className="space-y-4 p-5" noValidate>
        {errors.form && <Alert tone="error">{errors.form}</Alert>}
        {update.isSuccess && <Alert tone="success">Your name was saved.</Alert>}
        <Field label="Display name" name="name" autoComplete="name" defaultValue={name ?? ""} maxLength={100} required error={errors.fields.name} />
        <Button type="submit" loading={update.isPending}>
          Save name
        </Button>
      </form>
    </Card>
  );
}
