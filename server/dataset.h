/*
 * dataset.h - the calls of a cassette, as data to serve: what `--fixtures` makes of a
 * recording.
 *
 * Pure functions of the file, safe from any thread.
 */
#ifndef GONGMOCK_DATASET_H
#define GONGMOCK_DATASET_H

#include <stddef.h>

/*
 * The calls of every 200 answer to GET /v2/calls, GET /v2/calls/{id} and POST
 * /v2/calls/extensive in the cassette at path, with the blocks of the extensive answers and
 * the transcripts of POST /v2/calls/transcript answers, deduplicated by id (the later
 * recording wins, in the place of the first), as one malloc'd JSON array text
 * (caller frees) of *len bytes, ready for store_load_buffer. A last line cut short is dropped
 * as by cassette_load, and said so in warn ("" when nothing was dropped; warn may be NULL
 * when warnlen is 0), as are transcripts of calls no answer lists. NULL with the reason in
 * err, also when no answer holds calls.
 */
char *dataset_from_cassette(const char *path, size_t *len, char *warn, size_t warnlen, char *err,
                            size_t errlen);

#endif
