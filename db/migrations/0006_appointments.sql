-- Module appointments: schedules (a doctor's, a department's, an MDT team's), the dated
-- sessions their weekly templates generate, the places of each session split into disjoint
-- buckets (pool x channel), appointments, the waiting list, and the notifications a
-- resident sees. The database itself refuses oversell: a bucket's booked never exceeds its
-- capacity (CHECK), a place (slot) of a session and a person in a session are held at most
-- once (partial unique indexes). See docs/appointments.md.

CREATE TABLE appt_schedules (
    id BIGINT PRIMARY KEY,
    owner TEXT NOT NULL,                 -- doctor, department, team
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    campus_id BIGINT NOT NULL REFERENCES facility_campuses(id),
    department_id BIGINT NOT NULL REFERENCES facility_departments(id), -- the (first) department
    doctor_id BIGINT REFERENCES users(id),                             -- the doctor of a doctor's schedule
    name TEXT NOT NULL,
    fee_class TEXT NOT NULL,             -- general, expert, special, mdt
    template TEXT NOT NULL,              -- JSON: the weekly template
    release_days INTEGER NOT NULL,       -- released this many days before the session day ...
    release_time TEXT NOT NULL,          -- ... at this time (HH:MM, Asia/Shanghai)
    release_back_hours INTEGER NOT NULL, -- unused reserved places move this long before the start
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    generated_to TEXT,                   -- sessions exist up to this date
    created_at BIGINT NOT NULL,
    created_by BIGINT,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX appt_schedules_facility ON appt_schedules(facility_id, id);
CREATE INDEX appt_schedules_department ON appt_schedules(department_id);
CREATE INDEX appt_schedules_doctor ON appt_schedules(doctor_id);

-- The departments and doctors of a schedule (one row each; a team has several).
CREATE TABLE appt_schedule_members (
    id BIGINT PRIMARY KEY,
    schedule_id BIGINT NOT NULL REFERENCES appt_schedules(id),
    department_id BIGINT REFERENCES facility_departments(id),
    doctor_id BIGINT REFERENCES users(id)
);
CREATE INDEX appt_schedule_members_schedule ON appt_schedule_members(schedule_id);
CREATE INDEX appt_schedule_members_department ON appt_schedule_members(department_id);

CREATE TABLE appt_sessions (
    id BIGINT PRIMARY KEY,
    schedule_id BIGINT NOT NULL REFERENCES appt_schedules(id),
    facility_id BIGINT NOT NULL REFERENCES facilities(id),
    area_path TEXT NOT NULL,             -- the facility's area path (scope of area grants)
    department_id BIGINT NOT NULL REFERENCES facility_departments(id),
    doctor_id BIGINT REFERENCES users(id),
    date TEXT NOT NULL,                  -- YYYY-MM-DD, Asia/Shanghai
    period TEXT NOT NULL,                -- morning, afternoon, evening
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    slot_minutes INTEGER NOT NULL,
    places INTEGER NOT NULL,
    release_at BIGINT NOT NULL,
    release_back_at BIGINT NOT NULL,
    released_back INTEGER NOT NULL DEFAULT 0, -- the release-back has been applied to the buckets
    status TEXT NOT NULL DEFAULT 'open', -- open, cancelled
    cancel_reason TEXT,
    cancelled_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (schedule_id, date, period)
);
CREATE INDEX appt_sessions_facility ON appt_sessions(facility_id, date, starts_at);
CREATE INDEX appt_sessions_department ON appt_sessions(department_id, date);
CREATE INDEX appt_sessions_doctor ON appt_sessions(doctor_id, date);

-- Disjoint buckets of a session's places: booked counts appointments holding a place
-- (booked, or offered to the waiting list).
CREATE TABLE appt_buckets (
    session_id BIGINT NOT NULL REFERENCES appt_sessions(id),
    pool TEXT NOT NULL,                  -- general, elderly, military, disabled, pregnant
    channel TEXT NOT NULL,               -- online, phone, onsite, referral
    capacity INTEGER NOT NULL,
    booked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, pool, channel),
    CHECK (booked >= 0 AND booked <= capacity)
);

CREATE TABLE appointments (
    id BIGINT PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES appt_sessions(id),
    person_id BIGINT NOT NULL,           -- a person of the index (mpi_resolve'd when booked)
    facility_id BIGINT NOT NULL,
    area_path TEXT NOT NULL,             -- the facility's area path (scope of area grants)
    department_id BIGINT NOT NULL REFERENCES facility_departments(id),
    date TEXT NOT NULL,
    pool TEXT NOT NULL,
    channel TEXT NOT NULL,
    slot INTEGER NOT NULL,               -- the place number in the session, 0..places-1
    slot_start BIGINT NOT NULL,
    status TEXT NOT NULL,                -- offered, booked, cancelled, no_show, attended, expired
    booked_by BIGINT NOT NULL,           -- the user who booked
    booked_as TEXT NOT NULL,             -- self, family, operator, desk, referral
    waitlist_id BIGINT,                  -- the waiting-list entry an offer was made to
    offer_expires_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    cancelled_at BIGINT,
    cancelled_by BIGINT,
    cancel_reason TEXT
);
CREATE UNIQUE INDEX appointments_slot ON appointments(session_id, slot) WHERE status IN ('booked', 'offered');
CREATE UNIQUE INDEX appointments_person ON appointments(session_id, person_id) WHERE status IN ('booked', 'offered');
CREATE INDEX appointments_person_date ON appointments(person_id, date);
CREATE INDEX appointments_session ON appointments(session_id, status);
CREATE INDEX appointments_facility ON appointments(facility_id, id);
CREATE INDEX appointments_area ON appointments(area_path, id);

CREATE TABLE appt_waitlist (
    id BIGINT PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES appt_sessions(id),
    person_id BIGINT NOT NULL,
    pools TEXT NOT NULL,                 -- JSON array of the pools the person takes a place from
    status TEXT NOT NULL,                -- waiting, offered, booked, cancelled, expired
    appointment_id BIGINT,               -- the offer (an appointment in status offered)
    created_at BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX appt_waitlist_person ON appt_waitlist(session_id, person_id) WHERE status IN ('waiting', 'offered');
CREATE INDEX appt_waitlist_session ON appt_waitlist(session_id, status, created_at);
CREATE INDEX appt_waitlist_person_id ON appt_waitlist(person_id);

-- What a resident is told: a session cancelled by leave, a place offered from the waiting list.
CREATE TABLE notifications (
    id BIGINT PRIMARY KEY,
    person_id BIGINT NOT NULL,
    kind TEXT NOT NULL,                  -- session_cancelled, waitlist_offer, offer_expired
    text TEXT NOT NULL,
    ref_type TEXT,
    ref_id BIGINT,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_person ON notifications(person_id, id);
