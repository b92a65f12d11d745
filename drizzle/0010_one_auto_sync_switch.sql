-- The hourly-sync switch lives in the privacy settings now: carry "off" choices over first.
INSERT INTO "privacy_settings" ("user_id", "settings")
SELECT "user_id", jsonb_build_object('integrations', jsonb_object_agg("provider", jsonb_build_object('autoSync', false)))
FROM "integrations" WHERE "auto_sync" = false GROUP BY "user_id"
ON CONFLICT ("user_id") DO UPDATE SET "settings" = "privacy_settings"."settings"
  || jsonb_build_object('integrations', coalesce("privacy_settings"."settings"->'integrations', '{}'::jsonb) || EXCLUDED."settings"->'integrations');
--> statement-breakpoint
ALTER TABLE "integrations" DROP COLUMN "auto_sync";
