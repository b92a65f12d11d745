CREATE TABLE "sync_merge_rules" (
	"user_id" uuid NOT NULL,
	"collection" text NOT NULL,
	"strategy" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_merge_rules_user_id_collection_pk" PRIMARY KEY("user_id","collection")
);
--> statement-breakpoint
ALTER TABLE "sync_merge_rules" ADD CONSTRAINT "sync_merge_rules_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;