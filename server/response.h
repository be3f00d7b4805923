/*
 * response.h - a response as the handlers build it: status, headers, and a body made of
 * pieces (owned buffers or borrowed bytes), sent by the HTTP layer without copying.
 *
 * A response belongs to one request and one thread. response_free releases what it owns and
 * runs its release hook (used to unpin the store that borrowed pieces point into).
 */
#ifndef GONGMOCK_RESPONSE_H
#define GONGMOCK_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#define RESPONSE_MAX_HEADERS 16
#define RESPONSE_HEADER_NAME_MAX 64
#define RESPONSE_HEADER_VALUE_MAX 256
#define RESPONSE_MAX_OWNED 4

#define RESPONSE_JSON_TYPE "application/json; charset=utf-8"

struct response_header {
	char name[RESPONSE_HEADER_NAME_MAX];
	char value[RESPONSE_HEADER_VALUE_MAX];
};

/* How to break an answer on purpose (fault simulation). */
enum response_fault {
	RESPONSE_FAULT_NONE = 0,
	RESPONSE_FAULT_RESET,    /* close the connection with no answer */
	RESPONSE_FAULT_EMPTY,    /* send the headers, then close */
	RESPONSE_FAULT_TRUNCATE, /* send half the body, then close */
	RESPONSE_FAULT_SLOW      /* dribble the body over slow_ms */
};

struct response;

/* Lets a deferred answer go: called once, from any thread, when r is filled. */
typedef void response_resume_fn(struct response *r, void *resume_cls);

/*
 * Starts the work that will fill a deferred answer; it must end by calling resume(r,
 * resume_cls) exactly once, from any thread (this one included). Until then the request the
 * handler saw stays valid and its connection waits, holding no thread.
 */
typedef void response_defer_fn(struct response *r, void *defer_cls, response_resume_fn *resume,
                               void *resume_cls);

struct response_piece {
	const void *base;
	size_t len;
};

struct response {
	unsigned status;    /* 0 until a handler sets it */
	const char *source; /* where the answer came from, for the log: "fixture", "error", ... */
	char source_text[160]; /* room for a source made per request (source may point here) */
	char request_id[20];   /* the requestId of the body; copied into x-traceid */
	size_t nheaders;
	struct response_header headers[RESPONSE_MAX_HEADERS];
	size_t npieces; /* body = the pieces, in order */
	size_t cap_pieces;
	struct response_piece *pieces;
	struct response_piece inline_pieces[4];
	void *owned[RESPONSE_MAX_OWNED]; /* freed by response_free */
	size_t nowned;
	unsigned delay_ms; /* hold the answer this long, without holding a thread */
	enum response_fault fault;
	unsigned slow_ms;           /* RESPONSE_FAULT_SLOW: how long the body takes */
	const char *log_extra;      /* text added to the access-log line, or NULL */
	int unlogged;               /* no access-log line (the health probe's answers) */
	char extra_text[320];       /* room for a log_extra made per request */
	void (*release)(void *cls); /* run once by response_free */
	void *release_cls;
	/* Set by a handler that answers later (a forwarded request): the HTTP layer calls it
	 * once the handler returns, and sends r when it is resumed. delay_ms and the fault are
	 * read then, so the deferred work may set them. */
	response_defer_fn *defer;
	void *defer_cls;
};

/* Zeroes a response. */
void response_init(struct response *r);

/* Releases what the response owns and runs its release hook; it may then be inited again. */
void response_free(struct response *r);

/* Adds a header (later ones with the same name are sent too). Returns 0, or -1 when full. */
int response_header_add(struct response *r, const char *name, const char *value);

/* Sets a header: replaces every header of that name (case-insensitive) with this one.
 * Returns 0, or -1 when full. */
int response_header_set(struct response *r, const char *name, const char *value);

/* Appends borrowed bytes to the body. Returns 0, or -1 when out of memory. */
int response_piece_add(struct response *r, const void *base, size_t len);

/* Appends a malloc'd buffer that the response now owns (freed even on failure). 0 or -1. */
int response_piece_own(struct response *r, void *buf, size_t len);

/* Total body length. */
size_t response_body_len(const struct response *r);

/* Copies body bytes [pos, pos + max) of r, across its pieces, into buf; returns how many
 * (fewer than max at the end of the body). */
size_t response_copy_body(const struct response *r, uint64_t pos, char *buf, size_t max);

/*
 * Sets status and a JSON body copied from `json` (len bytes), with the JSON content type.
 * Returns 0 or -1.
 */
int response_json(struct response *r, unsigned status, const char *json, size_t len);

#endif
