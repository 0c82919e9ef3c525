-- Module areas: city → district/county → street/town → community/village.
-- Keyed by an opaque id; the 12-digit statistical division code is an attribute that can
-- change (济阳县 370125 became 济阳区 370115 in 2018), with its history in area_codes.
-- path is the materialised chain of ids "/city/district/…/self/" for subtree queries.

CREATE TABLE areas (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_id BIGINT REFERENCES areas(id),
    path TEXT NOT NULL,
    lat DOUBLE PRECISION,   -- a representative point (WGS-84) for maps, e.g. the community office
    lon DOUBLE PRECISION,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX areas_parent ON areas(parent_id, code);
CREATE INDEX areas_path ON areas(path);

-- Every code and name an area has carried, with when it took effect.
CREATE TABLE area_history (
    id BIGINT PRIMARY KEY,
    area_id BIGINT NOT NULL REFERENCES areas(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    changed_by BIGINT,
    reason TEXT
);
CREATE INDEX area_history_area ON area_history(area_id, valid_from);
CREATE INDEX area_history_code ON area_history(code);
