/* test_idcard.c — GB 11643 ID numbers: check character, dates, 15 → 18, masks.
 * The valid numbers below were computed with the MOD 11-2 algorithm independently of
 * idcard.c (11010519491231002X is the standard's own example). */
#include <string.h>

#include "idcard.h"
#include "unit.h"

#define TODAY "2024-06-01"

static void check_char_known(void **state)
{
    (void)state;
    assert_int_equal(wj_idcard_check_char("11010519491231002"), 'X');
    assert_int_equal(wj_idcard_check_char("37020219800312123"), '2');
    assert_int_equal(wj_idcard_check_char("37010219920229004"), '6');
    assert_int_equal(wj_idcard_check_char("11010519491231001"), '1');
    assert_int_equal(wj_idcard_check_char("37020219801203123"), '9');
}

static void parse_valid(void **state)
{
    (void)state;
    wj_idcard c;
    assert_int_equal(wj_idcard_parse("11010519491231002X", TODAY, &c), WJ_IDCARD_OK);
    assert_string_equal(c.number, "11010519491231002X");
    assert_string_equal(c.birth_date, "1949-12-31");
    assert_string_equal(c.sex, "female"); /* 17th digit 2 */
    assert_string_equal(c.division, "110105");

    assert_int_equal(wj_idcard_parse("370202198003121232", TODAY, &c), WJ_IDCARD_OK);
    assert_string_equal(c.birth_date, "1980-03-12");
    assert_string_equal(c.sex, "male"); /* 17th digit 3 */
    assert_string_equal(c.division, "370202");

    /* 29 February of a leap year, and of 2000 (divisible by 400). */
    assert_int_equal(wj_idcard_parse("370102199202290046", TODAY, &c), WJ_IDCARD_OK);
    assert_string_equal(c.birth_date, "1992-02-29");
    assert_int_equal(wj_idcard_parse("37020220000229123X", TODAY, &c), WJ_IDCARD_OK);
    /* No `today`: the future check is skipped. */
    assert_int_equal(wj_idcard_parse("370102202406020018", NULL, &c), WJ_IDCARD_OK);
    /* Validation only. */
    assert_int_equal(wj_idcard_parse("11010519491231002X", TODAY, NULL), WJ_IDCARD_OK);
    assert_int_equal(wj_idcard_parse("110105194912310021", TODAY, NULL), WJ_IDCARD_CHECK);
}

static void parse_lower_case_x(void **state)
{
    (void)state;
    wj_idcard c;
    assert_int_equal(wj_idcard_parse("11010519491231002x", TODAY, &c), WJ_IDCARD_OK);
    assert_string_equal(c.number, "11010519491231002X");
}

static void parse_rejects(void **state)
{
    (void)state;
    wj_idcard c;
    assert_int_equal(wj_idcard_parse("110105194912310021", TODAY, &c), WJ_IDCARD_CHECK);
    assert_int_equal(wj_idcard_parse("370202198003121233", TODAY, &c), WJ_IDCARD_CHECK);
    assert_string_equal(c.number, ""); /* nothing is filled in on failure */
    assert_int_equal(wj_idcard_parse("11010519491231002", TODAY, &c), WJ_IDCARD_LENGTH);
    assert_int_equal(wj_idcard_parse("11010519491231002XX", TODAY, &c), WJ_IDCARD_LENGTH);
    assert_int_equal(wj_idcard_parse("", TODAY, &c), WJ_IDCARD_LENGTH);
    assert_int_equal(wj_idcard_parse(NULL, TODAY, &c), WJ_IDCARD_LENGTH);
    assert_int_equal(wj_idcard_parse("1101051949123100X2", TODAY, &c), WJ_IDCARD_CHARS);
    assert_int_equal(wj_idcard_parse("11010519491231002Y", TODAY, &c), WJ_IDCARD_CHARS);
    assert_int_equal(wj_idcard_parse("1101051949 231002X", TODAY, &c), WJ_IDCARD_CHARS);
}

static void parse_bad_dates(void **state)
{
    (void)state;
    wj_idcard c;
    /* The date is judged before the check character, whatever that is. */
    assert_int_equal(wj_idcard_parse("370202198002301230", TODAY, &c), WJ_IDCARD_DATE); /* 30 Feb */
    assert_int_equal(wj_idcard_parse("370202190002291233", TODAY, &c), WJ_IDCARD_DATE); /* 1900 not leap */
    assert_int_equal(wj_idcard_parse("370202198013011230", TODAY, &c), WJ_IDCARD_DATE); /* month 13 */
    assert_int_equal(wj_idcard_parse("370202198004311230", TODAY, &c), WJ_IDCARD_DATE); /* 31 April */
    assert_int_equal(wj_idcard_parse("370202198001001230", TODAY, &c), WJ_IDCARD_DATE); /* day 0 */
    /* Valid check character, born 1880: before 1890. */
    assert_int_equal(wj_idcard_parse("440524188001010014", TODAY, &c), WJ_IDCARD_DATE);
    /* Born the day after `today`; the day itself is fine. */
    assert_int_equal(wj_idcard_parse("370102202406020018", TODAY, &c), WJ_IDCARD_DATE);
    assert_int_equal(wj_idcard_parse("370102202406010012", TODAY, &c), WJ_IDCARD_OK);
}

static void parse15(void **state)
{
    (void)state;
    wj_idcard c;
    assert_int_equal(wj_idcard_parse15("370202800312123", TODAY, &c), WJ_IDCARD_OK);
    assert_string_equal(c.number, "370202198003121232");
    assert_string_equal(c.birth_date, "1980-03-12");
    assert_string_equal(c.sex, "male");
    assert_int_equal(wj_idcard_parse15("110105491231002", TODAY, &c), WJ_IDCARD_OK);
    assert_string_equal(c.number, "11010519491231002X");
    assert_int_equal(wj_idcard_parse15("37020280031212", TODAY, &c), WJ_IDCARD_LENGTH);
    assert_int_equal(wj_idcard_parse15("370202198003121232", TODAY, &c), WJ_IDCARD_LENGTH);
    assert_int_equal(wj_idcard_parse15("37020280031212X", TODAY, &c), WJ_IDCARD_CHARS);
    assert_int_equal(wj_idcard_parse15("370202800230123", TODAY, &c), WJ_IDCARD_DATE);
}

static void reasons(void **state)
{
    (void)state;
    assert_string_equal(wj_idcard_reason(WJ_IDCARD_CHECK), "the check character does not match");
    for (int st = WJ_IDCARD_OK; st <= WJ_IDCARD_CHECK; st++)
        assert_true(strlen(wj_idcard_reason((wj_idcard_status)st)) > 0);
}

static void mask_id(void **state)
{
    (void)state;
    char out[32];
    wj_mask_id("37020219801203123X", out, sizeof out);
    assert_string_equal(out, "3702**********123X");
    wj_mask_id("370202198003121232", out, sizeof out);
    assert_string_equal(out, "3702**********1232");
    wj_mask_id("A1234567", out, sizeof out); /* other identifiers: 2 + 2 */
    assert_string_equal(out, "A1****67");
    wj_mask_id("123456", out, sizeof out);
    assert_string_equal(out, "12**56");
    wj_mask_id("12345", out, sizeof out); /* too short to show anything */
    assert_string_equal(out, "*****");
    wj_mask_id("370202800312123", out, sizeof out); /* a 15-digit number is "other" */
    assert_string_equal(out, "37***********23");
    wj_mask_id("", out, sizeof out);
    assert_string_equal(out, "");
    /* A small buffer is never overrun and always terminated. */
    wj_mask_id("37020219801203123X", out, 5);
    assert_string_equal(out, "3702");
}

static void mask_phone(void **state)
{
    (void)state;
    char out[32];
    wj_mask_phone("13812341234", out, sizeof out);
    assert_string_equal(out, "138****1234");
    wj_mask_phone("053188881234", out, sizeof out); /* landline: last 4 */
    assert_string_equal(out, "********1234");
    wj_mask_phone("88881234", out, sizeof out);
    assert_string_equal(out, "****1234");
    wj_mask_phone("23812341234", out, sizeof out); /* 11 digits but not a mobile */
    assert_string_equal(out, "*******1234");
    wj_mask_phone("120", out, sizeof out);
    assert_string_equal(out, "***");
    wj_mask_phone("", out, sizeof out);
    assert_string_equal(out, "");
}

int run_idcard_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_char_known), cmocka_unit_test(parse_valid), cmocka_unit_test(parse_lower_case_x),
        cmocka_unit_test(parse_rejects),    cmocka_unit_test(parse_bad_dates), cmocka_unit_test(parse15),
        cmocka_unit_test(reasons),          cmocka_unit_test(mask_id),     cmocka_unit_test(mask_phone),
    };
    return cmocka_run_group_tests_name("idcard", tests, NULL, NULL);
}
