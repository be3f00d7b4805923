/*
 * builtin.h - the built-in fixtures: fixtures/calls.json, compiled into the binary gzipped
 * (embed.S) so that gongmock serves them from any directory, and inflated once when first
 * asked for.
 */
#ifndef GONGMOCK_BUILTIN_H
#define GONGMOCK_BUILTIN_H

#include <stddef.h>

/*
 * The built-in fixtures' JSON and its length (*len), NUL-terminated. Inflated on the first
 * call and kept for the life of the process: the caller must not free it. NULL only when
 * memory runs out, or the compiled-in data is damaged (a broken build). Thread-safe.
 */
const char *builtin_fixtures(size_t *len);

#endif
