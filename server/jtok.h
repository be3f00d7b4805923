/*
 * jtok.h - JSON text as a flat array of tokens: checked in full, walked without a tree.
 *
 * A call with every block and a transcript is thousands of values; building a tree of them
 * (a malloc each), then writing them back out, numbers through printf, is most of what loading
 * a large dataset would cost. jtok checks the text once (syntax, UTF-8, escapes, numbers,
 * nesting) and records each value's span and where its subtree ends, so the parts of a call can
 * be checked by walking the tokens and kept by copying their bytes. Knows nothing of calls.
 * A struct jtoks is used by one thread at a time.
 */
#ifndef GONGMOCK_JTOK_H
#define GONGMOCK_JTOK_H

#include <stddef.h>
#include <stdint.h>

#include "jsonw.h"

enum jtok_type {
	JTOK_OBJECT,
	JTOK_ARRAY,
	JTOK_STRING,
	JTOK_NUMBER,
	JTOK_TRUE,
	JTOK_FALSE,
	JTOK_NULL
};

/* Deepest nesting accepted. */
#define JTOK_DEPTH_MAX 64

struct jtok {
	uint8_t type;
	uint8_t integer; /* JTOK_NUMBER: no fraction or exponent */
	uint8_t plain;   /* JTOK_STRING: no escape between the quotes */
	uint32_t start;  /* the value's bytes are text[start, end); a string's include its quotes */
	uint32_t end;
	uint32_t next; /* the index of the token after this value's subtree */
	uint32_t n;    /* JTOK_OBJECT: members (each a key token, then its value's subtree);
	                * JTOK_ARRAY: elements */
};

/* Zero-initialise; reused text after text; jtok_free frees it. */
struct jtoks {
	struct jtok *t;
	size_t n;
	size_t cap;
	int spaced; /* the value holds white space outside its strings (jtok_copy then drops it) */
};

/*
 * Tokenises one JSON value filling len bytes of text (white space around it allowed).
 * Returns 0, or -1 when the text is not one valid JSON value, is over 4 GB, or memory runs
 * out (callers that word errors ask a full parser why). Token 0 is the value.
 */
int jtok_parse(struct jtoks *ts, const char *text, size_t len);

void jtok_free(struct jtoks *ts);

/* The value of member `key` of object token `obj`, or -1 (also when obj is not an object).
 * Keys are compared as decoded text. */
long jtok_get(const struct jtoks *ts, const char *text, size_t obj, const char *key);

/* The index of element i of array token `arr` (i < its n). */
size_t jtok_at(const struct jtoks *ts, size_t arr, size_t i);

/* Whether string token i is exactly the decoded text s. */
int jtok_is(const struct jtoks *ts, const char *text, size_t i, const char *s);

/* An integer token's value; 0 when it does not fit an int64_t (*ok 0 then, else 1). */
int64_t jtok_int(const struct jtoks *ts, const char *text, size_t i, int *ok);

/* Whether string token i is 1-20 ASCII digits. */
int jtok_is_id(const struct jtoks *ts, const char *text, size_t i);

/* Appends token i's value, compact (white space outside strings dropped), to out. */
void jtok_copy(const struct jtoks *ts, const char *text, size_t i, struct jsonw *out);

#endif
