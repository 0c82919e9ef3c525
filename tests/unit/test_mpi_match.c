/* test_mpi_match.c — name and address keys, blocking keys, the Fellegi–Sunter score with
 * the default weights on the cases they were designed for, and the weights file. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/modules/mpi_match.h"
#include "unit.h"
#include "util.h"

/* ---- keys ---- */

static void expect_keys(const char *name, const char *simp, const char *pinyin)
{
    char s[MPI_NAME_MAX], p[MPI_PINYIN_MAX];
    mpi_name_keys(name, s, p);
    assert_string_equal(s, simp);
    assert_string_equal(p, pinyin);
}

static void name_keys_script(void **state)
{
    (void)state;
    expect_keys("張三", "张三", "zhang san");
    expect_keys("张三", "张三", "zhang san");
    expect_keys(" 张 三 ", "张三", "zhang san");
    expect_keys("王建國", "王建国", "wang jian guo");
    expect_keys("", "", "");
}

static void name_keys_surnames(void **state)
{
    (void)state;
    /* 单 reads dan, but as a surname shan; traditional 單 first becomes 单. */
    expect_keys("單田芳", "单田芳", "shan tian fang");
    expect_keys("单田芳", "单田芳", "shan tian fang");
    expect_keys("王单", "王单", "wang dan"); /* not the first character */
    expect_keys("单", "单", "dan");          /* a single character is no surname */
    expect_keys("曾国藩", "曾国藩", "zeng guo fan");
    expect_keys("解缙", "解缙", "xie jin");
    expect_keys("仇英", "仇英", "qiu ying");
    expect_keys("朴树", "朴树", "piao shu");
    expect_keys("区志强", "区志强", "ou zhi qiang");
    expect_keys("查良镛", "查良镛", "zha liang yong");
}

static void name_keys_width_dots_latin(void **state)
{
    (void)state;
    expect_keys("ＬＩ　Ｍｉｎｇ", "liming", "li ming"); /* full-width letters and space */
    expect_keys("李Ａ", "李a", "li a");
    /* Uyghur names transcribed with a separating dot, however it was typed. */
    expect_keys("阿卜杜拉·艾则孜", "阿卜杜拉艾则孜", "a bo du la ai ze zi");
    expect_keys("阿卜杜拉•艾则孜", "阿卜杜拉艾则孜", "a bo du la ai ze zi");
    expect_keys("阿卜杜拉・艾则孜", "阿卜杜拉艾则孜", "a bo du la ai ze zi");
    expect_keys("阿卜杜拉.艾则孜", "阿卜杜拉艾则孜", "a bo du la ai ze zi");
    expect_keys("阿卜杜拉 · 艾则孜", "阿卜杜拉艾则孜", "a bo du la ai ze zi");
    /* Latin names keep their words; accented letters fold in the pinyin key only. */
    expect_keys("  John  SMITH ", "johnsmith", "john smith");
    expect_keys("JOSÉ García", "joségarcía", "jose garcia");
    expect_keys("Mary-Jane O.Neil", "mary-janeoneil", "mary-jane o neil");
}

static void name_keys_truncate(void **state)
{
    (void)state;
    char name[400] = "", s[MPI_NAME_MAX], p[MPI_PINYIN_MAX];
    for (int i = 0; i < 60; i++)
        strcat(name, "國");
    mpi_name_keys(name, s, p);
    /* Whole characters only, and the same number of them in both keys. */
    long n = wj_utf8_len(s);
    assert_true(n > 0 && n * 3 == (long)strlen(s) && strlen(s) < MPI_NAME_MAX);
    assert_int_equal(strncmp(s, "国", 3), 0);
    long syllables = 1;
    for (const char *c = p; *c; c++)
        syllables += *c == ' ';
    assert_int_equal(syllables, n);
}

static void address_key(void **state)
{
    (void)state;
    char out[256];
    mpi_address_key("山東省濟南市　歷下區 文化東路１２號（3單元）501室", out);
    assert_string_equal(out, "山东省济南市历下区文化东路12号3单元501室");
    mpi_address_key("山东省济南市历下区文化东路12号3单元501室", out);
    assert_string_equal(out, "山东省济南市历下区文化东路12号3单元501室");
    mpi_address_key("Room 5, No.8 Jingshi Rd.", out);
    assert_string_equal(out, "room5no8jingshird");
    mpi_address_key("", out);
    assert_string_equal(out, "");
    /* A long address stops at a whole character. */
    char lng[1000] = "";
    for (int i = 0; i < 120; i++)
        strcat(lng, "路");
    mpi_address_key(lng, out);
    assert_int_equal(strlen(out), 255);
    assert_int_equal(wj_utf8_len(out), 85);
}

/* ---- records ---- */

typedef struct rec {
    char name[MPI_NAME_MAX], pinyin[MPI_PINYIN_MAX], address[256];
    mpi_demog d;
} rec;

static void rec_make(rec *r, const char *name, const char *sex, const char *dob, const char *phone,
                     const char *address, const char *area, const char *id_card)
{
    mpi_name_keys(name, r->name, r->pinyin);
    mpi_address_key(address, r->address);
    r->d = (mpi_demog){r->name, r->pinyin, sex, dob, phone, r->address, area, id_card};
}

#define ADDR "山东省济南市历下区文化东路12号3单元501室"
#define AREA "370102001001"

/* The person every case is compared with. */
static void base(rec *r)
{
    rec_make(r, "王建国", "male", "1965-04-08", "13912345678", ADDR, AREA, "");
}

static const char *level_of(const mpi_explain *why, const char *field)
{
    for (int i = 0; i < why->n; i++)
        if (strcmp(why->parts[i].field, field) == 0)
            return why->parts[i].level;
    return NULL;
}

static double score(const rec *a, const rec *b, mpi_explain *why)
{
    return mpi_score(&a->d, &b->d, &mpi_weights_default, why);
}

static void blocking_keys(void **state)
{
    (void)state;
    rec a, b;
    mpi_blocks ka, kb;
    base(&a);
    mpi_blocking_keys(&a.d, &ka);
    assert_string_equal(ka.name_year, "wangjianguo|1965");
    assert_string_equal(ka.dob_sex, "1965-04-08|male");
    assert_string_equal(ka.phone, "13912345678");
    /* Swapped day and month, traditional script, homophone: blocks still shared. */
    rec_make(&b, "王建國", "male", "1965-08-04", "", "", "", "");
    mpi_blocking_keys(&b.d, &kb);
    assert_string_equal(kb.name_year, ka.name_year);
    assert_string_equal(kb.dob_sex, ka.dob_sex);
    assert_string_equal(kb.phone, "");
    rec_make(&b, "王建果", "male", "1965-12-30", "", "", "", "");
    mpi_blocking_keys(&b.d, &kb);
    assert_string_equal(kb.name_year, ka.name_year);
    assert_string_equal(kb.dob_sex, "1965-12-30|male");
    /* Unknown parts leave their keys empty. */
    rec_make(&b, "王建国", "unknown", "", "13912345678", "", "", "");
    mpi_blocking_keys(&b.d, &kb);
    assert_string_equal(kb.name_year, "");
    assert_string_equal(kb.dob_sex, "");
    assert_string_equal(kb.phone, "13912345678");
    rec_make(&b, "", "female", "1965-04-08", "", "", "", "");
    mpi_blocking_keys(&b.d, &kb);
    assert_string_equal(kb.name_year, "");
    assert_string_equal(kb.dob_sex, "1965-04-08|female");
}

/* ---- levels ---- */

static const char *name_level(const char *x, const char *y)
{
    rec a, b;
    rec_make(&a, x, "", "", "", "", "", "");
    rec_make(&b, y, "", "", "", "", "", "");
    static mpi_explain why;
    score(&a, &b, &why);
    return level_of(&why, "name");
}

static void name_levels(void **state)
{
    (void)state;
    assert_string_equal(name_level("张三", "張三"), "exact");
    assert_string_equal(name_level("张三", "章三"), "pinyin");
    assert_string_equal(name_level("张三丰", "张三峰"), "pinyin");
    assert_string_equal(name_level("张三丰", "张三山"), "one_char");
    assert_string_equal(name_level("张小明", "李小明"), "one_char");
    /* 张/章 differ by sound only; 明/红 is the one real difference. */
    assert_string_equal(name_level("张小明", "章小红"), "one_char");
    assert_string_equal(name_level("张小明", "张大红"), "surname_only");
    assert_string_equal(name_level("张三", "张三丰"), "surname_only");
    assert_string_equal(name_level("张三", "李四"), "different");
    assert_string_equal(name_level("John Smith", "Joan Smith"), "one_char");
    assert_string_equal(name_level("张三", ""), "missing");
}

static const char *dob_level(const char *x, const char *y)
{
    rec a, b;
    rec_make(&a, "", "", x, "", "", "", "");
    rec_make(&b, "", "", y, "", "", "", "");
    static mpi_explain why;
    score(&a, &b, &why);
    return level_of(&why, "birth_date");
}

static void dob_levels(void **state)
{
    (void)state;
    assert_string_equal(dob_level("1980-03-12", "1980-03-12"), "exact");
    assert_string_equal(dob_level("1980-03-12", "1980-12-03"), "swapped");
    assert_string_equal(dob_level("1980-01-10", "1980-10-01"), "swapped");
    assert_string_equal(dob_level("1980-03-12", "1980-03-13"), "one_digit");
    assert_string_equal(dob_level("1980-03-12", "1981-03-12"), "one_digit");
    assert_string_equal(dob_level("1980-03-12", "1980-07-25"), "same_year");
    assert_string_equal(dob_level("1980-03-15", "1980-12-03"), "same_year"); /* 15 is no month */
    assert_string_equal(dob_level("1980-03-12", "1975-03-12"), "different");
    assert_string_equal(dob_level("1980-03-12", ""), "missing");
    assert_string_equal(dob_level("1980-03", "1980-03-12"), "missing");
}

static void other_fields(void **state)
{
    (void)state;
    rec a, b;
    mpi_explain why;
    rec_make(&a, "", "male", "", "139", "", "370102001001", "11010519491231002X");
    rec_make(&b, "", "female", "", "139", "", "370102001002", "11010519491231002x");
    assert_true(score(&a, &b, &why) == -8 + 9 - 1);
    assert_int_equal(why.n, 7);
    assert_string_equal(level_of(&why, "sex"), "disagree");
    assert_string_equal(level_of(&why, "phone"), "agree");
    assert_string_equal(level_of(&why, "address"), "missing");
    assert_string_equal(level_of(&why, "area_code"), "disagree");
    assert_string_equal(level_of(&why, "id_card"), "agree"); /* x and X are one number */
    rec_make(&b, "", "other", "", "", "", "", "370202198003121232");
    assert_true(score(&a, &b, &why) == -40);
    assert_string_equal(level_of(&why, "sex"), "missing"); /* other: no evidence */
    assert_string_equal(level_of(&why, "id_card"), "conflict");
    assert_true(score(&a, &b, NULL) == -40);
}

/* ---- the design cases of the default weights ---- */

static const mpi_weights *W = &mpi_weights_default;

static void case_variant_names_link(void **state)
{
    (void)state;
    rec a, b;
    mpi_explain why;
    base(&a);
    rec_make(&b, "王建國", "male", "1965-04-08", "13912345678", ADDR, AREA, "");
    assert_true(score(&a, &b, &why) == 36.5);
    assert_string_equal(level_of(&why, "name"), "exact");
    rec_make(&b, "王建果", "male", "1965-04-08", "13912345678", ADDR, AREA, ""); /* homophone */
    assert_true(score(&a, &b, &why) == 33.5);
    assert_string_equal(level_of(&why, "name"), "pinyin");
    assert_true(33.5 >= W->upper);
}

static void case_swapped_dob_links(void **state)
{
    (void)state;
    rec a, b;
    mpi_explain why;
    base(&a);
    rec_make(&b, "王建国", "male", "1965-08-04", "13912345678", ADDR, AREA, "");
    double s = score(&a, &b, &why);
    assert_true(s == 33.5 && s >= W->upper);
    assert_string_equal(level_of(&why, "birth_date"), "swapped");
}

static void case_new_phone_links(void **state)
{
    (void)state;
    rec a, b;
    base(&a);
    rec_make(&b, "王建国", "male", "1965-04-08", "13700001111", ADDR, AREA, "");
    double s = score(&a, &b, NULL);
    assert_true(s == 26 && s >= W->upper);
}

static void case_twins_review(void **state)
{
    (void)state;
    rec a, b;
    mpi_explain why;
    /* One character apart, not by sound. */
    rec_make(&a, "李晓明", "male", "2010-06-01", "13912345678", ADDR, AREA, "");
    rec_make(&b, "李晓亮", "male", "2010-06-01", "13912345678", ADDR, AREA, "");
    double s = score(&a, &b, &why);
    assert_string_equal(level_of(&why, "name"), "one_char");
    assert_true(s == 22.5 && s < W->upper && s >= W->lower);
    /* Whole given names apart. */
    rec_make(&b, "李志强", "male", "2010-06-01", "13912345678", ADDR, AREA, "");
    s = score(&a, &b, &why);
    assert_string_equal(level_of(&why, "name"), "surname_only");
    assert_true(s == 21.5 && s < W->upper && s >= W->lower);
}

static void case_namesakes_new_person(void **state)
{
    (void)state;
    rec a, b;
    /* Same name, same year, another day, another phone and address; same area at worst. */
    rec_make(&a, "张伟", "male", "1985-03-02", "13912345678", ADDR, AREA, "");
    rec_make(&b, "张伟", "male", "1985-11-20", "13800002222", "山东省济南市历下区山大路99号", AREA, "");
    double s = score(&a, &b, NULL);
    assert_true(s == 7 && s < W->lower);
    rec_make(&b, "张伟", "male", "1985-11-20", "13800002222", "山东省济南市市中区经七路1号", "370103001001", "");
    s = score(&a, &b, NULL);
    assert_true(s == 4 && s < W->lower);
}

static void case_same_name_same_dob_elsewhere_review(void **state)
{
    (void)state;
    rec a, b;
    rec_make(&a, "张伟", "male", "1985-03-02", "13912345678", ADDR, AREA, "");
    rec_make(&b, "张伟", "male", "1985-03-02", "13800002222", "山东省青岛市市南区香港中路10号", "370202001001", "");
    double s = score(&a, &b, NULL);
    assert_true(s == 17 && s < W->upper && s >= W->lower);
}

static void case_id_conflict_never_links(void **state)
{
    (void)state;
    rec a, b;
    mpi_explain why;
    rec_make(&a, "王建国", "male", "1965-04-08", "13912345678", ADDR, AREA, "370102196504080012");
    rec_make(&b, "王建国", "male", "1965-04-08", "13912345678", ADDR, AREA, "370102196504080039");
    double s = score(&a, &b, &why);
    assert_true(s == 36.5 - 40 && s < W->lower);
    assert_string_equal(level_of(&why, "id_card"), "conflict");
    /* The veto holds even over the largest sum the other fields can give. */
    assert_true(W->name[MPI_NAME_EXACT] + W->dob[MPI_DOB_EXACT] + W->sex_agree + W->phone_agree + W->address_agree +
                    W->area_agree + W->id_card_conflict <
                W->lower);
}

/* ---- weights file ---- */

static char *write_temp(const char *text)
{
    const char *dir = getenv("TMPDIR");
    char *path = wj_xasprintf("%s/weijian-unit-weights-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void weights_load(void **state)
{
    (void)state;
    char err[128] = "";
    mpi_weights w = mpi_weights_default;
    char *path = write_temp("# tuned on 2,000 reviews\n\nname.exact = 11\n  threshold.upper=25.5   # stricter\r\n"
                            "id_card.conflict = -50\ndob.swapped=5\n");
    assert_true(mpi_weights_load(path, &w, err, sizeof err));
    assert_true(w.name[MPI_NAME_EXACT] == 11);
    assert_true(w.upper == 25.5);
    assert_true(w.id_card_conflict == -50);
    assert_true(w.dob[MPI_DOB_SWAPPED] == 5);
    assert_true(w.lower == mpi_weights_default.lower); /* the rest stay the defaults */
    assert_true(w.phone_agree == mpi_weights_default.phone_agree);
    unlink(path);
    free(path);
}

static void expect_load_error(const char *text, const char *msg)
{
    char err[128] = "";
    mpi_weights w = mpi_weights_default;
    w.upper = 99; /* must survive a failed load */
    char *path = write_temp(text);
    bool ok = mpi_weights_load(path, &w, err, sizeof err);
    unlink(path);
    free(path);
    assert_false(ok);
    assert_string_equal(err, msg);
    assert_true(w.upper == 99);
}

static void weights_load_errors(void **state)
{
    (void)state;
    expect_load_error("name.exact = 11\n# fine\nfoo = 1\n", "line 3: unknown key foo");
    expect_load_error("name.exact 11\n", "line 1: expected key = value");
    expect_load_error("\nphone.agree = lots\n", "line 2: phone.agree is not a number: lots");
    expect_load_error("phone.agree =\n", "line 1: phone.agree is not a number: ");
    expect_load_error("threshold.lower = 30\n", "threshold.lower (30) is above threshold.upper (24)");
    char err[128];
    mpi_weights w;
    assert_false(mpi_weights_load("/nonexistent/weights.conf", &w, err, sizeof err));
    assert_string_equal(err, "cannot open /nonexistent/weights.conf: No such file or directory");
}

/* mpi_weights_current reads the environment once per process, so each run is in a child. */
static double current_upper_in_child(const char *env)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (env)
            setenv("WEIJIAN_MPI_WEIGHTS", env, 1);
        else
            unsetenv("WEIJIAN_MPI_WEIGHTS");
        double up = mpi_weights_current()->upper;
        _exit(write(fds[1], &up, sizeof up) == sizeof up && mpi_weights_current() == mpi_weights_current() ? 0 : 1);
    }
    close(fds[1]);
    double up = -1;
    ssize_t got = read(fds[0], &up, sizeof up);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_int_equal(got, (ssize_t)sizeof up);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return up;
}

static void weights_current(void **state)
{
    (void)state;
    char *path = write_temp("threshold.upper = 30\n");
    char *bad = write_temp("threshold.upper = 30\nbogus = 1\n");
    assert_true(current_upper_in_child(NULL) == 24);
    assert_true(current_upper_in_child(path) == 30);
    assert_true(current_upper_in_child(bad) == 24); /* reported, defaults kept */
    unlink(path);
    unlink(bad);
    free(path);
    free(bad);
}

/* ---- init, failure, threads ---- */

/* Runs f with stderr captured; returns what it wrote (heap). */
static char *capture_stderr(bool (*f)(const char *), const char *arg, bool *result)
{
    char *path = write_temp("");
    fflush(stderr);
    int saved = dup(2), fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    *result = f(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    FILE *in = fopen(path, "r");
    char *text = wj_xcalloc(1, 512);
    size_t got = fread(text, 1, 511, in);
    (void)got;
    fclose(in);
    unlink(path);
    free(path);
    return text;
}

static void init_missing_config(void **state)
{
    (void)state;
    mpi_match_shutdown();
    bool ok = true;
    char *msg = capture_stderr(mpi_match_init_config, "/nonexistent/t2s.json", &ok);
    assert_false(ok);
    assert_non_null(strstr(msg, "OpenCC"));
    assert_non_null(strstr(msg, "/nonexistent/t2s.json"));
    free(msg);
    /* Without the engines the keys are the characters as written. */
    expect_keys("張三", "張三", "張 三");
    /* A later init with the real configuration recovers. */
    assert_true(mpi_match_init());
    assert_true(mpi_match_init()); /* idempotent */
    expect_keys("張三", "张三", "zhang san");
}

#define N_THREADS 8

static const char *const thread_names[][3] = {
    {"張三", "张三", "zhang san"},
    {"單田芳", "单田芳", "shan tian fang"},
    {"歐陽修", "欧阳修", "ou yang xiu"},
    {"阿卜杜拉·艾则孜", "阿卜杜拉艾则孜", "a bo du la ai ze zi"},
    {"劉德華", "刘德华", "liu de hua"},
};

static void *thread_keys(void *arg)
{
    (void)arg;
    char s[MPI_NAME_MAX], p[MPI_PINYIN_MAX];
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < WJ_ARRAY_LEN(thread_names); i++) {
            mpi_name_keys(thread_names[i][0], s, p);
            if (strcmp(s, thread_names[i][1]) != 0 || strcmp(p, thread_names[i][2]) != 0)
                return (void *)1;
        }
    }
    return NULL;
}

static void threads_share_the_cache(void **state)
{
    (void)state;
    mpi_match_shutdown(); /* a cold cache: the threads race to fill it */
    pthread_t t[N_THREADS];
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_keys, NULL), 0);
    int failed = 0;
    for (int i = 0; i < N_THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        failed += r != NULL;
    }
    assert_int_equal(failed, 0);
}

static int group_setup(void **state)
{
    (void)state;
    return mpi_match_init() ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    mpi_match_shutdown();
    return 0;
}

int run_mpi_match_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(name_keys_script),
        cmocka_unit_test(name_keys_surnames),
        cmocka_unit_test(name_keys_width_dots_latin),
        cmocka_unit_test(name_keys_truncate),
        cmocka_unit_test(address_key),
        cmocka_unit_test(blocking_keys),
        cmocka_unit_test(name_levels),
        cmocka_unit_test(dob_levels),
        cmocka_unit_test(other_fields),
        cmocka_unit_test(case_variant_names_link),
        cmocka_unit_test(case_swapped_dob_links),
        cmocka_unit_test(case_new_phone_links),
        cmocka_unit_test(case_twins_review),
        cmocka_unit_test(case_namesakes_new_person),
        cmocka_unit_test(case_same_name_same_dob_elsewhere_review),
        cmocka_unit_test(case_id_conflict_never_links),
        cmocka_unit_test(weights_load),
        cmocka_unit_test(weights_load_errors),
        cmocka_unit_test(weights_current),
        cmocka_unit_test(init_missing_config),
        cmocka_unit_test(threads_share_the_cache),
    };
    return cmocka_run_group_tests_name("mpi_match", tests, group_setup, group_teardown);
}
