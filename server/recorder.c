/*
 * recorder.c - appending exchanges to a cassette, and stopping cleanly at the first failure.
 *
 * An exchange is rendered to its line outside the lock (the bodies parsed, the credential
 * fingerprinted), then written with a single write under the mutex. The file is checked once,
 * at open: that it is a cassette (or empty), that its last line is whole, and which salt its
 * lines use. The first write that fails is undone and ends the recording, so the file never
 * holds half a line followed by more. What goes into a line is exchange.c's business; what
 * gets recorded is the caller's.
 */
#include "recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cassette.h"
#include "fingerprint.h"
#include "jsonw.h"

/* Bytes read at a time while looking for the last newline of a file. */
#define RECORDER_TAIL_CHUNK 65536

struct recorder {
	int fd;
	char *path;
	char **redact;
	size_t nredact;
	/*
	 * Guards everything below and orders the writes. O_APPEND alone keeps one write from
	 * landing inside another on a local file system, but the mutex also holds on network file
	 * systems, where appends from one process are not atomic.
	 */
	pthread_mutex_t lock;
	/*
	 * Set when the file ends with a whole line without its newline (written by hand, say):
	 * the next line then starts with a newline of its own.
	 */
	bool need_newline;
	bool stopped;
	uint64_t recorded;
	uint64_t failed;
	char last_error[256];
	/* The fingerprints derived with the cassette's salt (their own lock). */
	struct fingerprint_cache *cache;
};

/* Frees a recorder whose lock is initialised, whatever else it holds yet. */
static void
recorder_free(struct recorder *rec)
{
	for (size_t i = 0; i < rec->nredact; i++)
		free(rec->redact[i]);
	free(rec->redact);
	if (rec->fd >= 0)
		close(rec->fd);
	pthread_mutex_destroy(&rec->lock);
	fingerprint_cache_free(rec->cache);
	free(rec->path);
	free(rec);
}

/*
 * Makes the end of an existing cassette of `size` bytes fit for appending. A last line
 * without its newline that is JSON only needs a newline before the next line; one that is not
 * JSON was cut short, and is cut off the file so that the next line does not follow half a
 * line (the loader would drop it anyway: it is lost either way). 0, or -1 with err.
 */
static int
recorder_fix_tail(struct recorder *rec, off_t size, char *warn, size_t warnlen, char *err,
                  size_t errlen)
{
	char chunk[RECORDER_TAIL_CHUNK];
	off_t start = 0, pos = size;
	char *tail = NULL;
	size_t tlen;
	int rfd, rc = -1;

	rfd = open(rec->path, O_RDONLY | O_CLOEXEC);
	if (rfd < 0) {
		snprintf(err, errlen, "%s: cannot read its end: %s", rec->path, strerror(errno));
		return -1;
	}
	/* Backwards, a chunk at a time, to the last newline; the loop ends at offset 0. */
	while (pos > 0) {
		size_t want = pos > RECORDER_TAIL_CHUNK ? RECORDER_TAIL_CHUNK : (size_t)pos;
		ssize_t got = pread(rfd, chunk, want, pos - (off_t)want);
		size_t i;

		if (got != (ssize_t)want) {
			snprintf(err, errlen, "%s: cannot read its end: %s", rec->path,
			         got < 0 ? strerror(errno) : "the file shrank");
			goto out;
		}
		pos -= (off_t)want;
		for (i = want; i > 0 && chunk[i - 1] != '\n'; i--)
			;
		if (i > 0) {
			start = pos + (off_t)i;
			break;
		}
	}
	if (start == size) {
		rc = 0; /* ends with a newline */
		goto out;
	}
	tlen = (size_t)(size - start);
	tail = malloc(tlen);
	if (tail == NULL || pread(rfd, tail, tlen, start) != (ssize_t)tlen) {
		snprintf(err, errlen, "%s: cannot read its end: %s", rec->path,
		         tail == NULL ? "out of memory" : "read failed");
		goto out;
	}
	if (cassette_tail_whole(tail, tlen, start == 0)) {
		rec->need_newline = true;
		rc = 0;
		goto out;
	}
	if (ftruncate(rec->fd, start) != 0) {
		snprintf(
		    err, errlen,
		    "%s: ends with a line cut short, which cannot be cut off before appending: %s",
		    rec->path, strerror(errno));
		goto out;
	}
	snprintf(warn, warnlen,
	         "%s: cut off its last %zu bytes, a line cut short (no newline, not JSON) by an "
	         "interrupted recording; new exchanges follow the last whole line",
	         rec->path, tlen);
	rc = 0;
out:
	free(tail);
	close(rfd);
	return rc;
}

/*
 * Readies the open file for appending: its end fixed, its salt found or a new one made, and
 * the cache of fingerprints made with that salt. warn receives what the user should know of
 * the file, or "". 0, or -1 with err.
 */
static int
recorder_prepare(struct recorder *rec, char *warn, size_t warnlen, char *err, size_t errlen)
{
	unsigned char salt[FINGERPRINT_SALT_LEN];
	unsigned iterations = FINGERPRINT_ITERATIONS;
	char tailwarn[512] = "";
	size_t unsalted = 0;
	bool salted = false;
	struct stat st;

	/* Only a regular file is read back: a pipe or a terminal would block, or lose data. */
	if (fstat(rec->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if (recorder_fix_tail(rec, st.st_size, tailwarn, sizeof(tailwarn), err, errlen) !=
		    0)
			return -1;
		salted = cassette_find_salt(rec->path, salt, &iterations, &unsalted) != 0;
	}
	if (salted && iterations < FINGERPRINT_ITERATIONS) {
		snprintf(err, errlen,
		         "%s: its credential fingerprints take %u PBKDF2 rounds, fewer than the %d "
		         "gongmock writes; record to a new file",
		         rec->path, iterations, FINGERPRINT_ITERATIONS);
		return -1;
	}
	if (!salted) {
		iterations = FINGERPRINT_ITERATIONS;
		if (gnutls_rnd(GNUTLS_RND_RANDOM, salt, FINGERPRINT_SALT_LEN) != 0) {
			snprintf(err, errlen, "%s: cannot make a random salt", rec->path);
			return -1;
		}
	}
	rec->cache = fingerprint_cache_create(salt, iterations);
	if (rec->cache == NULL) {
		snprintf(err, errlen, "%s: out of memory", rec->path);
		return -1;
	}
	if (unsalted != 0)
		snprintf(
		    warn, warnlen,
		    "%s: line %zu (and maybe others) holds a credential fingerprint in the old "
		    "unsalted form, against which a guessed secret is quickly checked; new "
		    "exchanges get salted ones, but the old lines stay as they are: record to "
		    "a new file to be rid of them%s%s",
		    rec->path, unsalted, tailwarn[0] != '\0' ? ". Also: " : "", tailwarn);
	else
		snprintf(warn, warnlen, "%s", tailwarn);
	return 0;
}

struct recorder *
recorder_open(const char *path, const char *const *redact, size_t nredact, char *warn,
              size_t warnlen, char *err, size_t errlen)
{
	struct recorder *rec = NULL;
	size_t i;

	snprintf(warn, warnlen, "%s", "");
	if (path == NULL) {
		snprintf(err, errlen, "no cassette file given");
		return NULL;
	}
	for (i = 0; i < nredact; i++) {
		if (!exchange_redactable(redact[i])) {
			snprintf(
			    err, errlen,
			    "cannot redact \"%s\": only the free-text fields title, url, "
			    "meetingUrl, customData, purpose, sdrDisposition, clientUniqueId and "
			    "calendarEventId can be",
			    redact[i] != NULL ? redact[i] : "");
			return NULL;
		}
	}
	/*
	 * Appending exchanges to a fixture file or any other JSON would spoil it for both uses,
	 * so an existing file must be empty or a cassette already.
	 */
	if (cassette_kind(path) == CASSETTE_OTHER) {
		snprintf(err, errlen,
		         "%s: exists and is not a cassette (its first line is not a recorded "
		         "exchange); not appending to it",
		         path);
		return NULL;
	}
	rec = calloc(1, sizeof(*rec));
	if (rec == NULL || pthread_mutex_init(&rec->lock, NULL) != 0) {
		free(rec);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	rec->fd = -1;
	rec->path = strdup(path);
	if (rec->path == NULL)
		goto oom;
	/*
	 * Opened here, at start-up, so that a path that cannot be written (a directory that does
	 * not exist, no permission, a directory) stops the server before it listens, rather than
	 * at the first exchange.
	 */
	rec->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (rec->fd < 0) {
		snprintf(err, errlen, "%s: cannot open for writing: %s", path, strerror(errno));
		goto fail;
	}
	if (recorder_prepare(rec, warn, warnlen, err, errlen) != 0)
		goto fail;
	if (nredact > 0) {
		rec->redact = calloc(nredact, sizeof(*rec->redact));
		if (rec->redact == NULL)
			goto oom;
		for (i = 0; i < nredact; i++) {
			rec->redact[i] = strdup(redact[i]);
			if (rec->redact[i] == NULL)
				goto oom;
			rec->nredact++;
		}
	}
	return rec;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
fail:
	recorder_free(rec);
	return NULL;
}

void
recorder_stats(struct recorder *rec, struct recorder_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (rec == NULL)
		return;
	out->path = rec->path;
	pthread_mutex_lock(&rec->lock);
	out->recorded = rec->recorded;
	out->failed = rec->failed;
	out->stopped = rec->stopped;
	memcpy(out->last_error, rec->last_error, sizeof(out->last_error));
	pthread_mutex_unlock(&rec->lock);
}

void
recorder_close(struct recorder *rec)
{
	if (rec == NULL)
		return;
	/*
	 * Once per recording, so that a cassette about to be committed is on disk; a pipe or a
	 * terminal refuses this, which is harmless.
	 */
	fsync(rec->fd);
	recorder_free(rec);
}

/*
 * Renders an exchange into b as a complete line, newline included, after one newline of its
 * own (b->p[0]) for separating it from a last line that lacks one. 0, or -1 with the reason
 * when the credential cannot be fingerprinted or memory runs out.
 */
static int
recorder_render(struct recorder *rec, const struct exchange *e, struct jsonw *b, char *reason,
                size_t rlen)
{
	char fp[FINGERPRINT_MAX];

	/* Never an empty fingerprint for a credential: that would read as "no credential". */
	if (fingerprint_cache_get(rec->cache, e->authorization, fp) != 0) {
		snprintf(reason, rlen, "cannot fingerprint the credential (PBKDF2 refused)");
		return -1;
	}
	jsonw_char(b, '\n');
	if (exchange_write(b, e, fp, (const char *const *)rec->redact, rec->nredact) != 0) {
		snprintf(reason, rlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Writes one rendered line (with the newline in front when the file needs one). A regular
 * file takes it in one write unless the disk fills up; a short write is finished off, and one
 * that fails is cut off again, back to where the line began, so that the file ends with a
 * whole line. Called with the lock held. 0, or -1 with the reason.
 */
static int
recorder_append(struct recorder *rec, const struct jsonw *b, char *reason, size_t rlen)
{
	const char *out = rec->need_newline ? b->p : b->p + 1;
	size_t n = rec->need_newline ? b->len : b->len - 1, done = 0;
	struct stat st;
	bool regular = fstat(rec->fd, &st) == 0 && S_ISREG(st.st_mode);
	int saved;

	while (done < n) {
		ssize_t w;

		errno = 0;
		w = write(rec->fd, out + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	if (done == n) {
		rec->need_newline = false;
		return 0;
	}
	saved = errno;
	if (done == 0 || !regular) {
		snprintf(reason, rlen, "write failed: %s",
		         saved == 0 ? "nothing written" : strerror(saved));
		return -1;
	}
	/* O_APPEND wrote at the end, which was st_size when the line began. */
	if (ftruncate(rec->fd, st.st_size) != 0) {
		snprintf(reason, rlen,
		         "write failed: %s; cutting off the partial line failed too (%s), so it "
		         "stays as the last line, which the loader drops",
		         strerror(saved), strerror(errno));
		return -1;
	}
	snprintf(reason, rlen, "write failed: %s", strerror(saved));
	return -1;
}

enum recorder_result
recorder_write(struct recorder *rec, const struct exchange *e, char *err, size_t errlen)
{
	char reason[sizeof(rec->last_error)] = "";
	struct jsonw b = {0};
	enum recorder_result rc = RECORDER_WRITTEN;
	int rendered;

	if (rec == NULL || e == NULL) {
		snprintf(err, errlen, "nothing to record");
		return RECORDER_STOPPED;
	}
	/* Once stopped, nothing is rendered: no fingerprint derived, no body parsed. */
	pthread_mutex_lock(&rec->lock);
	if (rec->stopped) {
		rec->failed++;
		snprintf(err, errlen, "%s: recording stopped: %s", rec->path, rec->last_error);
		pthread_mutex_unlock(&rec->lock);
		return RECORDER_STOPPED;
	}
	pthread_mutex_unlock(&rec->lock);

	rendered = recorder_render(rec, e, &b, reason, sizeof(reason));
	pthread_mutex_lock(&rec->lock);
	if (rec->stopped) {
		/* Another thread's write failed meanwhile: none after it, so the file has no gap.
		 */
		rec->failed++;
		rc = RECORDER_STOPPED;
		snprintf(err, errlen, "%s: recording stopped: %s", rec->path, rec->last_error);
	} else if (rendered != 0 || recorder_append(rec, &b, reason, sizeof(reason)) != 0) {
		/*
		 * Recording stops at the first failure, whatever comes later: a cassette missing
		 * exchanges in the middle would replay a session that never happened, while one
		 * that ends early fails loudly at the first request past its end.
		 */
		rec->stopped = true;
		rec->failed++;
		memcpy(rec->last_error, reason, sizeof(rec->last_error));
		rc = RECORDER_FAILED;
		snprintf(err, errlen,
		         "%s: %s; recording stopped after %" PRIu64 " exchanges, which the file "
		         "keeps as whole lines; later exchanges are not recorded",
		         rec->path, reason, rec->recorded);
	} else {
		rec->recorded++;
	}
	pthread_mutex_unlock(&rec->lock);
	jsonw_free(&b);
	return rc;
}
