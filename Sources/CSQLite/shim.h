#ifndef KVFS_CSQLITE_SHIM_H
#define KVFS_CSQLITE_SHIM_H

#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro Swift cannot import: SQLite copies the bound bytes before returning.
static inline sqlite3_destructor_type kvfs_sqlite_transient(void) { return SQLITE_TRANSIENT; }

#endif
