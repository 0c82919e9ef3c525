/* mpi_blockcache.c — see mpi_blockcache.h.
 *
 * Layout: every record is an entry (its id, where its strings start in one arena, and for
 * each blocking key the next entry with the same key). Per key kind an open-addressing
 * table maps the key's 64-bit hash to the newest entry with that key; chains are walked
 * comparing the key text, so a hash collision costs a comparison, never a wrong
 * candidate. Entries are only ever appended.
 * A set of record ids keeps a catch-up from adding a record twice. Identifiers are a
 * set of 64-bit hashes. */
#include "mpi_blockcache.h"

#include <stdlib.h>
#include <string.h>

#include "../core/ids.h"
#include "../core/util.h"

enum { K_NAME_YEAR, K_DOB_SEX, K_PHONE, NKEYS };
/* The strings of an entry, in arena order: the eight compared fields, then two keys (the
 * phone key is the phone field). */
enum { S_NAME, S_PINYIN, S_SEX, S_DOB, S_PHONE, S_ADDRESS, S_AREA, S_IDCARD, S_KEY_NAME_YEAR, S_KEY_DOB_SEX, NSTR };
static const int key_string[NKEYS] = {S_KEY_NAME_YEAR, S_KEY_DOB_SEX, S_PHONE};

/* Other writers' records are read back from this long before the last sync: a
 * registration on the server mints its record id before it commits. */
#define SYNC_MARGIN_MS 5000
#define SYNC_PAGE 20000

typedef struct entry {
    int64_t record;
    size_t off;
    uint32_t next[NKEYS]; /* index + 1 of the next entry with the same key; 0 ends */
    uint8_t len[NSTR];    /* each string's length (all are shorter than 256 bytes) */
} entry;

typedef struct table {
    uint64_t *hash;
    uint32_t *head; /* index + 1 of the newest entry; 0: none (the slot stays claimed) */
    size_t cap, used;
} table;

static uint64_t hash_bytes(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a, then a final mix */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* ---- sets of positive 64-bit values (record ids, identifier hashes) ---- */

typedef struct set {
    int64_t *v; /* 0 empty, -1 removed */
    size_t cap, used;
} set;

static size_t set_slot(const set *st, int64_t x, bool for_insert)
{
    size_t i = mix64((uint64_t)x) & (st->cap - 1);
    for (;;) {
        int64_t v = st->v[i];
        if (v == x || v == 0 || (for_insert && v == -1))
            return i;
        i = (i + 1) & (st->cap - 1);
    }
}

static bool set_has(const set *st, int64_t x)
{
    return st->cap && st->v[set_slot(st, x, false)] == x;
}

static void set_put(set *st, int64_t x)
{
    if ((st->used + 1) * 2 > st->cap) {
        set old = *st;
        st->cap = old.cap ? old.cap * 2 : 1024;
        st->v = wj_xcalloc(st->cap, sizeof *st->v);
        st->used = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.v[i] > 0) {
                st->v[set_slot(st, old.v[i], true)] = old.v[i];
                st->used++;
            }
        free(old.v);
    }
    size_t i = set_slot(st, x, true);
    if (st->v[i] == 0)
        st->used++; /* a reused removed slot was counted already */
    st->v[i] = x;
}

struct mpi_bcache {
    entry *e;
    size_t n, cap;
    char *arena;
    size_t alen, acap;
    table keys[NKEYS];
    set records;        /* record ids held */
    set idents;         /* identifier hashes held */
    bool loaded;
    int64_t data_version; /* SQLite: the value after the last sync */
    int64_t next_from;    /* the next catch-up reads records with ids from here on */
};

/* ---- the key tables ---- */

static size_t table_slot(const table *t, uint64_t h)
{
    size_t i = h & (t->cap - 1);
    while (t->hash[i] && t->hash[i] != h)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static void table_grow(table *t)
{
    table old = *t;
    t->cap = old.cap ? old.cap * 2 : 1024;
    t->hash = wj_xcalloc(t->cap, sizeof *t->hash);
    t->head = wj_xcalloc(t->cap, sizeof *t->head);
    for (size_t i = 0; i < old.cap; i++)
        if (old.hash[i]) {
            size_t j = table_slot(t, old.hash[i]);
            t->hash[j] = old.hash[i];
            t->head[j] = old.head[i];
        }
    free(old.hash);
    free(old.head);
}

/* The slot of `h`, claimed when new. */
static size_t table_claim(table *t, uint64_t h)
{
    if ((t->used + 1) * 2 > t->cap)
        table_grow(t);
    size_t i = table_slot(t, h);
    if (!t->hash[i]) {
        t->hash[i] = h;
        t->used++;
    }
    return i;
}

/* ---- entries ---- */

static void add_entry(mpi_bcache *bc, int64_t record, const char *const str[NSTR])
{
    if (set_has(&bc->records, record))
        return;
    size_t need = 0, len[NSTR];
    for (int i = 0; i < NSTR; i++) {
        len[i] = strnlen(str[i], 255);
        need += len[i] + 1;
    }
    if (bc->alen + need > bc->acap) {
        bc->acap = bc->acap ? bc->acap * 2 : 1 << 20;
        while (bc->alen + need > bc->acap)
            bc->acap *= 2;
        bc->arena = wj_xrealloc(bc->arena, bc->acap);
    }
    if (bc->n == bc->cap) {
        bc->cap = bc->cap ? bc->cap * 2 : 4096;
        bc->e = wj_xrealloc(bc->e, bc->cap * sizeof *bc->e);
    }
    entry *e = &bc->e[bc->n];
    *e = (entry){.record = record, .off = bc->alen};
    for (int i = 0; i < NSTR; i++) {
        e->len[i] = (uint8_t)len[i];
        memcpy(bc->arena + bc->alen, str[i], len[i]);
        bc->arena[bc->alen + len[i]] = '\0';
        bc->alen += len[i] + 1;
    }
    for (int k = 0; k < NKEYS; k++) {
        const char *key = str[key_string[k]];
        if (!*key)
            continue;
        table *t = &bc->keys[k];
        size_t slot = table_claim(t, hash_bytes(key));
        e->next[k] = t->head[slot];
        t->head[slot] = (uint32_t)(bc->n + 1);
    }
    bc->n++;
    set_put(&bc->records, record);
}

mpi_bcache *mpi_bcache_new(void)
{
    return wj_xcalloc(1, sizeof(mpi_bcache));
}

void mpi_bcache_free(mpi_bcache *bc)
{
    if (!bc)
        return;
    for (int k = 0; k < NKEYS; k++) {
        free(bc->keys[k].hash);
        free(bc->keys[k].head);
    }
    free(bc->records.v);
    free(bc->idents.v);
    free(bc->e);
    free(bc->arena);
    free(bc);
}

void mpi_bcache_add(mpi_bcache *bc, int64_t record, const mpi_demog *d, const mpi_blocks *b)
{
    const char *str[NSTR] = {d->name,      d->pinyin,    d->sex,     d->birth_date, d->phone,
                             d->address,   d->area_code, d->id_card, b->name_year,  b->dob_sex};
    add_entry(bc, record, str);
}

static uint64_t fnv_mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

/* A hash of (type, issuer, value): positive, never 0 or -1 (the set's markers). */
static int64_t ident_hash(const char *type, int64_t issuer, const char *value)
{
    uint64_t h = 1469598103934665603ULL;
    h = fnv_mix(h, type, strlen(type) + 1); /* the NULs keep "ab"+"c" apart from "a"+"bc" */
    h = fnv_mix(h, &issuer, sizeof issuer);
    h = fnv_mix(h, value, strlen(value));
    return (int64_t)(mix64(h) >> 1) | 1;
}

void mpi_bcache_add_ident(mpi_bcache *bc, const mpi_ident *id)
{
    set_put(&bc->idents, ident_hash(id->type, id->issuer, id->value));
}

bool mpi_bcache_may_hold(const mpi_bcache *bc, const mpi_ident *id)
{
    return set_has(&bc->idents, ident_hash(id->type, id->issuer, id->value));
}

void mpi_bcache_each(const mpi_bcache *bc, const mpi_blocks *b, int limit, mpi_bcache_visit visit, void *ctx)
{
    const char *want[NKEYS] = {b->name_year, b->dob_sex, b->phone};
    for (int k = 0; k < NKEYS; k++) {
        const table *t = &bc->keys[k];
        if (!*want[k] || !t->cap)
            continue;
        size_t slot = table_slot(t, hash_bytes(want[k]));
        int seen = 0;
        for (uint32_t i = t->hash[slot] ? t->head[slot] : 0; i && seen < limit; i = bc->e[i - 1].next[k]) {
            const entry *e = &bc->e[i - 1];
            const char *s[NSTR];
            s[0] = bc->arena + e->off;
            for (int j = 1; j < NSTR; j++)
                s[j] = s[j - 1] + e->len[j - 1] + 1;
            if (strcmp(s[key_string[k]], want[k]) != 0)
                continue; /* another key with the same hash */
            mpi_demog o = {s[S_NAME], s[S_PINYIN], s[S_SEX], s[S_DOB], s[S_PHONE], s[S_ADDRESS], s[S_AREA], s[S_IDCARD]};
            visit(ctx, e->record, &o);
            seen++;
        }
    }
}

size_t mpi_bcache_size(const mpi_bcache *bc)
{
    return bc->n;
}

/* ---- following the database ---- */

typedef void (*take_row)(mpi_bcache *bc, const db_rows *rows, int i);

/* Runs `sql` (ids from ?, ORDER BY id LIMIT ?) a page at a time from `from` on, handing
 * each row to `take`. */
static bool page_through(mpi_bcache *bc, wj_conn *c, const char *sql, int64_t from, take_row take)
{
    for (;;) {
        db_rows *rows;
        if (db_query(c, sql, DBP(DB_I(from), DB_I(SYNC_PAGE)), &rows) != DB_OK)
            return false;
        for (int i = 0; i < rows->nrows; i++)
            take(bc, rows, i);
        int n = rows->nrows;
        if (n)
            from = db_int(rows, n - 1, 0) + 1;
        db_rows_free(rows);
        if (n < SYNC_PAGE)
            return true;
    }
}

static void take_record(mpi_bcache *bc, const db_rows *rows, int i)
{
    const char *str[NSTR];
    for (int j = 0; j < NSTR; j++)
        str[j] = db_text(rows, i, j + 1) ? db_text(rows, i, j + 1) : "";
    add_entry(bc, db_int(rows, i, 0), str);
}

static void take_identifier(mpi_bcache *bc, const db_rows *rows, int i)
{
    set_put(&bc->idents, ident_hash(db_text(rows, i, 1), db_int(rows, i, 2), db_text(rows, i, 3)));
}

/* Adds the records and identifiers with ids from `from` on. */
static bool load_from(mpi_bcache *bc, wj_conn *c, int64_t from)
{
    return page_through(bc, c,
                        "SELECT id, name_key, pinyin, sex, birth_date, phone, address_key, area_code, id_card, "
                        "bk_name_year, bk_dob_sex FROM mpi_records WHERE id >= ? ORDER BY id LIMIT ?",
                        from, take_record) &&
           page_through(bc, c,
                        "SELECT id, type, issuer, value FROM person_identifiers WHERE id >= ? ORDER BY id LIMIT ?",
                        from, take_identifier);
}

bool mpi_bcache_sync(mpi_bcache *bc, wj_conn *c)
{
    bool lite = db_conn_kind(c) == WJ_DB_SQLITE;
    int64_t from = bc->loaded ? bc->next_from : 1;
    int64_t next_from = wj_id_since(SYNC_MARGIN_MS);
    if (bc->loaded && lite) {
        int64_t v;
        if (db_data_version(c, &v) != DB_OK)
            return false;
        if (v == bc->data_version) {
            bc->next_from = next_from;
            return true; /* nobody else wrote since our last look */
        }
    }
    if (!load_from(bc, c, from) || (lite && db_data_version(c, &bc->data_version) != DB_OK))
        return false;
    bc->loaded = true;
    bc->next_from = next_from;
    return true;
}

bool mpi_bcache_catch_up(mpi_bcache *bc, wj_conn *c)
{
    int64_t next_from = wj_id_since(SYNC_MARGIN_MS);
    if (!load_from(bc, c, bc->loaded ? bc->next_from : 1))
        return false;
    bc->loaded = true;
    bc->next_from = next_from;
    return true;
}
