CREATE TABLE "sync_key_rotations" (
	"user_id" uuid NOT NULL,
	"from_key_id" integer NOT NULL,
	"to_key_id" integer NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"include_revisions" boolean DEFAULT false NOT NULL,
	"device_id" uuid,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"purged_at" timestamp with time zone,
	CONSTRAINT "sync_key_rotations_user_id_to_key_id_pk" PRIMARY KEY("user_id","to_key_id")
);
--> statement-breakpoint
CREATE TABLE "sync_trimmed_deletions" (
	"user_id" uuid NOT NULL,
	"collection" text NOT NULL,
	"record_id" text NOT NULL,
	"revision" integer NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "sync_trimmed_deletions_user_id_collection_record_id_pk" PRIMARY KEY("user_id","collection","record_id")
);
--> statement-breakpoint
ALTER TABLE "sync_conflicts" ADD COLUMN "local_key_id" integer DEFAULT 1;--> statement-breakpoint
ALTER TABLE "sync_keys" ADD COLUMN "key_id" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_keys" ADD COLUMN "previous_keys" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_records" ADD COLUMN "key_id" integer DEFAULT 1;--> statement-breakpoint
ALTER TABLE "sync_revisions" ADD COLUMN "key_id" integer DEFAULT 1;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "trimmed_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_key_rotations" ADD CONSTRAINT "sync_key_rotations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_key_rotations" ADD CONSTRAINT "sync_key_rotations_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_trimmed_deletions" ADD CONSTRAINT "sync_trimmed_deletions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;