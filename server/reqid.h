/*
 * reqid.h - request ids like Gong's: a random 96-bit number in base 36, 18 or 19 characters
 * of [0-9a-z] (a draw that would come out shorter is drawn again).
 *
 * Each thread keeps its own generator, seeded from the kernel, so reqid_new takes no lock and
 * is safe from any thread.
 */
#ifndef GONGMOCK_REQID_H
#define GONGMOCK_REQID_H

#define REQID_MAX 19

/* Writes a fresh id and its NUL into out. */
void reqid_new(char out[REQID_MAX + 1]);

#endif
