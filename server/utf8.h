/*
 * utf8.h - checking UTF-8, as RFC 3629 defines it: no overlong forms, no surrogates, nothing
 * past U+10FFFF. Pure functions, safe from any thread.
 */
#ifndef GONGMOCK_UTF8_H
#define GONGMOCK_UTF8_H

#include <stddef.h>

/*
 * The length (1 to 4) of the well-formed UTF-8 sequence that starts at s, of at most len
 * bytes; 0 when s does not start one (or len is 0). ASCII, control characters included, is 1.
 */
size_t utf8_seq(const unsigned char *s, size_t len);

/* 1 when all n bytes of s are well-formed UTF-8 (NUL bytes included), else 0. */
int utf8_valid(const char *s, size_t n);

#endif
