-- Cloud sync is on only while the user's latest cloud_sync consent is a grant.
-- Stored settings documents used to default the switch to on without a consent
-- on record; align each with the decision in force (none recorded = off).
UPDATE "privacy_settings" AS ps
SET "settings" = jsonb_set(
  ps."settings",
  '{enableCloudSync}',
  to_jsonb(coalesce((
    SELECT c."granted" FROM "consents" AS c
    WHERE c."user_id" = ps."user_id" AND c."type" = 'cloud_sync'
    ORDER BY c."id" DESC LIMIT 1
  ), false))
);
