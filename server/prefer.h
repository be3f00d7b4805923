/*
 * prefer.h - the Prefer request header, as mock servers read it (Prism's convention):
 * `Prefer: code=429` asks for that status with Gong's error body.
 *
 * The preferences of RFC 7240 (return, respond-async, wait, handling) are a client's own
 * business and are let through; anything else a mock could be asked for is either honoured
 * or refused with the reason, never silently ignored. Pure parsing: no state, thread-safe.
 */
#ifndef GONGMOCK_PREFER_H
#define GONGMOCK_PREFER_H

#include <stddef.h>

/* The statuses `code=` may ask for: 200 (served as usual) and the ones Gong's API answers. */
#define PREFER_CODES 200, 400, 401, 403, 404, 405, 413, 415, 429, 500, 501, 502, 503, 504

/*
 * Reads a Prefer header's value. Returns 1 with *code set when it asks for a status, 0 when
 * it asks for nothing gongmock does, and -1 with the reason in why (a sentence for a 400)
 * when it asks for what cannot be honoured: a code that is not three digits or not one of
 * PREFER_CODES, a preference given twice, Prism's `example` or `dynamic`, or a preference
 * nobody defines (a misspelt `code`, most likely).
 */
__attribute__((warn_unused_result)) int prefer_parse(const char *value, unsigned *code, char *why,
                                                     size_t whylen);

#endif
