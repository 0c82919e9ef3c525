-- Core: accounts, grants, sessions, login throttling, audit trail, idempotency keys.
-- Shared by SQLite and PostgreSQL: BIGINT ids made by the application, instants as BIGINT
-- milliseconds since the epoch (UTC), booleans as INTEGER 0/1.

CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

-- One row per (role, scope). Exactly one of facility_id, area_id, person_id is set.
-- facility_id and area_id point into module tables and are not foreign keys here: the core
-- does not depend on module tables; the modules check references when grants are made.
CREATE TABLE grants (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    facility_id BIGINT,
    area_id BIGINT,
    person_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX grants_user ON grants(user_id);

CREATE TABLE sessions (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    csrf_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    client_ip TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_failures (
    id BIGINT PRIMARY KEY,
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(key, at);

-- Append-only: nothing in the code updates or deletes audit rows.
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    user_id BIGINT,
    username TEXT,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    resource_type TEXT,
    resource_id BIGINT,
    client_ip TEXT,
    status INTEGER NOT NULL
);
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_user ON audit_log(user_id, at);
CREATE INDEX audit_resource ON audit_log(resource_type, resource_id, at);

CREATE TABLE idempotency_keys (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    etag TEXT,
    location TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, key)
);
