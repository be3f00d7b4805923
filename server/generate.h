/*
 * generate.h - `gongmock generate`: deterministic synthetic call data, for the built-in
 * fixtures and for benchmark datasets.
 *
 * The same options always give the same bytes. The data covers every enum value of the
 * contract, phone calls and web conferences, null optional fields, dates with offsets and
 * ids above 2^53.
 */
#ifndef GONGMOCK_GENERATE_H
#define GONGMOCK_GENERATE_H

#include <stdint.h>
#include <stdio.h>

struct generate_options {
	uint64_t seed;       /* default 1 */
	uint64_t calls;      /* default 400 */
	unsigned workspaces; /* default 3 */
	int64_t from_us;     /* default 2025-01-01T00:00:00Z */
	int64_t to_us;       /* default 2025-07-01T00:00:00Z (exclusive) */
	int jsonl;           /* 0: one JSON array; 1: JSON Lines */
	int progress;        /* report progress on stderr */
};

/* Fills the defaults. */
void generate_defaults(struct generate_options *o);

/* Writes the dataset to out. Returns 0, or -1 on a write error. */
int generate_write(const struct generate_options *o, FILE *out);

/*
 * Runs the subcommand: argv[0] is "generate". Flags: --seed N, --calls N, --workspaces N,
 * --from DATE, --to DATE, --format json|jsonl, --help. Writes to stdout; progress on stderr
 * when stderr is a terminal. Returns the process exit code (0, or 2 for a bad flag, with the
 * reason on stderr, or 1 for a write error).
 */
int generate_main(int argc, char **argv);

#endif
