"use client";

import { api, errorMessage } from "~/trpc/react";
import { LoadError } from "../ui/load-error";
import { Loading } from "../ui/loading";
import { Card } from "../ui/card";
import { EmailCard } from "./email-card";
import { PasswordCard } from "./password-card";
import { ProfileCard } from "./profile-card";
import { SignInMethodsCard } from "./sign-in-methods-card";

/** The account page: name, email, password and sign-in methods of the signed-in user. */
export function AccountSettings({ notice }: { notice?: { tone: "success" | "error"; text: string } }) {
  const account = api.account.get.useQuery();
  if (account.isPending) return <Loading label="Loading your account" />;
  if (account.isError) {
    return (
      <Card>
        <LoadError title="Could not load your account" message={errorMessage(account.error)} onRetry={() => void account.refetch()} />
      </Card>
    );
  }
  const hasPassword = account.data.methods.some((entry) => entry.method === "password" && entry.linked);
  return (
    <div className="grid max-w-3xl gap-6">
      <ProfileCard name={account.data.name} />
      <EmailCard email={account.data.email} hasPassword={hasPassword} />
      <PasswordCard hasPassword={hasPassword} />
      <SignInMethodsCard methods={account.data.methods} notice={notice} />
    </div>
  );
}
