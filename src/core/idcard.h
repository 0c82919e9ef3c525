/* idcard.h — the resident identity card number of GB 11643-1999: 6-digit division code,
 * 8-digit birth date, 3-digit sequence (odd = male, even = female), and an ISO 7064
 * MOD 11-2 check character (0-9 or X). Every module that takes an ID number (the person
 * index, appointments, hotline cases) validates it here. */
#ifndef WJ_IDCARD_H
#define WJ_IDCARD_H

#include <stdbool.h>

typedef enum {
    WJ_IDCARD_OK = 0,
    WJ_IDCARD_LENGTH,    /* not 18 characters (15 for the old form) */
    WJ_IDCARD_CHARS,     /* not digits (and a final X) */
    WJ_IDCARD_DATE,      /* the birth date is not a calendar date, is before 1890-01-01, or is
                            in the future */
    WJ_IDCARD_CHECK,     /* the check character does not match */
} wj_idcard_status;

typedef struct wj_idcard {
    char number[19];     /* normalised: upper-case X */
    char birth_date[11]; /* YYYY-MM-DD */
    char sex[7];         /* "male" or "female" (FHIR codes) */
    char division[7];    /* the 6-digit division code of first registration */
} wj_idcard;

/* Validates an 18-character number (a lower-case x is accepted and normalised). `today`
 * is YYYY-MM-DD (births after it are invalid), NULL to skip that check. Problems are
 * reported in the order of the statuses above. `out` (nullable) is filled when the
 * number is valid and zeroed otherwise. */
wj_idcard_status wj_idcard_parse(const char *s, const char *today, wj_idcard *out);
/* Converts a 15-digit number (19YYMMDD births, no check character) to its 18-character
 * form, then parses it as above. */
wj_idcard_status wj_idcard_parse15(const char *s, const char *today, wj_idcard *out);
/* The check character for the first 17 digits. */
char wj_idcard_check_char(const char *first17);
/* English reason for a status, for error messages ("the check character does not match"). */
const char *wj_idcard_reason(wj_idcard_status st);

/* Masks for lists: 18-character ID numbers keep the first 4 and last 4 characters
 * (3702**********123X); other identifiers keep the first 2 and last 2 of at least 6
 * (shorter ones are fully starred); mobile phones keep 3 + 4 (138****1234), landlines the
 * last 4. `out` holds at least strlen(s) + 1 bytes; masking is byte-wise on ASCII. */
void wj_mask_id(const char *s, char *out, unsigned n);
void wj_mask_phone(const char *s, char *out, unsigned n);

#endif
