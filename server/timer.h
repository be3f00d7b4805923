/*
 * timer.h - one thread that fires entries at their time, and sweeps now and then.
 *
 * The HTTP layer holds delayed and dribbled answers here: each entry is a pair of pointers
 * (a connection and its loop) handed back to the fire callback when its time comes. Entries
 * due together are fired at most `batch` at a time, a millisecond apart, so a thousand
 * answers held for the same time do not all land on the workers at once. The sweep callback
 * runs about every `sweep_us` on the same thread, for work that looks over many things
 * (requests past their deadline).
 *
 * Every function may be called from any thread. The callbacks run on the timer's thread,
 * without its lock held, so they may call timer_add.
 */
#ifndef GONGMOCK_TIMER_H
#define GONGMOCK_TIMER_H

#include <stddef.h>
#include <stdint.h>

struct timer;

typedef void timer_fire_fn(void *cls, void *a, void *b);
typedef void timer_sweep_fn(void *cls, int64_t now_us);

struct timer_options {
	timer_fire_fn *fire; /* required */
	void *fire_cls;
	timer_sweep_fn *sweep; /* NULL: no sweep */
	void *sweep_cls;
	int64_t sweep_us; /* how often to sweep */
	unsigned batch;   /* entries fired at most per millisecond; 0: no limit */
};

/* Starts the thread. NULL with the reason in err. */
struct timer *timer_start(const struct timer_options *o, char *err, size_t errlen);

/*
 * Adds an entry firing at `at_us` (loop_now_us's clock). `before`, when not NULL, is called
 * with a under the timer's lock once the entry is sure to be added and before the timer can
 * see it (the HTTP layer suspends the connection there). Returns 0, or -1 when the timer is
 * stopping or out of memory: `before` was then not called.
 */
int timer_add(struct timer *t, int64_t at_us, void *a, void *b, void (*before)(void *a));

/*
 * Fires every entry still waiting at once, whatever its time, and stops the thread; later
 * timer_add calls fail. Calling it again does nothing.
 */
void timer_stop(struct timer *t);

/* Stops it if needed and frees it. timer_free(NULL) does nothing. */
void timer_free(struct timer *t);

#endif
