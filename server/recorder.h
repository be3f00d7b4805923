/*
 * recorder.h - appending exchanges with the upstream to a cassette, one line each.
 *
 * Each line (exchange.h) is appended with one write under the recorder's own mutex. A write
 * that fails is undone (the file is cut back to its last whole line) and recording stops
 * there, so the file always holds the exchanges recorded before the failure and nothing torn
 * after them. Credentials are written as salted fingerprints (fingerprint.h), with the salt of
 * the cassette. A recorder's counters and file sit behind its mutex: every function is safe
 * from any thread. Logs nothing: what callers should tell the user comes back as text.
 */
#ifndef GONGMOCK_RECORDER_H
#define GONGMOCK_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "exchange.h"

struct recorder;

/*
 * Opens (creating, or appending to) a cassette. Each redact name must pass
 * exchange_redactable. An existing cassette keeps its salt; a new one gets a random salt. A
 * last line cut short by an interrupted recording (no newline, not JSON) is cut off the file
 * first, so that the next line does not follow half a line. Returns the recorder, or NULL
 * with the reason in err ("PATH: cannot open for writing: REASON" when the file cannot be
 * opened). warn receives what the caller should tell the user, or "". err and warn may be
 * NULL when their length is 0.
 */
struct recorder *recorder_open(const char *path, const char *const *redact, size_t nredact,
                               char *warn, size_t warnlen, char *err, size_t errlen);

enum recorder_result {
	RECORDER_WRITTEN = 0,
	/*
	 * This exchange could not be recorded (err says why, naming the file) and recording has
	 * stopped: returned once per recorder, so that the caller logs it once.
	 */
	RECORDER_FAILED = -1,
	/* Not recorded: recording stopped after an earlier failure. */
	RECORDER_STOPPED = -2
};

/*
 * Appends one exchange as a line, its redact fields redacted, and every credential in its
 * request body (exchange_request_body). A write that fails, in full or in part, is cut off
 * the file again where it can be (a regular file), and nothing more is written. The client's
 * answer is not the recorder's business: callers go on serving whatever this returns. err
 * may be NULL when errlen is 0.
 */
enum recorder_result recorder_write(struct recorder *rec, const struct exchange *e, char *err,
                                    size_t errlen) __attribute__((warn_unused_result));

/* What a recorder has done so far. */
struct recorder_stats {
	const char *path;     /* as given to open; lives as long as the recorder */
	uint64_t recorded;    /* exchanges written since open */
	uint64_t failed;      /* exchanges not written: the one that failed, and every later one */
	int stopped;          /* 1 once a failure stopped the recording */
	char last_error[256]; /* why it stopped, without the path; "" while recording */
};

/* Fills *out (all zero for NULL). Safe from any thread, while exchanges are being recorded. */
void recorder_stats(struct recorder *rec, struct recorder_stats *out);

/* Closes the file. recorder_close(NULL) does nothing. */
void recorder_close(struct recorder *rec);

#endif
