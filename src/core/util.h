/* util.h — small string and memory helpers shared by every module. */
#ifndef WJ_UTIL_H
#define WJ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WJ_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation helpers: abort on out-of-memory (the server cannot serve without memory,
 * and every caller would otherwise repeat the same check). */
void *wj_xmalloc(size_t n);
void *wj_xcalloc(size_t n, size_t size);
void *wj_xrealloc(void *p, size_t n);
char *wj_xstrdup(const char *s);
char *wj_xstrndup(const char *s, size_t n);
/* printf into a fresh heap string. */
char *wj_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer; `data` is always NUL-terminated. */
typedef struct wj_buf {
    char *data;
    size_t len, cap;
} wj_buf;
void wj_buf_put(wj_buf *b, const void *p, size_t n);
void wj_buf_puts(wj_buf *b, const char *s);
void wj_buf_printf(wj_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wj_buf_free(wj_buf *b);

/* Zeroed memory for a large working set (tens of megabytes and more), backed by
 * transparent huge pages where the kernel allows them (madvise mode): one page fault per
 * 2 MB instead of per 4 KB. Aborts when out of memory; free with wj_huge_free and the
 * same n and size. */
void *wj_huge_calloc(size_t n, size_t size);
void wj_huge_free(void *p, size_t n, size_t size);

/* Copies `src` into `dst` of `cap` bytes (cap > 0), cut to fit and always terminated;
 * snprintf(dst, cap, "%s", src) without the format machinery, for hot paths. */
void wj_strcpy(char *dst, size_t cap, const char *src);

/* Parses a whole decimal int64; false on empty input, junk or overflow. */
bool wj_parse_i64(const char *s, int64_t *out);
/* Parses a whole finite decimal number. */
bool wj_parse_double(const char *s, double *out);
/* True when s is exactly n ASCII digits. */
bool wj_all_digits(const char *s, size_t n);
/* Counts Unicode code points of valid UTF-8; -1 when s is not valid UTF-8. */
long wj_utf8_len(const char *s);

/* base64url without padding. The returned string is heap-allocated. */
char *wj_b64url_encode(const unsigned char *p, size_t n);
/* Decodes into a heap buffer; NULL on invalid input. *n receives the length. */
unsigned char *wj_b64url_decode(const char *s, size_t *n);

/* Writes prefix + s + suffix with LIKE's wildcards in s (%, _ and \) escaped by a
 * backslash, for `… LIKE ? ESCAPE '\'` with the result bound as the parameter. */
void wj_like_pattern(char *out, size_t n, const char *prefix, const char *s, const char *suffix);

/* Lower-case hex SHA-256 of p (65 bytes written including NUL). */
void wj_sha256_hex(const void *p, size_t n, char out[65]);

#endif
