/*
 * reader.h - reading fixture data into a callset: a file, a directory of files, or a buffer
 * holding one file's content.
 *
 * A directory's files ending in .json or .jsonl are read in name order; such a name that is
 * not a regular file or a link to one (a dangling link, a loop of links, a FIFO, a directory)
 * is an error "DIR/NAME: cannot read: REASON", never skipped. Each file is a JSON array of
 * calls, a Gong page object {"calls":[...]} (other keys ignored), or JSON Lines with one call
 * per line (blank lines skipped); a lone call object, or nothing but white space, is read too.
 * A call is in the basic shape (a /v2/calls page's) or the extensive shape ({"metaData":{...}
 * with the blocks of a /v2/calls/extensive answer and, optionally, "transcript":[...]}).
 * Transcripts may also come on their own: a /v2/calls/transcript answer
 * ({"callTranscripts":[...]}) or JSON Lines of {"callId","transcript"}.
 * Each call is read by the fast scanner (scan.h) or, when it declines, by jansson, and handed
 * to the callset, which checks, renders and keeps it. Knows nothing of the store's order.
 * Every function is safe from any thread on distinct sets.
 */
#ifndef GONGMOCK_READER_H
#define GONGMOCK_READER_H

#include <stddef.h>

#include "callset.h"

/*
 * Reads the file or directory at path into set. Returns 0, or -1 with "FILE: call INDEX:
 * REASON" or "FILE: REASON" in err (set then holds what came before the failure).
 */
int reader_path(struct callset *set, const char *path, char *err, size_t errlen);

/* The same from len bytes of data holding one file's content; `name` is used in messages. */
int reader_buffer(struct callset *set, const char *name, const char *data, size_t len, char *err,
                  size_t errlen);

/* The two parsers of one call's text (see reader_call_render). */
enum reader_parser {
	READER_PARSER_FAST,   /* the scanner, for flat objects */
	READER_PARSER_JANSSON /* jansson, for anything */
};

enum reader_render_result {
	READER_RENDER_OK,      /* the call was read, checked and rendered */
	READER_RENDER_REFUSED, /* not JSON, or not a valid call: the reason is in err */
	READER_RENDER_PASSED   /* the scanner hands this text to jansson, as a load does */
};

/*
 * For tests: reads `len` bytes holding one call with the given parser alone, then checks and
 * renders it exactly as a load does (messages name the file "call"). On READER_RENDER_OK,
 * *out is the rendered object (malloc'd, *out_len bytes, NUL-terminated; the caller frees
 * it); otherwise *out is NULL. On text both parsers read, the two must give the same answer,
 * message or bytes. Safe from any thread.
 */
__attribute__((warn_unused_result)) enum reader_render_result
reader_call_render(enum reader_parser parser, const char *text, size_t len, char **out,
                   size_t *out_len, char *err, size_t errlen);

#endif
