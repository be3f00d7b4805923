/*
 * extensive.h - calls in the extensive shape for the tests of the POST views, the store and
 * the server: a dataset whose every number is known from the index of the call (ids, start
 * times, workspaces, hosts, media), each call's blocks and transcript made from its id, and the
 * order the views must serve them in worked out here, without the code under test.
 *
 * The blocks agree with each other the way Gong's do: every transcript speaker is a party,
 * the speakers' talk times are the sums of their sentences, the host is an internal party and
 * every sentence lies within the call's duration.
 */
#ifndef GONGMOCK_EXTENSIVE_H
#define GONGMOCK_EXTENSIVE_H

#include <stddef.h>

#include <jansson.h>

/* What a call of the dataset is. */
struct extensive_call {
	char id[21];
	int minute;        /* started: 2025-01-01T00:00:00Z plus this many minutes */
	char workspace[2]; /* "7", "8" or "9" */
	char user[8];      /* primaryUserId, "" for null */
	int video;         /* media is Video (else Audio) */
	int blocks;        /* 1: the extensive shape with every block and a transcript; 0: the
	                    * basic shape, no block at all */
};

/* The duration of every call, in seconds. */
#define EXTENSIVE_DURATION 60

/*
 * Fills calls[0, n) and returns the dataset as a JSON array text, one call a line (the caller
 * frees it). Call i: id 9999999000 + 7 * i (so ids cross 10^10); started at minute
 * (i * 37 % n) / 2 (pairs of calls start at the same minute, and the start order is neither
 * the order of the file nor of the ids); workspace "7", "8", "9" by i % 3; host "10" + i % 5,
 * none when i % 11 == 0; Video when i % 4 == 0; no blocks when i % 6 == 0.
 */
char *extensive_dataset(size_t n, struct extensive_call *calls);

/* The text of one call: its JSON object, in its shape. The caller frees it. */
char *extensive_call_text(const struct extensive_call *c);

/*
 * The blocks of a call with blocks, as a JSON object holding parties, content, interaction,
 * collaboration, context and transcript (the caller decrefs it).
 */
json_t *extensive_blocks(const struct extensive_call *c);

/* The started time of a call as ISO-8601 ("2025-01-01T02:05:00Z") into out[32]. */
void extensive_started(const struct extensive_call *c, char out[32]);

/* The indices of calls[0, n) in (started, id) order, into order[0, n). */
void extensive_order(const struct extensive_call *calls, size_t n, size_t *order);

/* Compares two ids of up to 20 digits as numbers: <0, 0, >0. */
int extensive_id_cmp(const char *a, const char *b);

#endif
