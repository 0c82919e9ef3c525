/* test_csv.c — the CSV reader (RFC 4180, line numbers, malformed records), the writer
 * (quoting, and reading back what it wrote) and the encodings (UTF-8 check, GB18030). */
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "unit.h"
#include "util.h"

/* Reads the next record and checks its status, line and fields (NULL-terminated). */
static void expect(wj_csv *r, wj_csv_status st, long line, const char *const *fields)
{
    wj_csv_status got = wj_csv_next(r);
    if (got != st)
        fail_msg("status %d, expected %d (error: %s)", got, st, r->error);
    if (st == WJ_CSV_END)
        return;
    assert_int_equal(r->record_line, line);
    int n = 0;
    while (fields[n])
        n++;
    if (r->nfields != n)
        fail_msg("line %ld: %d fields, expected %d", line, r->nfields, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(r->fields[i], fields[i]);
}

#define F(...) ((const char *const[]){__VA_ARGS__, NULL})

static void reads_plain_records_with_lf_and_crlf(void **state)
{
    (void)state;
    const char *text = "a,b,c\r\n1,2,3\n4,,6\r7,8,9";
    wj_csv r;
    wj_csv_init(&r, text, strlen(text));
    expect(&r, WJ_CSV_RECORD, 1, F("a", "b", "c"));
    expect(&r, WJ_CSV_RECORD, 2, F("1", "2", "3"));
    expect(&r, WJ_CSV_RECORD, 3, F("4", "", "6"));
    expect(&r, WJ_CSV_RECORD, 4, F("7", "8", "9"));
    expect(&r, WJ_CSV_END, 0, NULL);
    wj_csv_free(&r);
}

static void quoted_fields_hold_commas_quotes_and_line_breaks(void **state)
{
    (void)state;
    const char *text = "name,address\n"
                       "\"济南, 历下\",\"he said \"\"hi\"\"\"\n"
                       "\"two\r\nlines\",\"three\nmore\nlines\"\n"
                       "after,\"\"\n";
    wj_csv r;
    wj_csv_init(&r, text, strlen(text));
    expect(&r, WJ_CSV_RECORD, 1, F("name", "address"));
    expect(&r, WJ_CSV_RECORD, 2, F("济南, 历下", "he said \"hi\""));
    expect(&r, WJ_CSV_RECORD, 3, F("two\r\nlines", "three\nmore\nlines"));
    /* the record after embedded line breaks starts on its physical line */
    expect(&r, WJ_CSV_RECORD, 7, F("after", ""));
    expect(&r, WJ_CSV_END, 0, NULL);
    wj_csv_free(&r);
}

static void bom_is_skipped_and_final_break_makes_no_record(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBFname\r\nx\r\n";
    wj_csv r;
    wj_csv_init(&r, text, strlen(text));
    expect(&r, WJ_CSV_RECORD, 1, F("name"));
    expect(&r, WJ_CSV_RECORD, 2, F("x"));
    expect(&r, WJ_CSV_END, 0, NULL);
    wj_csv_free(&r);
}

static void blank_lines_and_empty_rows_are_blank(void **state)
{
    (void)state;
    const char *text = "a,b\n\n,\n , \nx,\n";
    wj_csv r;
    wj_csv_init(&r, text, strlen(text));
    expect(&r, WJ_CSV_RECORD, 1, F("a", "b"));
    assert_false(wj_csv_blank(&r));
    expect(&r, WJ_CSV_RECORD, 2, F(""));
    assert_true(wj_csv_blank(&r));
    expect(&r, WJ_CSV_RECORD, 3, F("", ""));
    assert_true(wj_csv_blank(&r));
    expect(&r, WJ_CSV_RECORD, 4, F(" ", " ")); /* spaces are data to the reader */
    assert_false(wj_csv_blank(&r));
    expect(&r, WJ_CSV_RECORD, 5, F("x", ""));
    expect(&r, WJ_CSV_END, 0, NULL);
    wj_csv_free(&r);
}

static void trailing_comma_at_end_of_input_is_an_empty_field(void **state)
{
    (void)state;
    const char *text = "a,";
    wj_csv r;
    wj_csv_init(&r, text, strlen(text));
    expect(&r, WJ_CSV_RECORD, 1, F("a", ""));
    expect(&r, WJ_CSV_END, 0, NULL);
    wj_csv_free(&r);
}

static void malformed_records_are_reported_and_reading_goes_on(void **state)
{
    (void)state;
    const char *text = "a,b\n"
                       "x\"y,1\n"       /* quote inside an unquoted field */
                       "\"q\"tail,2\n"  /* text after a closing quote */
                       "ok,3\n";
    wj_csv r;
    wj_csv_init(&r, text, strlen(text));
    expect(&r, WJ_CSV_RECORD, 1, F("a", "b"));
    expect(&r, WJ_CSV_BAD, 2, F("x\"y", "1"));
    assert_non_null(strstr(r.error, "quote inside an unquoted field"));
    expect(&r, WJ_CSV_BAD, 3, F("qtail", "2"));
    assert_non_null(strstr(r.error, "after the closing quote"));
    expect(&r, WJ_CSV_RECORD, 4, F("ok", "3"));
    assert_string_equal(r.error, "");
    expect(&r, WJ_CSV_END, 0, NULL);
    wj_csv_free(&r);
}

static void unclosed_quote_is_fatal_and_names_its_line(void **state)
{
    (void)state;
    const char *text = "a,b\n1,2\n3,\"open\nstill\nopen";
    wj_csv r;
    wj_csv_init(&r, text, strlen(text));
    expect(&r, WJ_CSV_RECORD, 1, F("a", "b"));
    expect(&r, WJ_CSV_RECORD, 2, F("1", "2"));
    assert_int_equal(wj_csv_next(&r), WJ_CSV_FATAL);
    assert_int_equal(r.record_line, 3);
    assert_non_null(strstr(r.error, "line 3"));
    wj_csv_free(&r);
}

static void empty_input_has_no_records(void **state)
{
    (void)state;
    wj_csv r;
    wj_csv_init(&r, "", 0);
    assert_int_equal(wj_csv_next(&r), WJ_CSV_END);
    wj_csv_free(&r);
    wj_csv_init(&r, "\xEF\xBB\xBF", 3);
    assert_int_equal(wj_csv_next(&r), WJ_CSV_END);
    wj_csv_free(&r);
}

static void many_fields_grow_the_record(void **state)
{
    (void)state;
    wj_buf b = {0};
    for (int i = 0; i < 100; i++)
        wj_buf_printf(&b, "%s%d", i ? "," : "", i);
    wj_csv r;
    wj_csv_init(&r, b.data, b.len);
    assert_int_equal(wj_csv_next(&r), WJ_CSV_RECORD);
    assert_int_equal(r.nfields, 100);
    assert_string_equal(r.fields[0], "0");
    assert_string_equal(r.fields[99], "99");
    wj_csv_free(&r);
    wj_buf_free(&b);
}

static void writer_quotes_only_when_needed(void **state)
{
    (void)state;
    wj_buf b = {0};
    wj_csv_put(&b, "plain", true);
    wj_csv_put(&b, "济南市", false);
    wj_csv_put(&b, "a,b", false);
    wj_csv_put(&b, "say \"hi\"", false);
    wj_csv_put(&b, "two\nlines", false);
    wj_csv_put(&b, " lead", false);
    wj_csv_put(&b, "", false);
    wj_csv_put(&b, NULL, false);
    wj_csv_end_record(&b);
    assert_string_equal(b.data, "plain,济南市,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" lead\",,\r\n");
    wj_buf_free(&b);
}

static void writer_output_reads_back_identically(void **state)
{
    (void)state;
    const char *vals[] = {"x", "\"", "\"\"", ",", "\r\n", "\r", "a\"b,c\nd", "", " ", "末尾 ", "[{\"name\":\"本部\"}]"};
    size_t n = WJ_ARRAY_LEN(vals);
    wj_buf b = {0};
    for (int rec = 0; rec < 3; rec++) {
        for (size_t i = 0; i < n; i++)
            wj_csv_put(&b, vals[(i + (size_t)rec) % n], i == 0);
        wj_csv_end_record(&b);
    }
    wj_csv r;
    wj_csv_init(&r, b.data, b.len);
    for (int rec = 0; rec < 3; rec++) {
        assert_int_equal(wj_csv_next(&r), WJ_CSV_RECORD);
        assert_int_equal(r.nfields, (int)n);
        for (size_t i = 0; i < n; i++)
            assert_string_equal(r.fields[i], vals[(i + (size_t)rec) % n]);
    }
    assert_int_equal(wj_csv_next(&r), WJ_CSV_END);
    wj_csv_free(&r);
    wj_buf_free(&b);
}

static void utf8_check_rejects_bad_sequences(void **state)
{
    (void)state;
    size_t bad = 99;
    assert_true(wj_utf8_valid("abc 济南 😀", strlen("abc 济南 😀"), &bad));
    assert_true(wj_utf8_valid("", 0, &bad));
    static const struct {
        const char *s;
        size_t at;
    } cases[] = {
        {"ab\xC0\xAF", 2},         /* overlong '/' */
        {"\xED\xA0\x80", 0},       /* surrogate */
        {"x\xF4\x90\x80\x80", 1},  /* past U+10FFFF */
        {"\xE6\xB5", 0},           /* truncated at the end */
        {"ok\x80", 2},             /* lone continuation byte */
        {"\xFF", 0},
        {"\xBC\xC3\xC4\xCF", 0},   /* 济南 in GB18030 */
    };
    for (size_t i = 0; i < WJ_ARRAY_LEN(cases); i++) {
        bad = 99;
        if (wj_utf8_valid(cases[i].s, strlen(cases[i].s), &bad))
            fail_msg("case %zu accepted", i);
        assert_int_equal(bad, cases[i].at);
    }
}

static void encodings_parse(void **state)
{
    (void)state;
    wj_encoding e = WJ_ENC_AUTO;
    assert_true(wj_encoding_parse("utf-8", &e));
    assert_int_equal(e, WJ_ENC_UTF8);
    assert_true(wj_encoding_parse("UTF8", &e));
    assert_true(wj_encoding_parse("GB18030", &e));
    assert_int_equal(e, WJ_ENC_GB18030);
    assert_false(wj_encoding_parse("latin1", &e));
    assert_false(wj_encoding_parse(NULL, &e));
    assert_string_equal(wj_encoding_name(WJ_ENC_GB18030), "gb18030");
}

/* 名称,地址\r\n济南,历下 in GB18030. */
static const char gb_text[] = "\xC3\xFB\xB3\xC6,\xB5\xD8\xD6\xB7\r\n\xBC\xC3\xC4\xCF,\xC0\xFA\xCF\xC2\r\n";

static void utf8_input_is_taken_as_it_is(void **state)
{
    (void)state;
    char err[200];
    long line = 0;
    size_t n = 0;
    wj_encoding used = WJ_ENC_AUTO;
    const char *in = "名称\n济南\n";
    char *out = wj_text_to_utf8(in, strlen(in), WJ_ENC_AUTO, &n, &used, err, sizeof err, &line);
    assert_non_null(out);
    assert_string_equal(out, in);
    assert_int_equal(n, strlen(in));
    assert_int_equal(used, WJ_ENC_UTF8);
    free(out);
}

static void gb18030_is_detected_and_converted(void **state)
{
    (void)state;
    char err[200];
    long line = 0;
    size_t n = 0;
    wj_encoding used = WJ_ENC_AUTO;
    char *out = wj_text_to_utf8(gb_text, sizeof gb_text - 1, WJ_ENC_AUTO, &n, &used, err, sizeof err, &line);
    assert_non_null(out);
    assert_string_equal(out, "名称,地址\r\n济南,历下\r\n");
    assert_int_equal(used, WJ_ENC_GB18030);
    free(out);
    /* told: the same */
    out = wj_text_to_utf8(gb_text, sizeof gb_text - 1, WJ_ENC_GB18030, &n, &used, err, sizeof err, &line);
    assert_non_null(out);
    assert_string_equal(out, "名称,地址\r\n济南,历下\r\n");
    free(out);
    /* a four-byte GB18030 sequence: U+1F600 */
    out = wj_text_to_utf8("\x94\x39\xFC\x36", 4, WJ_ENC_GB18030, &n, &used, err, sizeof err, &line);
    assert_non_null(out);
    assert_string_equal(out, "😀");
    free(out);
}

static void told_utf8_refuses_gb18030(void **state)
{
    (void)state;
    char err[200];
    long line = 0;
    size_t n = 0;
    wj_encoding used = WJ_ENC_AUTO;
    assert_null(wj_text_to_utf8(gb_text, sizeof gb_text - 1, WJ_ENC_UTF8, &n, &used, err, sizeof err, &line));
    assert_non_null(strstr(err, "not valid UTF-8"));
    assert_int_equal(line, 1);
}

static void invalid_in_both_is_a_clear_error_with_a_line(void **state)
{
    (void)state;
    char err[200];
    long line = 0;
    size_t n = 0;
    wj_encoding used = WJ_ENC_AUTO;
    /* 0xFF is neither UTF-8 nor GB18030 */
    const char in[] = "name\nok\nbad \xFF here\n";
    assert_null(wj_text_to_utf8(in, sizeof in - 1, WJ_ENC_AUTO, &n, &used, err, sizeof err, &line));
    assert_non_null(strstr(err, "neither UTF-8"));
    assert_int_equal(line, 3);
    assert_null(wj_text_to_utf8(in, sizeof in - 1, WJ_ENC_GB18030, &n, &used, err, sizeof err, &line));
    assert_non_null(strstr(err, "not valid GB18030"));
    assert_int_equal(line, 3);
}

static void utf16_and_nul_are_refused(void **state)
{
    (void)state;
    char err[200];
    long line = 0;
    size_t n = 0;
    wj_encoding used = WJ_ENC_AUTO;
    assert_null(wj_text_to_utf8("\xFF\xFEn\0a\0", 6, WJ_ENC_AUTO, &n, &used, err, sizeof err, &line));
    assert_non_null(strstr(err, "UTF-16"));
    assert_null(wj_text_to_utf8("a\nb\0c", 5, WJ_ENC_AUTO, &n, &used, err, sizeof err, &line));
    assert_non_null(strstr(err, "NUL"));
    assert_int_equal(line, 2);
}

/* Two readers over the halves read exactly what one reads, with the same line numbers,
 * even when a quoted field spans lines across the middle. */
static void split_halves_read_what_one_reader_reads(void **state)
{
    (void)state;
    const char *text = "h1,h2\n1,a\n2,\"b\nb\"\n3,c\r\n4,\"d,\n\n\"\n5,e\n6,f";
    wj_csv whole, first, second;
    wj_csv_init(&whole, text, strlen(text));
    wj_csv_init(&first, text, strlen(text));
    expect(&whole, WJ_CSV_RECORD, 1, F("h1", "h2"));
    expect(&first, WJ_CSV_RECORD, 1, F("h1", "h2"));
    wj_csv_split(&first, &second);
    int n = 0;
    for (wj_csv *part = &first; part; part = part == &first ? &second : NULL) {
        wj_csv_status st;
        while ((st = wj_csv_next(part)) != WJ_CSV_END) {
            assert_int_equal(wj_csv_next(&whole), st);
            assert_int_equal(part->record_line, whole.record_line);
            assert_int_equal(part->nfields, whole.nfields);
            for (int i = 0; i < part->nfields; i++)
                assert_string_equal(part->fields[i], whole.fields[i]);
            n++;
        }
    }
    assert_int_equal(n, 6);
    assert_int_equal(wj_csv_next(&whole), WJ_CSV_END);
    assert_true(second.record_line > 2); /* the second half has records of its own */
    wj_csv_free(&whole);
    wj_csv_free(&first);
    wj_csv_free(&second);
}

int run_csv_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_plain_records_with_lf_and_crlf),
        cmocka_unit_test(quoted_fields_hold_commas_quotes_and_line_breaks),
        cmocka_unit_test(bom_is_skipped_and_final_break_makes_no_record),
        cmocka_unit_test(blank_lines_and_empty_rows_are_blank),
        cmocka_unit_test(trailing_comma_at_end_of_input_is_an_empty_field),
        cmocka_unit_test(malformed_records_are_reported_and_reading_goes_on),
        cmocka_unit_test(unclosed_quote_is_fatal_and_names_its_line),
        cmocka_unit_test(empty_input_has_no_records),
        cmocka_unit_test(many_fields_grow_the_record),
        cmocka_unit_test(split_halves_read_what_one_reader_reads),
        cmocka_unit_test(writer_quotes_only_when_needed),
        cmocka_unit_test(writer_output_reads_back_identically),
        cmocka_unit_test(utf8_check_rejects_bad_sequences),
        cmocka_unit_test(encodings_parse),
        cmocka_unit_test(utf8_input_is_taken_as_it_is),
        cmocka_unit_test(gb18030_is_detected_and_converted),
        cmocka_unit_test(told_utf8_refuses_gb18030),
        cmocka_unit_test(invalid_in_both_is_a_clear_error_with_a_line),
        cmocka_unit_test(utf16_and_nul_are_refused),
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
