/* test_auth.c — password hashing (argon2id) and verification; role names. */
#include <string.h>

#include "auth.h"
#include "unit.h"

static void hash_and_verify(void **state)
{
    (void)state;
    char hash[WJ_PWHASH_MAX];
    memset(hash, 0, sizeof hash);
    assert_true(wj_password_hash("correct horse 电池 staple", hash));
    /* argon2id, version 19, 19 MiB, 2 passes (the OWASP minimum). */
    const char *prefix = "$argon2id$v=19$m=19456,t=2";
    assert_memory_equal(hash, prefix, strlen(prefix));
    assert_true(strlen(hash) < WJ_PWHASH_MAX);

    assert_true(wj_password_verify(hash, "correct horse 电池 staple"));
    assert_false(wj_password_verify(hash, "correct horse 电池 stapler"));
    assert_false(wj_password_verify(hash, ""));
    assert_false(wj_password_verify(hash, "Correct horse 电池 staple"));

    /* Salted: the same password hashes differently each time, and both verify. */
    char again[WJ_PWHASH_MAX];
    assert_true(wj_password_hash("correct horse 电池 staple", again));
    assert_string_not_equal(hash, again);
    assert_true(wj_password_verify(again, "correct horse 电池 staple"));
}

static void verify_without_hash_is_false(void **state)
{
    (void)state;
    /* Unknown user: NULL hash. Always false, whatever the password — also the one the
     * internal dummy hash was made from. */
    assert_false(wj_password_verify(NULL, "anything"));
    assert_false(wj_password_verify(NULL, "weijian-no-such-user"));
    assert_false(wj_password_verify(NULL, ""));
    /* A stored value that is no hash at all. */
    assert_false(wj_password_verify("", "anything"));
    assert_false(wj_password_verify("not a hash", "not a hash"));
    assert_false(wj_password_verify("$argon2id$v=19$m=19456,t=2,p=1$garbage", "x"));
}

static void role_names(void **state)
{
    (void)state;
    assert_string_equal(wj_role_name(WJ_ROLE_RESIDENT), "resident");
    assert_string_equal(wj_role_name(WJ_ROLE_AUDITOR), "auditor");
    assert_string_equal(wj_role_name((wj_role)WJ_ROLE_COUNT), "?");
    for (int i = 0; i < WJ_ROLE_COUNT; i++)
        assert_int_equal(wj_role_parse(wj_role_name((wj_role)i)), i);
    assert_int_equal(wj_role_parse("Auditor"), -1);
    assert_int_equal(wj_role_parse(""), -1);
    assert_int_equal(wj_role_parse(NULL), -1);
}

int run_auth_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_and_verify),
        cmocka_unit_test(verify_without_hash_is_false),
        cmocka_unit_test(role_names),
    };
    return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
