/*
 * callrec.h - one call against the contract: the fields a parser read from it, checked key by
 * key, and rendered once as the compact JSON object served for it.
 *
 * Two parsers fill a struct callrec: the fast scanner (scan.h) for flat objects, and jansson
 * for anything else (callrec_from_json). callrec_render is the one place that judges a call
 * and writes it, so both parsers give the same bytes and the same messages. The contract's
 * keys come first, in the contract's order, absent ones as null (`url` made from the id);
 * keys outside the contract follow as they came. Knows nothing of files, of duplicate ids or
 * of the order calls are served in. A struct callrec is not thread-safe; each thread reading
 * calls has its own.
 */
#ifndef GONGMOCK_CALLREC_H
#define GONGMOCK_CALLREC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jsonw.h"

/* The number of contract keys; a key's index is its place in the contract's order. */
#define CALLREC_KEYS 20

/* A value, as both parsers hand it over. */
enum callrec_kind {
	CALLREC_NULL,
	CALLREC_FALSE,
	CALLREC_TRUE,
	CALLREC_INT,
	CALLREC_STRING,
	CALLREC_OTHER /* an array, an object or a real: jansson's, rendered from its tree */
};

struct callrec_field {
	const char *key; /* decoded, key_len bytes */
	size_t key_len;
	int ckey;      /* the contract key's index, or -1 for a key outside the contract */
	int key_plain; /* the key needs no escaping (the scanner knows; 0 when unknown) */
	enum callrec_kind kind;
	const char *s; /* CALLREC_STRING: the decoded text (valid UTF-8, no NUL), len bytes */
	size_t len;
	int plain;       /* CALLREC_STRING: needs no escaping, as key_plain */
	int64_t i;       /* CALLREC_INT */
	const json_t *j; /* CALLREC_OTHER */
};

/*
 * The fields of one call, in the order read. Fields point into the text the parser read, into
 * `dec` (text the scanner had to decode) or into jansson's tree, so they are valid while those
 * are. Zero-initialise it; it is reused call after call, and callrec_free frees it.
 */
struct callrec {
	struct callrec_field *fields;
	size_t n;
	size_t cap;
	struct jsonw dec; /* the scanner's decoded strings */
};

/* What a rendered call is filed under; the pointers point into the call's fields. */
struct callrec_meta {
	int64_t date_us; /* `scheduled` for a web conference (a non-empty meetingUrl and a
	                  * schedule), `started` for anything else */
	const char *id;  /* the id's digits, id_len of them */
	size_t id_len;
	const char *workspace; /* workspaceId's digits, or NULL when it is null or absent */
	size_t workspace_len;
	int64_t started_us; /* `started` */
	int64_t duration_s; /* `duration`, or -1 when null or absent */
	const char *user;   /* primaryUserId's digits, or NULL when it is null or absent */
	size_t user_len;
	int video; /* `media` is Video */
};

void callrec_free(struct callrec *c);

/*
 * The contract key named by len bytes of key, or -1. *hint (start it at 0 for each call)
 * makes keys in the contract's order cost one comparison each.
 */
int callrec_key(const char *key, size_t len, int *hint);

/* Appends a zeroed field; NULL when out of memory. */
struct callrec_field *callrec_push(struct callrec *c);

/*
 * Fills c with the members of a jansson object, in its order. Returns 0, or -1 when out of
 * memory. The fields point into obj, which must outlive their use.
 */
int callrec_from_json(struct callrec *c, const json_t *obj);

/*
 * Checks the call against the contract, in the contract's order: `id` a string of 1-20
 * digits; `started` an ISO-8601 date-time with an offset; `scheduled` the same or null;
 * `duration` an integer or null; `isPrivate` a boolean or null; `direction` one of Inbound,
 * Outbound, Conference, Unknown; `scope` one of Internal, External, Unknown; `media` Video or
 * Audio; `language` three lower-case letters; `primaryUserId` and `workspaceId` strings of
 * 1-20 digits; the other contract keys strings or null. Returns -1 with the first bad key's
 * reason in err ("started: must be ...") and nothing written, or 0 with the rendered object
 * appended to out (whose `failed` tells of running out of memory) and *meta filled.
 */
int callrec_render(const struct callrec *c, struct jsonw *out, struct callrec_meta *meta, char *err,
                   size_t errlen);

#endif
