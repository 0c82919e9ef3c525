/* util.c — see util.h. */
#include "util.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void oom(void)
{
    fputs("weijian: out of memory\n", stderr);
    abort();
}

void *wj_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *wj_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

void *wj_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

char *wj_xstrdup(const char *s)
{
    return wj_xstrndup(s, strlen(s));
}

char *wj_xstrndup(const char *s, size_t n)
{
    char *p = wj_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *wj_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    int n = vasprintf(&out, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    return out;
}

static void buf_reserve(wj_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        oom();
    b->data = p;
    b->cap = cap;
}

void wj_buf_put(wj_buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void wj_buf_puts(wj_buf *b, const char *s)
{
    wj_buf_put(b, s, strlen(s));
}

void wj_buf_printf(wj_buf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

void wj_buf_free(wj_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

bool wj_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    if (!((*s >= '0' && *s <= '9') || *s == '-'))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool wj_parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    /* strtod alone also takes leading blanks, hexadecimal ("0x1p3"), "infinity" and "nan":
     * only sign, digits, point and exponent belong to a decimal number. */
    if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.' || *p == 'e' || *p == 'E'))
            return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool wj_all_digits(const char *s, size_t n)
{
    if (!s || strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

void *wj_huge_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        oom();
    size_t len = n * size > 0 ? n * size : 1;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        oom();
    madvise(p, len, MADV_HUGEPAGE); /* a hint: without it the memory is as good */
    return p;
}

void wj_huge_free(void *p, size_t n, size_t size)
{
    if (p)
        munmap(p, n * size > 0 ? n * size : 1);
}

void wj_strcpy(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memmove(dst, src, n);
    dst[n] = '\0';
}

long wj_utf8_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    long n = 0;
    while (*p) {
        int extra;
        unsigned cp;
        if (*p < 0x80) {
            extra = 0;
            cp = *p;
        } else if ((*p & 0xE0) == 0xC0) {
            extra = 1;
            cp = *p & 0x1F;
        } else if ((*p & 0xF0) == 0xE0) {
            extra = 2;
            cp = *p & 0x0F;
        } else if ((*p & 0xF8) == 0xF0) {
            extra = 3;
            cp = *p & 0x07;
        } else {
            return -1;
        }
        p++;
        for (int i = 0; i < extra; i++, p++) {
            if ((*p & 0xC0) != 0x80)
                return -1;
            cp = (cp << 6) | (*p & 0x3F);
        }
        /* Reject overlong forms, surrogates and values past U+10FFFF. */
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return -1;
        n++;
    }
    return n;
}

char *wj_b64url_encode(const unsigned char *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = wj_xmalloc(cap);
    sodium_bin2base64(out, cap, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

unsigned char *wj_b64url_decode(const char *s, size_t *n)
{
    size_t len = strlen(s);
    unsigned char *out = wj_xmalloc(len + 1);
    if (sodium_base642bin(out, len + 1, s, len, NULL, n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

void wj_sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, p, n);
    sodium_bin2hex(out, 65, h, sizeof h);
}

void wj_like_pattern(char *out, size_t n, const char *prefix, const char *s, const char *suffix)
{
    size_t k = (size_t)snprintf(out, n, "%s", prefix);
    for (; *s && k + 2 < n; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            out[k++] = '\\';
        out[k++] = *s;
    }
    snprintf(out + k, n - k, "%s", suffix);
}
