/*
 * loop.h - an event loop per thread: epoll, a few periodic clients, and work posted from other
 * threads.
 *
 * In proxy mode each worker thread runs one loop that serves both sides of a forwarded
 * request: the HTTP layer's connections and the upstream transfers started from them, so a
 * request goes from the client to the upstream and back on one thread, without a hand-off.
 * The loop knows neither libmicrohttpd nor libcurl: they watch file descriptors and ask to be
 * run at a time through it.
 *
 * Everything but loop_post, loop_stop and loop_current must be called on the loop's own
 * thread (or before it runs, or after it has returned).
 */
#ifndef GONGMOCK_LOOP_H
#define GONGMOCK_LOOP_H

#include <stddef.h>
#include <stdint.h>

#define LOOP_IN 1u
#define LOOP_OUT 2u
#define LOOP_ERR 4u /* only ever given to a callback: the fd has an error or was hung up */
/* Clients that a loop runs each pass (the HTTP layer, a proxy engine, ...). */
#define LOOP_MAX_CLIENTS 8

struct loop;

/* An fd is ready: `events` is LOOP_IN, LOOP_OUT and LOOP_ERR ORed. */
typedef void loop_fd_fn(void *cls, int fd, unsigned events);
/* When the client wants to run next, in loop_now_us() terms; -1: not until asked again. */
typedef int64_t loop_due_fn(void *cls);
/* Runs the client, in a pass where its due time has come. */
typedef void loop_run_fn(void *cls);
/* Work posted from another thread, run on the loop's. */
typedef void loop_post_fn(void *cls);

/* A loop, not running yet. NULL with the reason in err. */
struct loop *loop_create(char *err, size_t errlen);

/* Frees a loop that is not running. loop_free(NULL) does nothing. */
void loop_free(struct loop *l);

/* The monotonic clock, in microseconds. */
int64_t loop_now_us(void);

/*
 * Watches fd for `events` (LOOP_IN, LOOP_OUT, both), calling fn with cls when ready;
 * events 0 stops watching it. Watching an fd again changes what it waits for. Close an fd
 * only after it is no longer watched, or tell the loop with loop_fd_closed. Returns 0, or -1
 * with errno set.
 */
int loop_fd_set(struct loop *l, int fd, unsigned events, loop_fd_fn *fn, void *cls);

/* Forgets fd, which was closed (so it left epoll on its own). */
void loop_fd_closed(struct loop *l, int fd);

/*
 * Adds a client: `due` is asked before each wait and again after it, and `run` is called
 * after the wait when the client's time has come. Returns 0, or -1 when LOOP_MAX_CLIENTS are
 * there already.
 */
int loop_client_add(struct loop *l, loop_due_fn *due, loop_run_fn *run, void *cls);

/* Removes the client added with this cls (nothing when there is none). */
void loop_client_remove(struct loop *l, void *cls);

/* Runs until loop_stop, on the calling thread, which then has loop_current() == l. */
void loop_run(struct loop *l);

/*
 * Has fn(cls) run on the loop's thread, soon. Safe from any thread. Returns 0, or -1 when the
 * loop has stopped (fn will not run) or out of memory.
 */
int loop_post(struct loop *l, loop_post_fn *fn, void *cls);

/* Makes loop_run return after the pass it is in; work posted before it still runs. Any
 * thread. */
void loop_stop(struct loop *l);

/* The loop running on this thread, or NULL. */
struct loop *loop_current(void);

#endif
