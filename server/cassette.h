/*
 * cassette.h - cassette files: telling one apart from other JSON, reading its lines (one
 * exchange each, as exchange.h describes them), and loading a whole one into memory.
 *
 * A last line cut short (no newline, and not JSON) is what an interrupted recording leaves
 * behind, and everything before it is whole: readers drop that line alone, with a warning. A
 * bad line anywhere else stops the read with "FILE: line N: REASON".
 *
 * Every line of one cassette carries the same salt in its credential fingerprint
 * (fingerprint.h): that of its first salted line. Lines salted otherwise (cassettes joined
 * from two recordings) can match no request when credentials count; lines in the old unsalted
 * form still match, but should be recorded again. A loaded cassette is read-only: every
 * function is safe from any thread. Matching requests against it is replay.h's business,
 * appending to the file recorder.h's. Knows nothing of HTTP, and logs nothing: what callers
 * should tell the user comes back as text.
 */
#ifndef GONGMOCK_CASSETTE_H
#define GONGMOCK_CASSETTE_H

#include <stddef.h>

#include "exchange.h"
#include "fingerprint.h"

/* What a file is, from its first non-blank line. */
enum cassette_kind {
	CASSETTE_UNREADABLE = -1, /* not a regular file, or cannot be read */
	CASSETTE_EMPTY = 0,       /* empty, or only blank lines */
	CASSETTE_EXCHANGES,       /* a JSON object with "request" and "response" objects */
	CASSETTE_OTHER            /* anything else: a JSON array of calls, say */
};

/*
 * Reads the file at path only up to its first non-blank line (a UTF-8 byte-order mark is
 * skipped). Only a regular file is looked into: reading a line from a pipe or a terminal
 * would block, or take the line from its real reader.
 */
enum cassette_kind cassette_kind(const char *path);

/* True when the file at path looks like a cassette: cassette_kind is CASSETTE_EXCHANGES. */
int cassette_is_cassette(const char *path);

/*
 * True when the file at path, from its first non-blank line, looks like fixture data rather
 * than a cassette: a JSON array, or an object with the members of a call, an extensive call,
 * a transcript or a saved page ("id", "metaData", "callId", "calls", "callTranscripts",
 * "records", "requestId"), on one line or spread over several. For telling a user who gave
 * such a file where a cassette belongs that it went to the wrong place. Regular files only.
 */
int cassette_holds_calls(const char *path);

/*
 * Feeds every exchange of the file at path, in order, to fn, with its 1-based line number;
 * the view lives until fn returns. fn returns 0 to go on, or -1 with a reason (without file
 * or line) to stop. Blank lines are skipped, and a byte-order mark at the start of the file.
 * Returns 0, or -1 with "PATH: line N: REASON" (or "PATH: REASON" when the file cannot be
 * read) in err. warn (may be NULL) receives the warning about a dropped last line, or "".
 */
int cassette_read(const char *path,
                  int (*fn)(void *ctx, const struct exchange_view *v, size_t line, char *reason,
                            size_t rlen),
                  void *ctx, char *warn, size_t warnlen, char *err, size_t errlen);

/*
 * Whether the n bytes at s, which follow the last newline of a cassette (at_start: they are
 * the whole file), are a whole line that only lacks its newline (JSON, or blank) rather than
 * a line cut short. For appending to a cassette.
 */
int cassette_tail_whole(const char *s, size_t n, int at_start);

/*
 * Finds the salt of the cassette at path: that of its first salted line. Lines that are not
 * JSON are passed over here (the loader names them). Returns that line (1-based) with the salt
 * and rounds, or 0 when no line is salted or the file cannot be read. *unsalted is the first
 * line seen with another credential (the old unsalted form, mostly), before the salted one;
 * 0: none.
 */
size_t cassette_find_salt(const char *path, unsigned char salt[FINGERPRINT_SALT_LEN],
                          unsigned *iterations, size_t *unsalted);

/* A recorded answer. Strings point into the cassette and live as long as it does. */
struct cassette_answer {
	unsigned status;
	const char *content_type; /* "" when none was recorded */
	const char *retry_after;
	const char *traceid;
	const char *www_authenticate;
	const char *allow;
	const char *body; /* as recorded (a JSON body written compact) */
	size_t body_len;
	size_t line; /* 1-based line of the exchange in the file */
};

/* What a recorded credential is, against the salt of the cassette. */
enum cassette_cred {
	CASSETTE_CRED_NONE,     /* "": the request had no Authorization */
	CASSETTE_CRED_SALTED,   /* salted with the cassette's salt */
	CASSETTE_CRED_UNSALTED, /* the old unsalted form (or any other text, as hand-written) */
	CASSETTE_CRED_FOREIGN   /* salted otherwise, or a salted form not understood */
};

/* One query parameter as recorded, decoded. */
struct cassette_param {
	const char *name; /* NUL-terminated */
	const char *value;
	size_t value_len; /* may hold NUL bytes */
};

/* One exchange of a loaded cassette. Everything lives as long as the cassette. */
struct cassette_entry {
	const char *method;
	const char *path;
	const char *credential; /* the fingerprint as recorded; "": none */
	enum cassette_cred cred;
	const struct cassette_param *params; /* in recorded order */
	size_t nparams;
	/*
	 * The request's body as recorded, NUL-terminated: when body_json, a JSON object or array
	 * rendered compact; else the text (a JSON scalar written by hand as its JSON text). NULL
	 * when the line has none (as every line recorded before bodies were), or an empty one.
	 */
	const char *body;
	size_t body_len;
	int body_json;
	struct cassette_answer answer; /* a body that is JSON rendered once, compact */
};

struct cassette;

/*
 * Loads a cassette into memory, every line checked and every body rendered to the bytes it
 * is served as. Returns the cassette, or NULL with the reason in err.
 */
struct cassette *cassette_load(const char *path, char *err, size_t errlen);

/* cassette_free(NULL) does nothing. */
void cassette_free(struct cassette *c);

/*
 * The warnings of the load, one line each, naming the file: a dropped last line; exchanges
 * with unsalted fingerprints, which should be recorded again; exchanges salted apart from the
 * rest, which match no request when credentials count. NULL past the last one. The text lives
 * as long as c.
 */
const char *cassette_warning(const struct cassette *c, size_t i);

/* Number of exchanges; 0 for NULL. */
size_t cassette_count(const struct cassette *c);

/* Exchange i, in file order; NULL past the last one. */
const struct cassette_entry *cassette_entry(const struct cassette *c, size_t i);

/*
 * The salt of the cassette's salted lines, into salt and *iterations. Returns the line it was
 * read from, or 0 when no line is salted (salt and *iterations untouched).
 */
size_t cassette_salt(const struct cassette *c, unsigned char salt[FINGERPRINT_SALT_LEN],
                     unsigned *iterations);

#endif
