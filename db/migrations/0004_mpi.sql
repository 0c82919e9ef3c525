-- Module mpi: the master patient index. Source records (every registration as it was
-- made), persons (golden records) and the links between them with their history,
-- identifiers, verified attributes, family links, review items, merges, break-glass reads.

CREATE TABLE persons (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,          -- simplified, normalised (mpi_name_keys)
    pinyin TEXT NOT NULL,
    former_names TEXT NOT NULL DEFAULT '[]', -- JSON array
    sex TEXT NOT NULL,
    birth_date TEXT,
    phone TEXT,
    phones TEXT NOT NULL DEFAULT '[]',       -- JSON array: every phone the records gave
    address TEXT,
    area_code TEXT,
    area_path TEXT NOT NULL DEFAULT '',      -- scope: the area's path, else the registering facility's
    nationality TEXT,
    deceased_date TEXT,
    merged_into BIGINT,                      -- set while this person is merged into another
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX persons_area_path ON persons(area_path, id);
CREATE INDEX persons_name_key ON persons(name_key, id);
CREATE INDEX persons_pinyin ON persons(pinyin, id);
CREATE INDEX persons_merged_into ON persons(merged_into);

CREATE TABLE mpi_records (
    id BIGINT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES persons(id), -- current cluster (its live link)
    facility_id BIGINT,                               -- registered where (NULL: commission, hotline, CLI)
    registered_by BIGINT,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    pinyin TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT,
    phone TEXT,
    address TEXT,
    address_key TEXT,
    area_code TEXT,
    id_card TEXT,
    bk_name_year TEXT,
    bk_dob_sex TEXT,
    document TEXT NOT NULL,                           -- the registration as submitted (JSON)
    created_at BIGINT NOT NULL
);
CREATE INDEX mpi_records_person ON mpi_records(person_id);
CREATE INDEX mpi_records_facility ON mpi_records(facility_id, person_id);
CREATE INDEX mpi_records_bk_name_year ON mpi_records(bk_name_year);
CREATE INDEX mpi_records_bk_dob_sex ON mpi_records(bk_dob_sex);
CREATE INDEX mpi_records_phone ON mpi_records(phone);

-- Every link a record ever had. The live one has undone_at NULL.
CREATE TABLE mpi_links (
    id BIGINT PRIMARY KEY,
    record_id BIGINT NOT NULL REFERENCES mpi_records(id),
    person_id BIGINT NOT NULL REFERENCES persons(id),
    rule TEXT NOT NULL,        -- new, identifier, score, review, merge, unmerge
    score DOUBLE PRECISION,
    merge_id BIGINT,
    created_at BIGINT NOT NULL,
    created_by BIGINT,
    undone_at BIGINT,
    undone_by BIGINT,
    reason TEXT
);
CREATE INDEX mpi_links_record ON mpi_links(record_id, id);
CREATE INDEX mpi_links_person ON mpi_links(person_id, id);

-- One value of one type and issuer belongs to one person at a time: through its record.
CREATE TABLE person_identifiers (
    id BIGINT PRIMARY KEY,
    record_id BIGINT NOT NULL REFERENCES mpi_records(id),
    person_id BIGINT NOT NULL REFERENCES persons(id), -- kept equal to the record's person
    type TEXT NOT NULL,
    issuer BIGINT NOT NULL DEFAULT 0,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT,
    UNIQUE (type, issuer, value)
);
CREATE INDEX person_identifiers_person ON person_identifiers(person_id);
CREATE INDEX person_identifiers_record ON person_identifiers(record_id);

CREATE TABLE person_attributes (
    id BIGINT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    type TEXT NOT NULL,          -- military, disabled, pregnant
    evidence_type TEXT NOT NULL,
    evidence_number TEXT,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    verified_by BIGINT,
    verified_facility BIGINT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by BIGINT
);
CREATE INDEX person_attributes_person ON person_attributes(person_id, type);

CREATE TABLE person_family (
    id BIGINT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    related_id BIGINT NOT NULL REFERENCES persons(id),
    relation TEXT NOT NULL,      -- what related_id is to person_id: guardian, ward, spouse, child, parent
    manages INTEGER NOT NULL,    -- person_id may act for related_id
    created_at BIGINT NOT NULL,
    created_by BIGINT,
    ended_at BIGINT,
    ended_by BIGINT
);
CREATE INDEX person_family_person ON person_family(person_id);
CREATE INDEX person_family_related ON person_family(related_id);

CREATE TABLE mpi_reviews (
    id BIGINT PRIMARY KEY,
    record_id BIGINT NOT NULL REFERENCES mpi_records(id),
    person_id BIGINT NOT NULL REFERENCES persons(id),    -- the person created for the record
    candidate_id BIGINT NOT NULL REFERENCES persons(id), -- the person it may be
    score DOUBLE PRECISION NOT NULL,
    explain TEXT NOT NULL,       -- JSON: the per-field weights
    status TEXT NOT NULL,        -- open, same, different
    area_path TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by BIGINT,
    reason TEXT
);
CREATE INDEX mpi_reviews_status ON mpi_reviews(status, id);

CREATE TABLE mpi_merges (
    id BIGINT PRIMARY KEY,
    keep_id BIGINT NOT NULL REFERENCES persons(id),
    merged_id BIGINT NOT NULL REFERENCES persons(id),
    reason TEXT NOT NULL,
    review_id BIGINT,
    created_at BIGINT NOT NULL,
    created_by BIGINT,
    undone_at BIGINT,
    undone_by BIGINT,
    undo_reason TEXT
);
CREATE INDEX mpi_merges_merged ON mpi_merges(merged_id, id);
CREATE INDEX mpi_merges_keep ON mpi_merges(keep_id, created_at);

CREATE TABLE mpi_break_glass (
    id BIGINT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    user_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    client_ip TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX mpi_break_glass_created ON mpi_break_glass(created_at, id);
