ALTER TABLE "provider_etags" ALTER COLUMN "etag" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "provider_etags" ADD COLUMN "last_modified" text;--> statement-breakpoint
ALTER TABLE "provider_etags" ADD COLUMN "page" jsonb;