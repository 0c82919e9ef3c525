-- Core: indexes set aside during a bulk load on SQLite (src/core/index_defer.h). A row
-- holds the index's CREATE statement from the moment it is dropped until it is built
-- again; a load that died leaves its rows here, and `weijian migrate` or the server's
-- start builds them. Empty at rest, and always on PostgreSQL.
CREATE TABLE deferred_indexes (
    name TEXT PRIMARY KEY,
    create_sql TEXT NOT NULL,
    deferred_at BIGINT NOT NULL
);
