/*
 * jsonw.h - a growable byte buffer for writing JSON (and any other text) by hand.
 *
 * Every piece of JSON gongmock renders itself goes through here: the calls rendered once at
 * load, error bodies, log lines, the control API's answers, cassette lines and generated
 * data. Escaping follows jansson's compact output: `"`, `\` and control characters are
 * escaped, with \b \f \n \r \t where JSON has them and \u00XX otherwise; everything else,
 * UTF-8 included, is written as it is.
 *
 * A buffer that fails to grow remembers it (`failed`) and ignores every later write, so a
 * writer checks once, at the end. A struct jsonw is not thread-safe; zero-initialise it
 * (`struct jsonw b = {0};`) or use jsonw_init.
 */
#ifndef GONGMOCK_JSONW_H
#define GONGMOCK_JSONW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct jsonw {
	char *p;    /* the bytes, owned; NUL-terminated after jsonw_finish */
	size_t len; /* bytes written */
	size_t cap; /* bytes allocated */
	int failed; /* out of memory once: every later write is ignored */
};

/* Escaping options for jsonw_escaped and jsonw_escape_to. */
enum {
	/* Bytes that are not well-formed UTF-8 become '?', and DEL is escaped too: for text
	 * that came from a client (log lines, cassettes) and must stay valid JSON. */
	JSONW_CLEAN = 1
};

void jsonw_init(struct jsonw *b);

/* Makes room for `more` bytes past len; sets failed when it cannot. */
void jsonw_reserve(struct jsonw *b, size_t more);

void jsonw_mem(struct jsonw *b, const void *s, size_t n);
void jsonw_str(struct jsonw *b, const char *s); /* a C string, as it is */
void jsonw_char(struct jsonw *b, char c);
#define JSONW_LIT(b, s) jsonw_mem((b), (s), sizeof(s) - 1)

void jsonw_int(struct jsonw *b, int64_t v);
void jsonw_uint(struct jsonw *b, uint64_t v);
/* The shortest text that reads back as the same double, with ".0" when it would otherwise
 * read as an integer, as jansson writes reals. NaN and infinities, which JSON cannot carry,
 * are written as null. */
void jsonw_real(struct jsonw *b, double v);

/* n bytes of s as the inside of a JSON string (no quotes), escaped; flags: JSONW_CLEAN. */
void jsonw_escaped(struct jsonw *b, const char *s, size_t n, int flags);
/* n bytes of s as a quoted JSON string; flags: JSONW_CLEAN. */
void jsonw_string(struct jsonw *b, const char *s, size_t n, int flags);

/*
 * Escapes n bytes of s into out, a fixed buffer of `cap` bytes, as jsonw_escaped does, and
 * stops before a character that would not fit whole; returns the bytes written (no NUL). For
 * callers that write into a line of bounded size (the access log).
 */
size_t jsonw_escape_to(char *out, size_t cap, const char *s, size_t n, int flags);

/* Any jansson value, compact, object keys in their stored order. */
void jsonw_value(struct jsonw *b, const json_t *j);

/*
 * Ends the text with a NUL (not counted in len) and hands the bytes over: returns them (the
 * caller frees) and empties b, or NULL when any write failed (b is freed then too). An empty
 * buffer gives "". len may be NULL.
 */
char *jsonw_finish(struct jsonw *b, size_t *len);

/* Frees the bytes; b is empty and usable again. jsonw_free on an empty buffer is a no-op. */
void jsonw_free(struct jsonw *b);

#endif
