CREATE TABLE "sync_trimmed_deletions" (
	"user_id" uuid NOT NULL,
	"collection" text NOT NULL,
	"record_id" text NOT NULL,
	"revision" integer NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "sync_trimmed_deletions_user_id_collection_record_id_pk" PRIMARY KEY("user_id","collection","record_id")
);
--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "trimmed_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_trimmed_deletions" ADD CONSTRAINT "sync_trimmed_deletions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;