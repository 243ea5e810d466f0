CREATE TABLE "collector_replicas" (
	"app" text NOT NULL,
	"replica_id" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "collector_replicas_app_replica_id_pk" PRIMARY KEY("app","replica_id")
);
--> statement-breakpoint
CREATE TABLE "series_leases" (
	"app" text NOT NULL,
	"series" text NOT NULL,
	"owner" text NOT NULL,
	"acquired_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "series_leases_app_series_pk" PRIMARY KEY("app","series")
);
--> statement-breakpoint
CREATE INDEX "series_leases_owner_idx" ON "series_leases" USING btree ("app","owner");