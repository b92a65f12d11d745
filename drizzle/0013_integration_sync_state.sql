ALTER TABLE "provider_etags" ALTER COLUMN "etag" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "sync_deadline_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "provider_etags" ADD COLUMN "last_modified" text;--> statement-breakpoint
ALTER TABLE "provider_etags" ADD COLUMN "page" jsonb;