-- Module facilities: hospitals, centres, stations, clinics; their campuses and departments
-- and their capabilities. Deactivation keeps the row (active = 0) and its history.

CREATE TABLE facilities (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    grade TEXT,
    type TEXT NOT NULL,
    area_id BIGINT NOT NULL REFERENCES areas(id),
    area_path TEXT NOT NULL,
    address TEXT,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    beds INTEGER,
    phone TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX facilities_area_path ON facilities(area_path, id);
CREATE INDEX facilities_type ON facilities(type, id);
CREATE INDEX facilities_name ON facilities(name, id);
CREATE INDEX facilities_latlon ON facilities(lat, lon);

CREATE TABLE facility_campuses (
    id BIGINT PRIMARY KEY,
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    address TEXT,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION
);
CREATE INDEX facility_campuses_facility ON facility_campuses(facility_id, position);

CREATE TABLE facility_departments (
    id BIGINT PRIMARY KEY,
    campus_id BIGINT NOT NULL REFERENCES facility_campuses(id),
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    code TEXT
);
CREATE INDEX facility_departments_campus ON facility_departments(campus_id, position);
CREATE INDEX facility_departments_facility ON facility_departments(facility_id);

CREATE TABLE facility_capabilities (
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    capability TEXT NOT NULL,
    PRIMARY KEY (facility_id, capability)
);
CREATE INDEX facility_capabilities_cap ON facility_capabilities(capability, facility_id);

-- One row per version: the full JSON document as it was, who changed it and when.
CREATE TABLE facility_history (
    id BIGINT PRIMARY KEY,
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by BIGINT,
    UNIQUE (facility_id, version)
);
