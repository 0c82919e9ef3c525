/* migrate.h — versioned schema migrations from db/migrations/, compiled into the binary
 * (build/gen/migrations.c) and run on both backends. Each applied version is recorded in
 * schema_version; a database whose version is newer than the binary is refused. */
#ifndef WJ_MIGRATE_H
#define WJ_MIGRATE_H

#include <stdbool.h>

#include "db.h"

typedef struct wj_migration {
    int version;
    const char *name; /* file name */
    const char *sql;
} wj_migration;

extern const wj_migration wj_migrations[];
extern const int wj_migration_count;

/* The version the database is at (0 for an empty one); -1 on error. */
int wj_schema_version(wj_db *db);
/* Applies pending migrations, each in its own transaction. Prints progress to `log` when
 * non-NULL. False on error or when the database is newer than this binary. */
bool wj_migrate(wj_db *db, bool verbose);
/* True when the database is at exactly this binary's version (checked by serve). */
bool wj_schema_current(wj_db *db);
/* Builds the indexes a bulk load set aside and did not build again (index_defer.h), as it
 * died: wj_migrate and serve call it. False on a database error. */
bool wj_restore_deferred_indexes(wj_db *db);

#endif
