"use client";

import { api, type RouterOutputs } from "~/trpc/react";

export type Settings = RouterOutputs["privacy"]["settings"];
export type Consents = RouterOutputs["privacy"]["consents"];
export type IntegrationView = RouterOutputs["integrations"]["list"][number];

/** A change to the privacy settings: the answer is the settings now in force, and the log gained an entry. */
export function useUpdateSettings() {
  const utils = api.useUtils();
  return api.privacy.updateSettings.useMutation({
    onSuccess: (settings) => {
      utils.privacy.settings.setData(undefined, settings);
      void utils.privacy.processingLog.invalidate();
    },
  });
}

/** Giving or withdrawing consent switches processing on or off at the server: everything shown may change. */
export function useRecordConsent() {
  const utils = api.useUtils();
  return api.privacy.recordConsent.useMutation({
    onSettled: () =>
      Promise.all([utils.privacy.settings.invalidate(), utils.privacy.consents.invalidate(), utils.privacy.processingLog.invalidate(), utils.integrations.list.invalidate()]),
  });
}
