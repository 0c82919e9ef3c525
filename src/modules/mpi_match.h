/* mpi_match.h — how two registrations of the person index are compared: name keys
 * (simplified script via OpenCC, toneless pinyin via ICU's Han-Latin transliterator),
 * blocking keys, and a Fellegi–Sunter score with weights and thresholds from
 * configuration. Pure functions over plain structs: no database. docs/mpi.md explains the
 * method and the figures. */
#ifndef WJ_MPI_MATCH_H
#define WJ_MPI_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#define MPI_NAME_MAX 96    /* bytes of a normalised name (32 CJK characters) */
#define MPI_PINYIN_MAX 256 /* bytes of its pinyin */
#define MPI_KEY_MAX 128

/* Loads OpenCC (t2s) and the ICU transliterator once; thread-safe, idempotent. False (with
 * a reason on stderr) when the dictionaries are missing. The key functions below call it
 * on first use; without the engines they still work, on the characters as written (no
 * traditional → simplified, no pinyin). */
bool mpi_match_init(void);
/* The same with another OpenCC configuration (a path, or a name OpenCC resolves in its
 * data directory): for deployments with their own dictionaries, and for tests. Once the
 * engines are loaded, later calls return true and load nothing. */
bool mpi_match_init_config(const char *opencc_config);
/* Frees the character cache and closes OpenCC and ICU, for leak checkers at exit. Not
 * concurrent with any other call of this file; a later call initialises again. */
void mpi_match_shutdown(void);

/* Name keys. `simplified`: trimmed, inner spaces and middle dots (· • ・ .) removed,
 * full-width ASCII folded to half-width, Latin lower-cased, traditional characters mapped
 * to simplified. `pinyin`: toneless lower-case syllables of each character separated by
 * single spaces ("zhang san"); Latin names pass through lower-cased. Results are cached
 * per character, so this is cheap after warm-up (bulk imports call it a million times). */
void mpi_name_keys(const char *name, char simplified[MPI_NAME_MAX], char pinyin[MPI_PINYIN_MAX]);

/* Normalised address for comparison: full-width folded, spaces and punctuation removed,
 * traditional → simplified. */
void mpi_address_key(const char *address, char out[256]);

/* One side of a comparison. Strings may be "" (unknown), never NULL. */
typedef struct mpi_demog {
    const char *name;       /* simplified key */
    const char *pinyin;     /* pinyin key */
    const char *sex;        /* male, female, other, unknown */
    const char *birth_date; /* YYYY-MM-DD */
    const char *phone;      /* digits */
    const char *address;    /* mpi_address_key */
    const char *area_code;  /* 12 digits */
    const char *id_card;    /* 18-character ID number when the side has one */
} mpi_demog;

/* Blocking keys of a record: candidates are the records sharing at least one.
 *   name_year: pinyin without spaces + "|" + birth year  (catches script, homophones,
 *              swapped day/month, new phone)
 *   dob_sex:   birth year + the smaller and the larger of month and day + "|" + sex
 *              (catches name typos; swapped day/month give the same key)
 *   phone:     the phone digits
 * An unknown part leaves that key "" (not used). */
typedef struct mpi_blocks {
    char name_year[MPI_KEY_MAX];
    char dob_sex[MPI_KEY_MAX];
    char phone[MPI_KEY_MAX];
} mpi_blocks;
void mpi_blocking_keys(const mpi_demog *d, mpi_blocks *out);

/* Agreement levels per field, each with a weight log2(m/u). */
/* Name levels: EXACT (simplified keys equal), PINYIN (same pinyin: homophones),
 * ONE_CHAR (same length, one character differs and not by sound: a typo — or a twin's
 * name, which is why its default weight is negative), SURNAME_ONLY, DIFFERENT. */
typedef enum {
    MPI_NAME_EXACT,
    MPI_NAME_PINYIN,
    MPI_NAME_ONE_CHAR,
    MPI_NAME_SURNAME_ONLY,
    MPI_NAME_DIFFERENT,
    MPI_NAME_LEVELS
} mpi_name_level;
typedef enum { MPI_DOB_EXACT, MPI_DOB_SWAPPED, MPI_DOB_ONE_DIGIT, MPI_DOB_SAME_YEAR, MPI_DOB_DIFFERENT, MPI_DOB_LEVELS } mpi_dob_level;

typedef struct mpi_weights {
    double name[MPI_NAME_LEVELS];
    double dob[MPI_DOB_LEVELS];
    double sex_agree, sex_disagree;
    double phone_agree, phone_disagree;
    double address_agree, area_agree, area_disagree;
    double id_card_conflict; /* both sides have an ID number and they differ */
    double upper, lower;     /* link at ≥ upper; review at ≥ lower; else a new person */
} mpi_weights;

/* The built-in weights and thresholds (docs/mpi.md shows how they were chosen). */
extern const mpi_weights mpi_weights_default;

/* Reads "key = value" lines (# comments) over the defaults: keys name.exact,
 * name.pinyin, name.one_char, name.surname_only, name.different, dob.exact, dob.swapped, dob.one_digit,
 * dob.same_year, dob.different, sex.agree, sex.disagree, phone.agree, phone.disagree,
 * address.agree, area.agree, area.disagree, id_card.conflict, threshold.upper,
 * threshold.lower. False with a reason ("line 3: unknown key foo") in err. */
bool mpi_weights_load(const char *path, mpi_weights *w, char *err, size_t errlen);

/* The score of a against b, and why: one entry per field, in the order above. */
typedef struct mpi_explain {
    int n;
    struct {
        const char *field; /* name, birth_date, sex, phone, address, area_code, id_card */
        const char *level; /* exact, pinyin, one_char, surname_only, different (name);
                              exact, swapped, one_digit, same_year, different (birth_date);
                              agree, disagree; conflict (id_card); missing: a side does not
                              know it (weight 0) */
        double weight;
    } parts[8];
} mpi_explain;
double mpi_score(const mpi_demog *a, const mpi_demog *b, const mpi_weights *w, mpi_explain *why /* nullable */);

/* The weights in effect in this process: the defaults, or the file named by
 * WEIJIAN_MPI_WEIGHTS when set (read once; a bad file is reported and the defaults kept). */
const mpi_weights *mpi_weights_current(void);

#endif
