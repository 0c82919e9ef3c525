/* idcard.c — see idcard.h. */
#include "idcard.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* The earliest birth date accepted. The oldest documented residents were born in the late
 * 1880s; anything earlier is a keying error, not a person. */
#define WJ_IDCARD_MIN_BIRTH "1890-01-01"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

char wj_idcard_check_char(const char *first17)
{
    /* ISO 7064 MOD 11-2: the weight of position i is 2^(17-i) mod 11. */
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    assert(first17 && digits(first17, 17));
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (first17[i] - '0') * weights[i];
    return check[sum % 11];
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* True when the 8 digits at p are a calendar date from 1890 on and not after `today`;
 * writes it as YYYY-MM-DD. */
static bool birth_date(const char *p, const char *today, char iso[11])
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    int m = (p[4] - '0') * 10 + (p[5] - '0');
    int d = (p[6] - '0') * 10 + (p[7] - '0');
    if (m < 1 || m > 12 || d < 1)
        return false;
    if (d > mdays[m - 1] + (m == 2 && leap(y)))
        return false;
    memcpy(iso, p, 4); /* the digits as they are: YYYY-MM-DD */
    iso[4] = '-';
    memcpy(iso + 5, p + 4, 2);
    iso[7] = '-';
    memcpy(iso + 8, p + 6, 2);
    iso[10] = '\0';
    /* ISO dates compare correctly as strings. */
    if (strcmp(iso, WJ_IDCARD_MIN_BIRTH) < 0)
        return false;
    return !today || strcmp(iso, today) <= 0;
}

wj_idcard_status wj_idcard_parse(const char *s, const char *today, wj_idcard *out)
{
    wj_idcard tmp;
    memset(&tmp, 0, sizeof tmp);
    if (out)
        *out = tmp;
    if (!s || strlen(s) != 18)
        return WJ_IDCARD_LENGTH;
    if (!digits(s, 17) || !(is_digit(s[17]) || s[17] == 'X' || s[17] == 'x'))
        return WJ_IDCARD_CHARS;
    if (!birth_date(s + 6, today, tmp.birth_date))
        return WJ_IDCARD_DATE;
    char check = s[17] == 'x' ? 'X' : s[17];
    if (wj_idcard_check_char(s) != check)
        return WJ_IDCARD_CHECK;
    memcpy(tmp.number, s, 17);
    tmp.number[17] = check;
    memcpy(tmp.division, s, 6);
    strcpy(tmp.sex, (s[16] - '0') % 2 ? "male" : "female");
    if (out)
        *out = tmp;
    return WJ_IDCARD_OK;
}

wj_idcard_status wj_idcard_parse15(const char *s, const char *today, wj_idcard *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!s || strlen(s) != 15)
        return WJ_IDCARD_LENGTH;
    if (!digits(s, 15))
        return WJ_IDCARD_CHARS;
    /* First-generation cards were issued to people born in the 1900s only: the century
     * is always 19. */
    char full[19];
    memcpy(full, s, 6);
    memcpy(full + 6, "19", 2);
    memcpy(full + 8, s + 6, 9);
    full[17] = wj_idcard_check_char(full);
    full[18] = '\0';
    return wj_idcard_parse(full, today, out);
}

const char *wj_idcard_reason(wj_idcard_status st)
{
    switch (st) {
    case WJ_IDCARD_OK:
        return "valid";
    case WJ_IDCARD_LENGTH:
        return "not 18 characters (15 for the first-generation card)";
    case WJ_IDCARD_CHARS:
        return "only digits and a final X are allowed";
    case WJ_IDCARD_DATE:
        return "the birth date is not a calendar date, is before 1890 or is in the future";
    case WJ_IDCARD_CHECK:
        return "the check character does not match";
    }
    return "invalid";
}

/* Copies s into out (at most n bytes with the NUL), replacing every byte outside the first
 * `keep_head` and the last `keep_tail` with '*'. */
static void mask(const char *s, char *out, unsigned n, size_t keep_head, size_t keep_tail)
{
    if (!n)
        return;
    size_t len = strlen(s), i = 0;
    for (; i < len && i + 1 < n; i++)
        out[i] = i < keep_head || i >= len - keep_tail ? s[i] : '*';
    out[i] = '\0';
}

static bool looks_like_id18(const char *s, size_t len)
{
    return len == 18 && digits(s, 17) && (is_digit(s[17]) || s[17] == 'X' || s[17] == 'x');
}

void wj_mask_id(const char *s, char *out, unsigned n)
{
    size_t len = strlen(s);
    if (looks_like_id18(s, len))
        mask(s, out, n, 4, 4);
    else if (len >= 6)
        mask(s, out, n, 2, 2);
    else
        mask(s, out, n, 0, 0);
}

void wj_mask_phone(const char *s, char *out, unsigned n)
{
    size_t len = strlen(s);
    if (len == 11 && s[0] == '1' && digits(s, 11))
        mask(s, out, n, 3, 4); /* mobile: 138****1234 */
    else if (len > 4)
        mask(s, out, n, 0, 4); /* landline: the last 4 */
    else
        mask(s, out, n, 0, 0); /* a short number would show whole: star it all */
}
