/* mpi_match.c — see mpi_match.h.
 *
 * Name and address keys are built one code point at a time from a per-code-point cache
 * (its simplified form from OpenCC t2s, its toneless reading from ICU's Han-Latin). OpenCC
 * and the transliterator are slow per call and not documented as safe to share between
 * threads, so they are called only on a cache miss and under one mutex; hits take a read
 * lock only. A name's keys therefore cost a few hash lookups once its characters have been
 * seen, which is what a bulk import of a million records needs. */
#include "mpi_match.h"

#include <assert.h>
#include <errno.h>
#include <opencc/opencc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "../core/util.h"

#define MPI_OPENCC_CONFIG "t2s.json" /* OpenCC looks it up in its data directory */
#define MPI_TRANSLIT_ID "Han-Latin; Latin-ASCII; Lower"

/* ---- the engines: OpenCC and the ICU transliterator ---- */

enum { ENGINES_NONE, ENGINES_READY, ENGINES_FAILED };

static pthread_mutex_t engine_lock = PTHREAD_MUTEX_INITIALIZER; /* guards cc, translit */
static opencc_t cc = (opencc_t)-1;
static UTransliterator *translit;
static _Atomic int engine_state = ENGINES_NONE;

/* Opens both engines; caller holds engine_lock. */
static bool engines_open(const char *opencc_config)
{
    cc = opencc_open(opencc_config);
    if (cc == (opencc_t)-1) {
        fprintf(stderr, "mpi: cannot load the OpenCC configuration %s: %s\n", opencc_config, opencc_error());
        return false;
    }
    UChar id[64];
    UErrorCode err = U_ZERO_ERROR;
    u_strFromUTF8(id, (int32_t)WJ_ARRAY_LEN(id), NULL, MPI_TRANSLIT_ID, -1, &err);
    translit = U_SUCCESS(err) ? utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &err) : NULL;
    if (U_FAILURE(err) || !translit) {
        fprintf(stderr, "mpi: cannot open the ICU transliterator \"%s\": %s\n", MPI_TRANSLIT_ID, u_errorName(err));
        opencc_close(cc);
        cc = (opencc_t)-1;
        translit = NULL;
        return false;
    }
    return true;
}

bool mpi_match_init_config(const char *opencc_config)
{
    pthread_mutex_lock(&engine_lock);
    if (atomic_load(&engine_state) != ENGINES_READY)
        atomic_store(&engine_state, engines_open(opencc_config) ? ENGINES_READY : ENGINES_FAILED);
    bool ok = atomic_load(&engine_state) == ENGINES_READY;
    pthread_mutex_unlock(&engine_lock);
    return ok;
}

bool mpi_match_init(void)
{
    return mpi_match_init_config(MPI_OPENCC_CONFIG);
}

/* The key functions initialise on first use; after a failure they run without the engines
 * (no script folding, no pinyin) rather than retry — and report — on every call. */
static bool engines_ready(void)
{
    int st = atomic_load(&engine_state);
    if (st == ENGINES_NONE)
        return mpi_match_init();
    return st == ENGINES_READY;
}

/* ---- the per-code-point cache ---- */

typedef struct glyph {
    uint32_t cp;
    bool han;        /* a Chinese character: its reading is one pinyin syllable */
    char simp[16];   /* UTF-8 of its simplified form */
    char pinyin[24]; /* toneless lower-case reading, or the character itself */
} glyph;

typedef struct glyph_node {
    glyph g;
    struct glyph_node *next;
} glyph_node;

#define GLYPH_BUCKETS 8192 /* ~20,000 characters ever seen in names: chains of 2–3 */

static pthread_rwlock_t cache_lock = PTHREAD_RWLOCK_INITIALIZER;
static glyph_node *buckets[GLYPH_BUCKETS];

static size_t glyph_hash(uint32_t cp)
{
    return (cp * 2654435761u) >> 19 & (GLYPH_BUCKETS - 1);
}

static const glyph_node *cache_find(uint32_t cp)
{
    for (const glyph_node *n = buckets[glyph_hash(cp)]; n; n = n->next)
        if (n->g.cp == cp)
            return n;
    return NULL;
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes one code point of valid UTF-8 at *p and advances; an invalid byte is skipped
 * and yields 0xFFFD. */
static uint32_t utf8_next(const char **p)
{
    const unsigned char *s = (const unsigned char *)*p;
    int len = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    uint32_t cp = len == 1 ? s[0] : len == 2 ? s[0] & 0x1Fu : len == 3 ? s[0] & 0x0Fu : s[0] & 0x07u;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            len = 0;
            break;
        }
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if (!len) {
        *p += 1;
        return 0xFFFD;
    }
    *p += len;
    return cp;
}

static void copy_str(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

static bool is_han(uint32_t cp)
{
    UErrorCode err = U_ZERO_ERROR;
    return uscript_getScript((UChar32)cp, &err) == USCRIPT_HAN && U_SUCCESS(err);
}

/* Runs the transliterator over s (UTF-8) into out; false when it could not. Caller holds
 * engine_lock. */
static bool transliterate(const char *s, char *out, size_t n)
{
    UChar u[32];
    int32_t len = 0;
    UErrorCode err = U_ZERO_ERROR;
    u_strFromUTF8(u, (int32_t)WJ_ARRAY_LEN(u), &len, s, -1, &err);
    int32_t limit = len;
    if (U_SUCCESS(err))
        utrans_transUChars(translit, u, &len, (int32_t)WJ_ARRAY_LEN(u), 0, &limit, &err);
    if (U_SUCCESS(err))
        u_strToUTF8(out, (int32_t)n, NULL, u, len, &err);
    return U_SUCCESS(err) && err != U_STRING_NOT_TERMINATED_WARNING;
}

/* Fills g from the engines; caller holds engine_lock and the engines are ready. */
static void glyph_compute(uint32_t cp, glyph *g)
{
    char utf8[5] = {0};
    utf8_encode(cp, utf8);
    g->cp = cp;
    char *s = opencc_convert_utf8(cc, utf8, strlen(utf8));
    copy_str(g->simp, sizeof g->simp, s && *s && strlen(s) < sizeof g->simp ? s : utf8);
    if (s)
        opencc_convert_utf8_free(s);
    const char *sp = g->simp;
    g->han = is_han(utf8_next(&sp));
    if (!transliterate(g->simp, g->pinyin, sizeof g->pinyin))
        copy_str(g->pinyin, sizeof g->pinyin, g->simp);
    if (g->han) {
        /* One syllable per character: drop the rare inner space ("qian wa" for 瓩). */
        char *w = g->pinyin;
        for (const char *r = g->pinyin; *r; r++)
            if (*r != ' ')
                *w++ = *r;
        *w = '\0';
    }
}

/* The character as it is, for a process without the engines. */
static void glyph_plain(uint32_t cp, glyph *g)
{
    char utf8[5] = {0};
    utf8_encode(cp, utf8);
    g->cp = cp;
    g->han = is_han(cp);
    copy_str(g->simp, sizeof g->simp, utf8);
    copy_str(g->pinyin, sizeof g->pinyin, utf8);
}

/* The cached entry of a non-ASCII code point, computed on first sight. */
static void glyph_get(uint32_t cp, glyph *out)
{
    if (!engines_ready()) {
        glyph_plain(cp, out);
        return;
    }
    pthread_rwlock_rdlock(&cache_lock);
    const glyph_node *hit = cache_find(cp);
    if (hit)
        *out = hit->g;
    pthread_rwlock_unlock(&cache_lock);
    if (hit)
        return;

    pthread_mutex_lock(&engine_lock);
    if (atomic_load(&engine_state) == ENGINES_READY)
        glyph_compute(cp, out);
    else
        glyph_plain(cp, out);
    pthread_mutex_unlock(&engine_lock);

    pthread_rwlock_wrlock(&cache_lock);
    if (!cache_find(cp)) { /* another thread may have added it meanwhile */
        glyph_node *n = wj_xmalloc(sizeof *n);
        n->g = *out;
        n->next = buckets[glyph_hash(cp)];
        buckets[glyph_hash(cp)] = n;
    }
    pthread_rwlock_unlock(&cache_lock);
}

void mpi_match_shutdown(void)
{
    pthread_rwlock_wrlock(&cache_lock);
    for (size_t i = 0; i < GLYPH_BUCKETS; i++) {
        while (buckets[i]) {
            glyph_node *n = buckets[i];
            buckets[i] = n->next;
            free(n);
        }
    }
    pthread_rwlock_unlock(&cache_lock);
    pthread_mutex_lock(&engine_lock);
    if (cc != (opencc_t)-1)
        opencc_close(cc);
    cc = (opencc_t)-1;
    if (translit)
        utrans_close(translit);
    translit = NULL;
    atomic_store(&engine_state, ENGINES_NONE);
    pthread_mutex_unlock(&engine_lock);
}

/* ---- name and address keys ---- */

/* Full-width ASCII (ＡＢＣ１２３) and the ideographic space to their ASCII forms. */
static uint32_t fold_width(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        return cp - 0xFEE0;
    return cp == 0x3000 ? ' ' : cp;
}

static bool is_space(uint32_t cp)
{
    return cp <= ' ' || u_isUWhiteSpace((UChar32)cp);
}

/* The dots that separate the parts of transcribed names (阿卜杜拉·艾则孜), as typed on
 * different keyboards and input methods. */
static bool is_name_dot(uint32_t cp)
{
    static const uint32_t dots[] = {'.', 0x00B7, 0x2022, 0x2027, 0x2219, 0x22C5, 0x30FB, 0xFF65, 0x16EB, 0x2E31};
    for (size_t i = 0; i < WJ_ARRAY_LEN(dots); i++)
        if (cp == dots[i])
            return true;
    return false;
}

/* A fixed buffer that takes whole pieces or nothing, so keys never end in half a
 * character. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static bool sbuf_put(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap)
        return false;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return true;
}

/* Surnames whose reading differs from the character's common reading (单 is dan, but
 * the surname is Shan). Applied to the first character of a name of two or more. */
static const struct {
    const char *han, *pinyin;
} surname_readings[] = {
    {"单", "shan"}, {"曾", "zeng"}, {"解", "xie"}, {"仇", "qiu"},  {"朴", "piao"}, {"区", "ou"},
    {"查", "zha"},  {"盖", "ge"},   {"乐", "yue"}, {"缪", "miao"}, {"覃", "qin"},  {"翟", "zhai"},
    {"员", "yun"},  {"秘", "bi"},   {"种", "chong"}, {"召", "shao"}, {"繁", "po"}, {"折", "she"},
    {"隗", "wei"},  {"卜", "bu"},   {"长", "chang"}, {"藏", "zang"},
};

static const char *surname_reading(const char *simp)
{
    for (size_t i = 0; i < WJ_ARRAY_LEN(surname_readings); i++)
        if (strcmp(simp, surname_readings[i].han) == 0)
            return surname_readings[i].pinyin;
    return NULL;
}

/* One character of a name after folding: either ASCII or a cached glyph. */
typedef struct name_char {
    bool word_break; /* a space or a name dot before this character */
    glyph g;
} name_char;

/* Splits a name into its characters; spaces and dots are dropped but remembered as word
 * breaks. Returns the number of characters (at most max). */
static int name_chars(const char *name, name_char *out, int max)
{
    int n = 0;
    bool brk = false;
    for (const char *p = name; *p && n < max;) {
        uint32_t cp = (uint32_t)u_tolower((UChar32)fold_width(utf8_next(&p)));
        if (is_space(cp) || is_name_dot(cp)) {
            brk = true;
            continue;
        }
        name_char *c = &out[n++];
        c->word_break = brk;
        brk = false;
        if (cp < 0x80) {
            c->g = (glyph){.cp = cp, .han = false, .simp = {(char)cp}, .pinyin = {(char)cp}};
        } else {
            glyph_get(cp, &c->g);
        }
    }
    return n;
}

/* Appends one character's reading: a Chinese character is a syllable of its own, other
 * characters join the current word (Latin names stay whole words). */
static bool pinyin_put(sbuf *py, const name_char *c, const char *reading, bool *in_word)
{
    bool new_token = c->g.han || !*in_word || c->word_break;
    if (new_token && py->len && !sbuf_put(py, " ", 1))
        return false;
    *in_word = !c->g.han;
    return sbuf_put(py, reading, strlen(reading));
}

void mpi_name_keys(const char *name, char simplified[MPI_NAME_MAX], char pinyin[MPI_PINYIN_MAX])
{
    name_char chars[MPI_NAME_MAX];
    int n = name_chars(name ? name : "", chars, MPI_NAME_MAX);
    sbuf simp = {simplified, 0, MPI_NAME_MAX}, py = {pinyin, 0, MPI_PINYIN_MAX};
    simplified[0] = pinyin[0] = '\0';
    bool in_word = false;
    for (int i = 0; i < n; i++) {
        const glyph *g = &chars[i].g;
        const char *reading = g->pinyin;
        if (i == 0 && n >= 2 && g->han && surname_reading(g->simp))
            reading = surname_reading(g->simp);
        size_t simp_len = simp.len, py_len = py.len;
        if (!sbuf_put(&simp, g->simp, strlen(g->simp)) || !pinyin_put(&py, &chars[i], reading, &in_word)) {
            /* Out of room: stop at the last whole character, both keys alike. */
            simplified[simp.len = simp_len] = '\0';
            pinyin[py.len = py_len] = '\0';
            break;
        }
    }
}

static bool is_address_noise(uint32_t cp)
{
    if (cp < 0x80) /* ASCII: letters and digits only (isalnum would follow the locale) */
        return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
    return u_isUWhiteSpace((UChar32)cp) || u_ispunct((UChar32)cp);
}

void mpi_address_key(const char *address, char out[256])
{
    sbuf b = {out, 0, 256};
    out[0] = '\0';
    for (const char *p = address ? address : ""; *p;) {
        uint32_t cp = (uint32_t)u_tolower((UChar32)fold_width(utf8_next(&p)));
        if (is_address_noise(cp))
            continue;
        glyph g;
        if (cp < 0x80)
            g = (glyph){.simp = {(char)cp}};
        else
            glyph_get(cp, &g);
        if (!sbuf_put(&b, g.simp, strlen(g.simp)))
            break;
    }
}

/* ---- blocking keys ---- */

typedef struct ymd {
    int y, m, d;
} ymd;

/* A YYYY-MM-DD date with a plausible month and day; false for "" and anything else. */
static bool parse_date(const char *s, ymd *out)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    out->y = atoi(s);
    out->m = atoi(s + 5);
    out->d = atoi(s + 8);
    return out->m >= 1 && out->m <= 12 && out->d >= 1 && out->d <= 31;
}

void mpi_blocking_keys(const mpi_demog *d, mpi_blocks *out)
{
    memset(out, 0, sizeof *out);
    ymd b;
    bool dob = parse_date(d->birth_date, &b);
    if (dob && *d->pinyin) {
        sbuf k = {out->name_year, 0, MPI_KEY_MAX};
        for (const char *p = d->pinyin; *p; p++)
            if (*p != ' ' && !sbuf_put(&k, p, 1))
                break;
        /* Keep room for the year: a truncated name part still blocks like a prefix. */
        if (k.len > MPI_KEY_MAX - 6)
            k.len = MPI_KEY_MAX - 6;
        snprintf(out->name_year + k.len, MPI_KEY_MAX - k.len, "|%04d", b.y);
    }
    bool sex = *d->sex && strcmp(d->sex, "unknown") != 0;
    if (dob && sex) {
        int lo = b.m < b.d ? b.m : b.d, hi = b.m < b.d ? b.d : b.m;
        snprintf(out->dob_sex, MPI_KEY_MAX, "%04d-%02d-%02d|%s", b.y, lo, hi, d->sex);
    }
    copy_str(out->phone, MPI_KEY_MAX, d->phone);
}

/* ---- weights ---- */

/* The default weights. Each is log2(m/u): m the share of pairs of records of one person
 * at that level, u the share of pairs of different persons among the candidates blocking
 * brings together (pairs sharing a pinyin name and birth year, a birth date and sex, or a
 * phone). The figures are estimates for a Chinese city's registrations, not measurements:
 * re-estimate them (EM over reviewed pairs) once a deployment has a few thousand reviews.
 *
 *   name.exact         m .92   u .001  (common names, 张伟 王芳, are ~0.1% each)      ≈ +10
 *   name.pinyin        m .05   u .0004 (homophones typed by sound at a hotline)      ≈ +7
 *   name.one_char      m .02   u .005  → +2, set to -4: see "twins" below
 *   name.surname_only  m .005  u .02   → -2, set to -5: twins again
 *   name.different     m .003  u .97   (a new name not given as a former name)       ≈ -8
 *   dob.exact          m .96   u 1/500 (most candidates share the year)              ≈ +9
 *   dob.swapped        m .03   u 1/2000 (day and month swapped on paper forms)       ≈ +6
 *   dob.one_digit      m .06   u .03   (~15 dates a year are one keystroke away)     ≈ +1
 *   dob.same_year      m .04   u .6    (placeholder dates: 01-01 for "year known")   ≈ -4
 *   dob.different      m .002  u .3                                                   ≈ -7
 *   sex.agree          m .99   u .7    (the dob_sex block already pairs one sex)     ≈ +0.5
 *   sex.disagree       m .001  u .3                                                   ≈ -8
 *   phone.agree        m .6    u .001  (family members share one phone)              ≈ +9
 *   phone.disagree     m .4    u ~1    (phones change)                               ≈ -1.5
 *   address.agree      m .5    u .01   (same household or building)                  ≈ +6
 *   address differs    m ≈ u: free text is written many ways, so it weighs 0
 *   area.agree         m .8    u .2                                                   ≈ +2
 *   area.disagree      m .35   u .75   (people move within the city)                 ≈ -1
 *
 * Twins. Fellegi–Sunter adds weights as if fields were independent given the pair's
 * status. Twins break that: they share birth date, sex, address, phone and area
 * (+26.5 together), and their names typically differ in one character (大明/小明) or in
 * the whole given name. The two name levels twins produce are therefore lowered until
 * such a pair stays below `upper` (22.5 and 21.5): a person decides. A typo'd name with
 * everything else agreeing lands in review too, which is the price.
 *
 * id_card.conflict is not an estimate but a veto: two valid, different ID numbers are two
 * persons. -40 is below every other sum (at most +36.5) minus `lower`.
 *
 * Thresholds: `upper` 24 links the variants worth linking automatically — a homophone or
 * traditional-script name (33.5), swapped day and month (33.5), a new phone (26) — while
 * twins (22.5, 21.5) and a namesake with the same birth date at another address (17) go
 * to review. `lower` 12 sends a namesake born in the same year but on another day (7)
 * straight to a new person. tests/unit/test_mpi_match.c checks each of these sums. */
const mpi_weights mpi_weights_default = {
    .name = {[MPI_NAME_EXACT] = 10,
             [MPI_NAME_PINYIN] = 7,
             [MPI_NAME_ONE_CHAR] = -4,
             [MPI_NAME_SURNAME_ONLY] = -5,
             [MPI_NAME_DIFFERENT] = -8},
    .dob = {[MPI_DOB_EXACT] = 9,
            [MPI_DOB_SWAPPED] = 6,
            [MPI_DOB_ONE_DIGIT] = 1,
            [MPI_DOB_SAME_YEAR] = -4,
            [MPI_DOB_DIFFERENT] = -7},
    .sex_agree = 0.5,
    .sex_disagree = -8,
    .phone_agree = 9,
    .phone_disagree = -1.5,
    .address_agree = 6,
    .area_agree = 2,
    .area_disagree = -1,
    .id_card_conflict = -40,
    .upper = 24,
    .lower = 12,
};

static const struct {
    const char *key;
    size_t offset;
} weight_keys[] = {
    {"name.exact", offsetof(mpi_weights, name[MPI_NAME_EXACT])},
    {"name.pinyin", offsetof(mpi_weights, name[MPI_NAME_PINYIN])},
    {"name.one_char", offsetof(mpi_weights, name[MPI_NAME_ONE_CHAR])},
    {"name.surname_only", offsetof(mpi_weights, name[MPI_NAME_SURNAME_ONLY])},
    {"name.different", offsetof(mpi_weights, name[MPI_NAME_DIFFERENT])},
    {"dob.exact", offsetof(mpi_weights, dob[MPI_DOB_EXACT])},
    {"dob.swapped", offsetof(mpi_weights, dob[MPI_DOB_SWAPPED])},
    {"dob.one_digit", offsetof(mpi_weights, dob[MPI_DOB_ONE_DIGIT])},
    {"dob.same_year", offsetof(mpi_weights, dob[MPI_DOB_SAME_YEAR])},
    {"dob.different", offsetof(mpi_weights, dob[MPI_DOB_DIFFERENT])},
    {"sex.agree", offsetof(mpi_weights, sex_agree)},
    {"sex.disagree", offsetof(mpi_weights, sex_disagree)},
    {"phone.agree", offsetof(mpi_weights, phone_agree)},
    {"phone.disagree", offsetof(mpi_weights, phone_disagree)},
    {"address.agree", offsetof(mpi_weights, address_agree)},
    {"area.agree", offsetof(mpi_weights, area_agree)},
    {"area.disagree", offsetof(mpi_weights, area_disagree)},
    {"id_card.conflict", offsetof(mpi_weights, id_card_conflict)},
    {"threshold.upper", offsetof(mpi_weights, upper)},
    {"threshold.lower", offsetof(mpi_weights, lower)},
};

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* Applies one "key = value" line to w; false with a reason in err. */
static bool weights_line(char *line, int lineno, mpi_weights *w, char *err, size_t errlen)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *s = trim(line);
    if (!*s)
        return true;
    char *eq = strchr(s, '=');
    if (!eq) {
        snprintf(err, errlen, "line %d: expected key = value", lineno);
        return false;
    }
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    double v;
    for (size_t i = 0; i < WJ_ARRAY_LEN(weight_keys); i++) {
        if (strcmp(key, weight_keys[i].key) != 0)
            continue;
        if (!wj_parse_double(val, &v)) {
            snprintf(err, errlen, "line %d: %s is not a number: %s", lineno, key, val);
            return false;
        }
        *(double *)((char *)w + weight_keys[i].offset) = v;
        return true;
    }
    snprintf(err, errlen, "line %d: unknown key %s", lineno, key);
    return false;
}

bool mpi_weights_load(const char *path, mpi_weights *w, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return false;
    }
    mpi_weights tmp = mpi_weights_default; /* w is left alone unless the whole file is good */
    char *line = NULL;
    size_t cap = 0;
    bool ok = true;
    for (int lineno = 1; ok && getline(&line, &cap, f) >= 0; lineno++)
        ok = weights_line(line, lineno, &tmp, err, errlen);
    free(line);
    fclose(f);
    if (ok && tmp.lower > tmp.upper) {
        snprintf(err, errlen, "threshold.lower (%g) is above threshold.upper (%g)", tmp.lower, tmp.upper);
        ok = false;
    }
    if (ok)
        *w = tmp;
    return ok;
}

static mpi_weights current_weights;
static pthread_once_t current_once = PTHREAD_ONCE_INIT;

static void current_load(void)
{
    current_weights = mpi_weights_default;
    const char *path = getenv("WEIJIAN_MPI_WEIGHTS");
    char err[256];
    if (path && *path && !mpi_weights_load(path, &current_weights, err, sizeof err))
        fprintf(stderr, "mpi: WEIJIAN_MPI_WEIGHTS: %s; using the built-in weights\n", err);
}

const mpi_weights *mpi_weights_current(void)
{
    pthread_once(&current_once, current_load);
    return &current_weights;
}

/* ---- comparison ---- */

static const char *const name_level_names[MPI_NAME_LEVELS] = {"exact", "pinyin", "one_char", "surname_only",
                                                              "different"};
static const char *const dob_level_names[MPI_DOB_LEVELS] = {"exact", "swapped", "one_digit", "same_year",
                                                            "different"};

/* Splits s at spaces into at most max pointers (s is modified). */
static int split_words(char *s, char **words, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(s, " ", &save); tok && n < max; tok = strtok_r(NULL, " ", &save))
        words[n++] = tok;
    return n;
}

/* How many characters differ between two names of equal length other than by sound.
 * The pinyin keys give one syllable per character for Chinese names; when they do not
 * line up (Latin words), any differing character counts. */
static int hard_differences(const mpi_demog *a, const mpi_demog *b, long nchars)
{
    char pa[MPI_PINYIN_MAX], pb[MPI_PINYIN_MAX];
    char *sa[MPI_NAME_MAX], *sb[MPI_NAME_MAX];
    copy_str(pa, sizeof pa, a->pinyin);
    copy_str(pb, sizeof pb, b->pinyin);
    bool aligned = split_words(pa, sa, MPI_NAME_MAX) == nchars && split_words(pb, sb, MPI_NAME_MAX) == nchars;
    int hard = 0;
    const char *p = a->name, *q = b->name;
    for (long i = 0; i < nchars; i++)
        if (utf8_next(&p) != utf8_next(&q) && !(aligned && strcmp(sa[i], sb[i]) == 0))
            hard++;
    return hard;
}

static int name_level(const mpi_demog *a, const mpi_demog *b)
{
    if (strcmp(a->name, b->name) == 0)
        return MPI_NAME_EXACT;
    if (*a->pinyin && strcmp(a->pinyin, b->pinyin) == 0)
        return MPI_NAME_PINYIN;
    long na = wj_utf8_len(a->name), nb = wj_utf8_len(b->name);
    if (na > 0 && na == nb && na <= MPI_NAME_MAX && hard_differences(a, b, na) == 1)
        return MPI_NAME_ONE_CHAR;
    const char *p = a->name, *q = b->name;
    if (utf8_next(&p) == utf8_next(&q))
        return MPI_NAME_SURNAME_ONLY;
    return MPI_NAME_DIFFERENT;
}

static int dob_level(const ymd *a, const ymd *b)
{
    if (a->y == b->y && a->m == b->m && a->d == b->d)
        return MPI_DOB_EXACT;
    if (a->y == b->y && a->m == b->d && a->d == b->m && a->m <= 12 && a->d <= 12)
        return MPI_DOB_SWAPPED;
    char da[16], db[16];
    snprintf(da, sizeof da, "%04d%02d%02d", a->y, a->m, a->d);
    snprintf(db, sizeof db, "%04d%02d%02d", b->y, b->m, b->d);
    int diff = 0;
    for (int i = 0; i < 8; i++)
        diff += da[i] != db[i];
    if (diff == 1)
        return MPI_DOB_ONE_DIGIT;
    return a->y == b->y ? MPI_DOB_SAME_YEAR : MPI_DOB_DIFFERENT;
}

static double part(mpi_explain *why, const char *field, const char *level, double weight)
{
    if (why) {
        assert(why->n < (int)WJ_ARRAY_LEN(why->parts));
        why->parts[why->n].field = field;
        why->parts[why->n].level = level;
        why->parts[why->n].weight = weight;
        why->n++;
    }
    return weight;
}

static bool is_binary_sex(const char *s)
{
    return strcmp(s, "male") == 0 || strcmp(s, "female") == 0;
}

/* A field both sides know: agree or disagree. */
static double agree_part(mpi_explain *why, const char *field, const char *x, const char *y, double agree,
                         double disagree)
{
    if (!*x || !*y)
        return part(why, field, "missing", 0);
    bool same = strcmp(x, y) == 0;
    return part(why, field, same ? "agree" : "disagree", same ? agree : disagree);
}

static double score_name(const mpi_demog *a, const mpi_demog *b, const mpi_weights *w, mpi_explain *why)
{
    if (!*a->name || !*b->name)
        return part(why, "name", "missing", 0);
    int lv = name_level(a, b);
    return part(why, "name", name_level_names[lv], w->name[lv]);
}

static double score_dob(const mpi_demog *a, const mpi_demog *b, const mpi_weights *w, mpi_explain *why)
{
    ymd da, db;
    if (!parse_date(a->birth_date, &da) || !parse_date(b->birth_date, &db))
        return part(why, "birth_date", "missing", 0);
    int lv = dob_level(&da, &db);
    return part(why, "birth_date", dob_level_names[lv], w->dob[lv]);
}

static double score_sex(const mpi_demog *a, const mpi_demog *b, const mpi_weights *w, mpi_explain *why)
{
    /* "other" and "unknown" say nothing about a match either way. */
    if (!is_binary_sex(a->sex) || !is_binary_sex(b->sex))
        return part(why, "sex", "missing", 0);
    return agree_part(why, "sex", a->sex, b->sex, w->sex_agree, w->sex_disagree);
}

static double score_id_card(const mpi_demog *a, const mpi_demog *b, const mpi_weights *w, mpi_explain *why)
{
    if (!*a->id_card || !*b->id_card)
        return part(why, "id_card", "missing", 0);
    /* An equal number links by rule before any scoring; here it adds nothing. */
    if (strcasecmp(a->id_card, b->id_card) == 0)
        return part(why, "id_card", "agree", 0);
    return part(why, "id_card", "conflict", w->id_card_conflict);
}

double mpi_score(const mpi_demog *a, const mpi_demog *b, const mpi_weights *w, mpi_explain *why)
{
    if (why)
        why->n = 0;
    double s = score_name(a, b, w, why);
    s += score_dob(a, b, w, why);
    s += score_sex(a, b, w, why);
    s += agree_part(why, "phone", a->phone, b->phone, w->phone_agree, w->phone_disagree);
    /* Addresses are free text: a different spelling is no evidence against, so 0. */
    s += agree_part(why, "address", a->address, b->address, w->address_agree, 0);
    s += agree_part(why, "area_code", a->area_code, b->area_code, w->area_agree, w->area_disagree);
    s += score_id_card(a, b, w, why);
    return s;
}
