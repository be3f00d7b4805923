/*
 * test_loop.c - unit tests of loop: which loop loop_current() names, fd watching (events,
 * cls, unwatching, re-watching, hang-ups, a table that grows, fds closed and reused),
 * clients run when due and only then, and work posted from other threads: run on the loop's
 * thread, in order, exactly once, waking a loop that waits for nothing, still run when posted
 * before loop_stop, refused after. Each loop runs on its own thread; the test thread waits
 * for it with bounded waits, so a loop that never answers fails the test instead of hanging.
 */
#include "loop.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* The longest the test thread waits for the loop's thread to do something. */
#define WAIT_MS 2000
/* Fd numbers well past the table a loop starts with. */
#define EDGE_FD 128
#define HIGH_FD 900

/* A count that one thread raises and another waits for, with a bound. */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int n;
};

static void
gate_init(struct gate *g)
{
	pthread_condattr_t a;

	ck_assert_int_eq(pthread_condattr_init(&a), 0);
	ck_assert_int_eq(pthread_condattr_setclock(&a, CLOCK_MONOTONIC), 0);
	ck_assert_int_eq(pthread_cond_init(&g->cv, &a), 0);
	pthread_condattr_destroy(&a);
	ck_assert_int_eq(pthread_mutex_init(&g->mu, NULL), 0);
	g->n = 0;
}

static void
gate_destroy(struct gate *g)
{
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
}

static void
gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->n++;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

/* Waits until the count reaches n or WAIT_MS have passed; returns the count. */
static int
gate_wait(struct gate *g, int n)
{
	struct timespec deadline;
	int got;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += WAIT_MS / 1000;
	deadline.tv_nsec += (long)(WAIT_MS % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&g->mu);
	while (g->n < n) {
		if (pthread_cond_timedwait(&g->cv, &g->mu, &deadline) == ETIMEDOUT)
			break;
	}
	got = g->n;
	pthread_mutex_unlock(&g->mu);
	return got;
}

static int
gate_count(struct gate *g)
{
	int n;

	pthread_mutex_lock(&g->mu);
	n = g->n;
	pthread_mutex_unlock(&g->mu);
	return n;
}

static struct loop *
new_loop(void)
{
	char err[256] = "";
	struct loop *l = loop_create(err, sizeof(err));

	ck_assert_msg(l != NULL, "loop_create: %s", err);
	return l;
}

/* A loop run on a thread of its own. */
struct runner {
	struct loop *l;
	pthread_t thread;
	struct gate done; /* opened when loop_run has returned */
	struct loop *before, *after;
};

static void *
runner_main(void *arg)
{
	struct runner *r = arg;

	r->before = loop_current();
	loop_run(r->l);
	r->after = loop_current();
	gate_open(&r->done);
	return NULL;
}

static void
runner_start(struct runner *r, struct loop *l)
{
	r->l = l;
	r->before = r->after = l;
	gate_init(&r->done);
	ck_assert_int_eq(pthread_create(&r->thread, NULL, runner_main, r), 0);
}

/* Waits for loop_run to return, which must be soon, and joins the thread. */
static void
runner_join(struct runner *r)
{
	ck_assert_msg(gate_wait(&r->done, 1) == 1, "loop_run did not return");
	ck_assert_int_eq(pthread_join(r->thread, NULL), 0);
	gate_destroy(&r->done);
	ck_assert_ptr_null(r->before);
	ck_assert_ptr_null(r->after);
}

static void
runner_stop(struct runner *r)
{
	loop_stop(r->l);
	runner_join(r);
}

/* A function to run on the loop's thread, and a gate opened once it has. */
struct call {
	void (*fn)(void *);
	void *cls;
	struct gate g;
};

static void
call_run(void *cls)
{
	struct call *c = cls;

	if (c->fn != NULL)
		c->fn(c->cls);
	gate_open(&c->g);
}

/*
 * Runs fn(cls) on the loop's thread and waits for it. With fn NULL it only waits for the
 * loop to come round, which it does after calling back every watched fd that is ready.
 */
static void
on_loop(struct runner *r, void (*fn)(void *), void *cls)
{
	struct call c;

	c.fn = fn;
	c.cls = cls;
	gate_init(&c.g);
	ck_assert_int_eq(loop_post(r->l, call_run, &c), 0);
	ck_assert_msg(gate_wait(&c.g, 1) == 1, "posted work did not run");
	gate_destroy(&c.g);
}

/* What an fd callback saw. By default it stops watching the fd on its first call. */
struct fdrec {
	struct loop *l;
	int keep; /* keep watching, reading what is there */
	struct gate calls;
	int fd;
	unsigned events;
	struct loop *current;
	int other_fn; /* called through fd_note_other */
};

static void
fdrec_init(struct fdrec *r, struct loop *l)
{
	memset(r, 0, sizeof(*r));
	r->l = l;
	r->fd = -1;
	gate_init(&r->calls);
}

static void
fd_record(struct fdrec *r, int fd, unsigned events, int other)
{
	char buf[256];

	r->fd = fd;
	r->events = events;
	r->current = loop_current();
	r->other_fn = other;
	if (!r->keep)
		ck_assert_int_eq(loop_fd_set(r->l, fd, 0, NULL, NULL), 0);
	else if (events & LOOP_IN)
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	gate_open(&r->calls);
}

static void
fd_note(void *cls, int fd, unsigned events)
{
	fd_record(cls, fd, events, 0);
}

static void
fd_note_other(void *cls, int fd, unsigned events)
{
	fd_record(cls, fd, events, 1);
}

static void
nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	ck_assert_int_ge(fl, 0);
	ck_assert_int_eq(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
}

static void
make_socketpair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	nonblock(sv[0]);
	nonblock(sv[1]);
}

static void
put_byte(int fd)
{
	ck_assert_int_eq(write(fd, "x", 1), 1);
}

/* A watch to set from the loop's thread. */
struct watch {
	struct loop *l;
	int fd;
	unsigned events;
	loop_fd_fn *fn;
	void *cls;
};

static void
watch_set(void *cls)
{
	struct watch *w = cls;

	ck_assert_int_eq(loop_fd_set(w->l, w->fd, w->events, w->fn, w->cls), 0);
}

/* Two watches set one after the other in the same pass, with no wait between them. */
static void
watch_set_two(void *cls)
{
	struct watch *w = cls;

	watch_set(&w[0]);
	watch_set(&w[1]);
}

START_TEST(test_current_outside)
{
	struct loop *l;

	ck_assert_ptr_null(loop_current());
	l = new_loop();
	ck_assert_ptr_null(loop_current());
	loop_free(l);
	ck_assert_ptr_null(loop_current());
}
END_TEST

static void
note_current(void *cls)
{
	*(struct loop **)cls = loop_current();
}

/* Two loops on two threads: each one's work sees its own loop, never the other's. */
START_TEST(test_current_per_thread)
{
	struct loop *a = new_loop(), *b = new_loop();
	struct loop *seen_a = NULL, *seen_b = NULL;
	struct runner ra, rb;

	runner_start(&ra, a);
	runner_start(&rb, b);
	on_loop(&ra, note_current, &seen_a);
	on_loop(&rb, note_current, &seen_b);
	ck_assert_ptr_eq(seen_a, a);
	ck_assert_ptr_eq(seen_b, b);
	on_loop(&ra, note_current, &seen_a);
	ck_assert_ptr_eq(seen_a, a);
	ck_assert_ptr_null(loop_current());
	/* runner_join checks that loop_current() is NULL before and after loop_run. */
	runner_stop(&ra);
	runner_stop(&rb);
	ck_assert_ptr_null(loop_current());
	loop_free(a);
	loop_free(b);
}
END_TEST

/* LOOP_IN with the fd and cls given, nothing more, and nothing after the watch is gone. */
START_TEST(test_fd_in)
{
	struct loop *l = new_loop();
	struct fdrec r, unused;
	struct runner run;
	int sv[2];

	make_socketpair(sv);
	fdrec_init(&r, l);
	fdrec_init(&unused, l);
	/* The other end is watched with another cls, and has nothing to read. */
	ck_assert_int_eq(loop_fd_set(l, sv[1], LOOP_IN, fd_note, &unused), 0);
	ck_assert_int_eq(loop_fd_set(l, sv[0], LOOP_IN, fd_note, &r), 0);
	runner_start(&run, l);
	on_loop(&run, NULL, NULL);
	ck_assert_int_eq(gate_count(&r.calls), 0);

	put_byte(sv[1]);
	ck_assert_int_eq(gate_wait(&r.calls, 1), 1);
	ck_assert_int_eq(r.fd, sv[0]);
	/* The socket can be written too, but only LOOP_IN was asked for. */
	ck_assert_uint_eq(r.events, LOOP_IN);
	ck_assert_ptr_eq(r.current, l);
	ck_assert_int_eq(r.other_fn, 0);

	/* The callback stopped watching: more data, and a pass or two, call nothing. */
	put_byte(sv[1]);
	on_loop(&run, NULL, NULL);
	on_loop(&run, NULL, NULL);
	ck_assert_int_eq(gate_count(&r.calls), 1);
	ck_assert_int_eq(gate_count(&unused.calls), 0);
	runner_stop(&run);
	loop_free(l);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

static void
unwatch(void *cls)
{
	struct watch *w = cls;

	ck_assert_int_eq(loop_fd_set(w->l, w->fd, 0, NULL, NULL), 0);
}

/* A watch that stays reports each new byte; once it is removed from outside, none. */
START_TEST(test_fd_keep_then_unwatch)
{
	struct loop *l = new_loop();
	struct fdrec r;
	struct runner run;
	struct watch w;
	int sv[2];

	make_socketpair(sv);
	fdrec_init(&r, l);
	r.keep = 1;
	ck_assert_int_eq(loop_fd_set(l, sv[0], LOOP_IN, fd_note, &r), 0);
	runner_start(&run, l);
	put_byte(sv[1]);
	ck_assert_int_eq(gate_wait(&r.calls, 1), 1);
	put_byte(sv[1]);
	ck_assert_int_eq(gate_wait(&r.calls, 2), 2);
	put_byte(sv[1]);
	ck_assert_int_eq(gate_wait(&r.calls, 3), 3);
	ck_assert_int_eq(r.fd, sv[0]);
	ck_assert_uint_eq(r.events, LOOP_IN);

	w = (struct watch){l, sv[0], 0, NULL, NULL};
	on_loop(&run, unwatch, &w);
	on_loop(&run, NULL, NULL);
	put_byte(sv[1]);
	put_byte(sv[1]);
	on_loop(&run, NULL, NULL);
	on_loop(&run, NULL, NULL);
	ck_assert_int_eq(gate_count(&r.calls), 3);
	runner_stop(&run);
	loop_free(l);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* Watching again with LOOP_OUT reports LOOP_OUT, not the data still waiting to be read. */
START_TEST(test_fd_out)
{
	struct loop *l = new_loop();
	struct fdrec in, out, both;
	struct runner run;
	struct watch w;
	int sv[2];

	make_socketpair(sv);
	fdrec_init(&in, l);
	fdrec_init(&out, l);
	fdrec_init(&both, l);
	ck_assert_int_eq(loop_fd_set(l, sv[0], LOOP_IN, fd_note, &in), 0);
	runner_start(&run, l);
	put_byte(sv[1]);
	ck_assert_int_eq(gate_wait(&in.calls, 1), 1);

	w = (struct watch){l, sv[0], LOOP_OUT, fd_note, &out};
	on_loop(&run, watch_set, &w);
	ck_assert_int_eq(gate_wait(&out.calls, 1), 1);
	ck_assert_int_eq(out.fd, sv[0]);
	ck_assert_uint_eq(out.events, LOOP_OUT);
	ck_assert_ptr_eq(out.current, l);

	w = (struct watch){l, sv[0], LOOP_IN | LOOP_OUT, fd_note, &both};
	on_loop(&run, watch_set, &w);
	ck_assert_int_eq(gate_wait(&both.calls, 1), 1);
	ck_assert_uint_eq(both.events, LOOP_IN | LOOP_OUT);
	ck_assert_int_eq(gate_count(&in.calls), 1);
	ck_assert_int_eq(gate_count(&out.calls), 1);
	runner_stop(&run);
	loop_free(l);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A peer that hangs up is reported, though there is nothing to read. */
START_TEST(test_fd_hangup)
{
	struct loop *l = new_loop();
	struct fdrec r;
	struct runner run;
	int sv[2];

	make_socketpair(sv);
	fdrec_init(&r, l);
	ck_assert_int_eq(loop_fd_set(l, sv[0], LOOP_IN, fd_note, &r), 0);
	runner_start(&run, l);
	on_loop(&run, NULL, NULL);
	ck_assert_int_eq(gate_count(&r.calls), 0);
	close(sv[1]);
	ck_assert_int_eq(gate_wait(&r.calls, 1), 1);
	ck_assert_int_eq(r.fd, sv[0]);
	ck_assert_msg((r.events & (LOOP_IN | LOOP_ERR)) != 0, "events %u", r.events);
	ck_assert_uint_eq(r.events & LOOP_OUT, 0);
	runner_stop(&run);
	loop_free(l);
	close(sv[0]);
}
END_TEST

/* A pipe whose writer has gone, with nothing left to read: that is LOOP_ERR. */
START_TEST(test_fd_hangup_pipe)
{
	struct loop *l = new_loop();
	struct fdrec r;
	struct runner run;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	fdrec_init(&r, l);
	ck_assert_int_eq(loop_fd_set(l, p[0], LOOP_IN, fd_note, &r), 0);
	runner_start(&run, l);
	on_loop(&run, NULL, NULL);
	ck_assert_int_eq(gate_count(&r.calls), 0);
	close(p[1]);
	ck_assert_int_eq(gate_wait(&r.calls, 1), 1);
	ck_assert_int_eq(r.fd, p[0]);
	ck_assert_uint_eq(r.events, LOOP_ERR);
	runner_stop(&run);
	loop_free(l);
	close(p[0]);
}
END_TEST

/* The same events with another callback and cls: the new ones are called, not the old. */
START_TEST(test_fd_change_callback)
{
	struct loop *l = new_loop();
	struct fdrec old, new, third;
	struct runner run;
	struct watch w[2];
	int sv[2];

	make_socketpair(sv);
	fdrec_init(&old, l);
	fdrec_init(&new, l);
	fdrec_init(&third, l);
	/* Changed before the loop runs, with data already there. */
	put_byte(sv[1]);
	ck_assert_int_eq(loop_fd_set(l, sv[0], LOOP_IN, fd_note, &old), 0);
	ck_assert_int_eq(loop_fd_set(l, sv[0], LOOP_IN, fd_note_other, &new), 0);
	runner_start(&run, l);
	ck_assert_int_eq(gate_wait(&new.calls, 1), 1);
	ck_assert_int_eq(new.other_fn, 1);
	ck_assert_int_eq(new.fd, sv[0]);
	ck_assert_uint_eq(new.events, LOOP_IN);

	/* Changed while the loop runs: watched with old, then at once with third. */
	w[0] = (struct watch){l, sv[0], LOOP_IN, fd_note_other, &old};
	w[1] = (struct watch){l, sv[0], LOOP_IN, fd_note, &third};
	on_loop(&run, watch_set_two, w);
	ck_assert_int_eq(gate_wait(&third.calls, 1), 1);
	ck_assert_int_eq(third.other_fn, 0);
	on_loop(&run, NULL, NULL);
	ck_assert_int_eq(gate_count(&old.calls), 0);
	ck_assert_int_eq(gate_count(&new.calls), 1);
	runner_stop(&run);
	loop_free(l);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_fd_negative)
{
	struct loop *l = new_loop();
	struct fdrec r;

	fdrec_init(&r, l);
	errno = 0;
	ck_assert_int_eq(loop_fd_set(l, -1, LOOP_IN, fd_note, &r), -1);
	ck_assert_int_eq(errno, EBADF);
	errno = 0;
	ck_assert_int_eq(loop_fd_set(l, -7, LOOP_OUT, fd_note, &r), -1);
	ck_assert_int_eq(errno, EBADF);
	/* Forgetting a negative or unknown fd does nothing. */
	loop_fd_closed(l, -1);
	loop_fd_closed(l, HIGH_FD);
	loop_free(l);
}
END_TEST

/*
 * Fds far past the start of the table work, and the fds watched before still do. 128 is a
 * power of two, where a table that doubles its size could end one short.
 */
START_TEST(test_fd_high)
{
	static const int numbers[] = {EDGE_FD, HIGH_FD};
	struct loop *l = new_loop();
	struct fdrec rec[3];
	struct runner run;
	int fds[3], peers[3];
	int i, sv[2];

	for (i = 0; i < 3; i++) {
		make_socketpair(sv);
		fds[i] = sv[0];
		peers[i] = sv[1];
		if (i > 0) {
			ck_assert_int_eq(dup2(sv[0], numbers[i - 1]), numbers[i - 1]);
			close(sv[0]);
			fds[i] = numbers[i - 1];
		}
		fdrec_init(&rec[i], l);
		ck_assert_int_eq(loop_fd_set(l, fds[i], LOOP_IN, fd_note, &rec[i]), 0);
	}
	runner_start(&run, l);
	for (i = 2; i >= 0; i--) {
		put_byte(peers[i]);
		ck_assert_int_eq(gate_wait(&rec[i].calls, 1), 1);
		ck_assert_int_eq(rec[i].fd, fds[i]);
		ck_assert_uint_eq(rec[i].events, LOOP_IN);
		if (i > 0)
			ck_assert_int_eq(gate_count(&rec[i - 1].calls), 0);
	}
	runner_stop(&run);
	loop_free(l);
	for (i = 0; i < 3; i++) {
		close(fds[i]);
		close(peers[i]);
	}
}
END_TEST

/* Both callbacks stop watching both fds: of two fds ready in one pass, only one is called. */
static void
fd_unwatch_pair(void *cls, int fd, unsigned events)
{
	int *fds = cls;

	(void)events;
	ck_assert(fd == fds[0] || fd == fds[1]);
	ck_assert_int_eq(loop_fd_set(loop_current(), fds[0], 0, NULL, NULL), 0);
	ck_assert_int_eq(loop_fd_set(loop_current(), fds[1], 0, NULL, NULL), 0);
	fds[2]++;
}

START_TEST(test_fd_unwatched_in_pass)
{
	struct loop *l = new_loop();
	struct runner run;
	int a[2], b[2];
	int fds[3];

	make_socketpair(a);
	make_socketpair(b);
	fds[0] = a[0];
	fds[1] = b[0];
	fds[2] = 0;
	ck_assert_int_eq(loop_fd_set(l, a[0], LOOP_IN, fd_unwatch_pair, fds), 0);
	ck_assert_int_eq(loop_fd_set(l, b[0], LOOP_IN, fd_unwatch_pair, fds), 0);
	/* Both are ready before the first wait, so one epoll_wait returns both. */
	put_byte(a[1]);
	put_byte(b[1]);
	runner_start(&run, l);
	on_loop(&run, NULL, NULL);
	on_loop(&run, NULL, NULL);
	runner_stop(&run);
	ck_assert_int_eq(fds[2], 1);
	loop_free(l);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}
END_TEST

/*
 * Of two fds ready in one pass, the first callback closes the other, tells the loop, and
 * watches a new, empty socket under the same number: the event taken for the old one must not
 * reach the new one.
 */
struct swap {
	int fds[2];
	int peers[2];
	int calls;
	int fresh_calls;
	int new_peer;
};

static void
fd_fresh(void *cls, int fd, unsigned events)
{
	struct swap *w = cls;

	(void)fd;
	(void)events;
	w->fresh_calls++;
}

static void
fd_swap_other(void *cls, int fd, unsigned events)
{
	struct swap *w = cls;
	int other = fd == w->fds[0] ? 1 : 0;
	int sv[2];

	(void)events;
	w->calls++;
	ck_assert_int_eq(loop_fd_set(loop_current(), fd, 0, NULL, NULL), 0);
	if (w->calls > 1)
		return;
	close(w->fds[other]);
	loop_fd_closed(loop_current(), w->fds[other]);
	make_socketpair(sv);
	/* The lowest free number is likely the one just closed; else move it there. */
	if (sv[1] == w->fds[other]) {
		int t = sv[0];

		sv[0] = sv[1];
		sv[1] = t;
	}
	if (sv[0] != w->fds[other]) {
		ck_assert_int_eq(dup2(sv[0], w->fds[other]), w->fds[other]);
		close(sv[0]);
	}
	w->new_peer = sv[1];
	ck_assert_msg(loop_fd_set(loop_current(), w->fds[other], LOOP_IN, fd_fresh, w) == 0, "%s",
	              strerror(errno));
}

START_TEST(test_fd_reopened_in_pass)
{
	struct loop *l = new_loop();
	struct runner run;
	int a[2], b[2];
	struct swap w;

	make_socketpair(a);
	make_socketpair(b);
	memset(&w, 0, sizeof(w));
	w.fds[0] = a[0];
	w.fds[1] = b[0];
	w.new_peer = -1;
	ck_assert_int_eq(loop_fd_set(l, a[0], LOOP_IN, fd_swap_other, &w), 0);
	ck_assert_int_eq(loop_fd_set(l, b[0], LOOP_IN, fd_swap_other, &w), 0);
	/* Both are ready before the first wait, so one epoll_wait returns both. */
	put_byte(a[1]);
	put_byte(b[1]);
	runner_start(&run, l);
	on_loop(&run, NULL, NULL);
	on_loop(&run, NULL, NULL);
	runner_stop(&run);
	ck_assert_int_eq(w.calls, 1);
	ck_assert_int_eq(w.fresh_calls, 0);
	loop_free(l);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	if (w.new_peer >= 0)
		close(w.new_peer);
}
END_TEST

/* Closes both ends of a watched pair, tells the loop, and reopens the same number. */
struct reopen {
	struct loop *l;
	int fd;       /* the watched number */
	int old_peer; /* the closed pair's other end */
	int peer;     /* the new pair's other end, for the test to write to */
	struct fdrec *r;
};

static void
reopen_same_number(void *cls)
{
	struct reopen *ro = cls;
	int nv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, nv), 0);
	close(ro->old_peer);
	close(ro->fd);
	loop_fd_closed(ro->l, ro->fd);
	ck_assert_int_eq(dup2(nv[0], ro->fd), ro->fd);
	close(nv[0]);
	nonblock(ro->fd);
	ro->peer = nv[1];
	/* The same events as before: only loop_fd_closed tells the loop it must add it anew. */
	ck_assert_int_eq(loop_fd_set(ro->l, ro->fd, LOOP_IN, fd_note, ro->r), 0);
}

START_TEST(test_fd_closed_reused)
{
	struct loop *l = new_loop();
	struct fdrec first, second;
	struct reopen ro;
	struct runner run;
	int sv[2];

	make_socketpair(sv);
	fdrec_init(&first, l);
	fdrec_init(&second, l);
	first.keep = 1;
	ck_assert_int_eq(loop_fd_set(l, sv[0], LOOP_IN, fd_note, &first), 0);
	runner_start(&run, l);
	put_byte(sv[1]);
	ck_assert_int_eq(gate_wait(&first.calls, 1), 1);

	ro = (struct reopen){l, sv[0], sv[1], -1, &second};
	on_loop(&run, reopen_same_number, &ro);
	on_loop(&run, NULL, NULL);
	ck_assert_int_eq(gate_count(&second.calls), 0);
	put_byte(ro.peer);
	ck_assert_int_eq(gate_wait(&second.calls, 1), 1);
	ck_assert_int_eq(second.fd, sv[0]);
	ck_assert_uint_eq(second.events, LOOP_IN);
	ck_assert_int_eq(gate_count(&first.calls), 1);
	runner_stop(&run);
	loop_free(l);
	close(ro.fd);
	close(ro.peer);
}
END_TEST

/* A client: due at a fixed time (-1: never), once, or whenever armed. */
struct client {
	int64_t due;
	int armed; /* due now while set; run clears it */
	int runs;
	int64_t ran_at;
	struct loop *current;
	struct gate *ran;
};

static int64_t
client_due(void *cls)
{
	struct client *c = cls;

	if (c->armed)
		return 0;
	return c->runs == 0 ? c->due : -1;
}

static void
client_run(void *cls)
{
	struct client *c = cls;

	c->ran_at = loop_now_us();
	c->current = loop_current();
	c->runs++;
	c->armed = 0;
	gate_open(c->ran);
}

START_TEST(test_client_due)
{
	struct loop *l = new_loop();
	struct client soon = {0}, never = {0}, later = {0};
	struct gate ran;
	struct runner run;
	int64_t start;

	gate_init(&ran);
	soon.ran = never.ran = later.ran = &ran;
	start = loop_now_us();
	soon.due = start + 20000;
	never.due = -1;
	later.due = start + INT64_C(3600) * 1000000;
	ck_assert_int_eq(loop_client_add(l, client_due, client_run, &never), 0);
	ck_assert_int_eq(loop_client_add(l, client_due, client_run, &later), 0);
	ck_assert_int_eq(loop_client_add(l, client_due, client_run, &soon), 0);
	runner_start(&run, l);
	ck_assert_int_eq(gate_wait(&ran, 1), 1);
	on_loop(&run, NULL, NULL);
	runner_stop(&run);
	ck_assert_int_eq(soon.runs, 1);
	ck_assert_msg(soon.ran_at >= soon.due, "ran %lld us before it was due",
	              (long long)(soon.due - soon.ran_at));
	ck_assert_ptr_eq(soon.current, l);
	ck_assert_int_eq(never.runs, 0);
	ck_assert_int_eq(later.runs, 0);
	ck_assert_int_eq(gate_count(&ran), 1);
	gate_destroy(&ran);
	loop_free(l);
}
END_TEST

/* The loop waits for the client's time with nothing else to wake it. */
START_TEST(test_client_wakes_loop)
{
	struct loop *l = new_loop();
	struct client c = {0};
	struct gate ran;
	struct runner run;

	gate_init(&ran);
	c.ran = &ran;
	c.due = loop_now_us() + 50000;
	ck_assert_int_eq(loop_client_add(l, client_due, client_run, &c), 0);
	runner_start(&run, l);
	ck_assert_int_eq(gate_wait(&ran, 1), 1);
	ck_assert_int_ge(c.ran_at, c.due);
	runner_stop(&run);
	ck_assert_int_eq(c.runs, 1);
	gate_destroy(&ran);
	loop_free(l);
}
END_TEST

static void
arm_all(void *cls)
{
	struct client *c = cls;
	int i;

	for (i = 0; i <= LOOP_MAX_CLIENTS; i++)
		c[i].armed = 1;
}

static void
remove_fifth(void *cls)
{
	struct client *c = cls;

	loop_client_remove(loop_current(), &c[5]);
	arm_all(c);
}

START_TEST(test_client_max_and_remove)
{
	struct loop *l = new_loop();
	struct client c[LOOP_MAX_CLIENTS + 1], extra = {0};
	struct gate ran;
	struct runner run;
	int i;

	gate_init(&ran);
	memset(c, 0, sizeof(c));
	for (i = 0; i <= LOOP_MAX_CLIENTS; i++) {
		c[i].due = -1;
		c[i].armed = 1;
		c[i].ran = &ran;
	}
	for (i = 0; i < LOOP_MAX_CLIENTS; i++)
		ck_assert_int_eq(loop_client_add(l, client_due, client_run, &c[i]), 0);
	ck_assert_int_eq(loop_client_add(l, client_due, client_run, &extra), -1);
	/* Removing one makes room for another; removing one never added changes nothing. */
	loop_client_remove(l, &c[3]);
	loop_client_remove(l, &extra);
	ck_assert_int_eq(loop_client_add(l, client_due, client_run, &c[LOOP_MAX_CLIENTS]), 0);
	ck_assert_int_eq(loop_client_add(l, client_due, client_run, &extra), -1);

	runner_start(&run, l);
	ck_assert_int_eq(gate_wait(&ran, LOOP_MAX_CLIENTS), LOOP_MAX_CLIENTS);
	on_loop(&run, NULL, NULL);
	for (i = 0; i <= LOOP_MAX_CLIENTS; i++) {
		ck_assert_msg(c[i].runs == (i == 3 ? 0 : 1), "client %d ran %d times", i,
		              c[i].runs);
		if (i != 3)
			ck_assert_ptr_eq(c[i].current, l);
	}

	/* Removed while the loop runs: the others, before and after it, run on. */
	on_loop(&run, remove_fifth, c);
	ck_assert_int_eq(gate_wait(&ran, 2 * LOOP_MAX_CLIENTS - 1), 2 * LOOP_MAX_CLIENTS - 1);
	on_loop(&run, NULL, NULL);
	runner_stop(&run);
	for (i = 0; i <= LOOP_MAX_CLIENTS; i++) {
		int want = i == 3 ? 0 : i == 5 ? 1 : 2;

		ck_assert_msg(c[i].runs == want, "client %d ran %d times, want %d", i, c[i].runs,
		              want);
	}
	ck_assert_int_eq(extra.runs, 0);
	gate_destroy(&ran);
	loop_free(l);
}
END_TEST

#define POST_THREADS 4
#define POST_ITEMS 1000

struct post_log {
	struct loop *l;
	int next[POST_THREADS]; /* the sequence number each thread's next item must have */
	int out_of_order;
	int off_loop; /* items run with loop_current() != l */
};

struct post_item {
	struct post_log *log;
	int thread;
	int seq;
	int runs;
};

static void
post_item_run(void *cls)
{
	struct post_item *it = cls;
	struct post_log *log = it->log;

	if (loop_current() != log->l)
		log->off_loop++;
	if (it->seq != log->next[it->thread])
		log->out_of_order++;
	log->next[it->thread] = it->seq + 1;
	it->runs++;
}

struct poster {
	struct loop *l;
	pthread_barrier_t *start;
	struct post_item *items;
	int refused;
};

static void *
poster_main(void *arg)
{
	struct poster *p = arg;
	int k;

	pthread_barrier_wait(p->start);
	for (k = 0; k < POST_ITEMS; k++)
		if (loop_post(p->l, post_item_run, &p->items[k]) != 0)
			p->refused++;
	return NULL;
}

START_TEST(test_post_threads)
{
	struct loop *l = new_loop();
	struct post_log log = {0};
	struct post_item *items = calloc(POST_THREADS * POST_ITEMS, sizeof(*items));
	struct poster p[POST_THREADS];
	pthread_t t[POST_THREADS];
	pthread_barrier_t start;
	struct runner run;
	int i, k;

	ck_assert_ptr_nonnull(items);
	log.l = l;
	for (i = 0; i < POST_THREADS; i++)
		for (k = 0; k < POST_ITEMS; k++)
			items[i * POST_ITEMS + k] = (struct post_item){&log, i, k, 0};
	ck_assert_int_eq(pthread_barrier_init(&start, NULL, POST_THREADS), 0);
	runner_start(&run, l);
	for (i = 0; i < POST_THREADS; i++) {
		p[i] = (struct poster){l, &start, &items[i * POST_ITEMS], 0};
		ck_assert_int_eq(pthread_create(&t[i], NULL, poster_main, &p[i]), 0);
	}
	for (i = 0; i < POST_THREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(p[i].refused, 0);
	}
	/* Everything has run by the time one more post has, without loop_stop's wake-up. */
	on_loop(&run, NULL, NULL);
	for (i = 0; i < POST_THREADS; i++)
		ck_assert_int_eq(log.next[i], POST_ITEMS);
	runner_stop(&run);
	pthread_barrier_destroy(&start);
	ck_assert_int_eq(log.out_of_order, 0);
	ck_assert_int_eq(log.off_loop, 0);
	for (i = 0; i < POST_THREADS; i++)
		ck_assert_int_eq(log.next[i], POST_ITEMS);
	for (i = 0; i < POST_THREADS * POST_ITEMS; i++)
		ck_assert_msg(items[i].runs == 1, "item %d of thread %d ran %d times", items[i].seq,
		              items[i].thread, items[i].runs);
	free(items);
	loop_free(l);
}
END_TEST

static void
open_gate(void *cls)
{
	gate_open(cls);
}

/* No clients and no fds: the loop waits with no timeout, and a post must wake it. */
START_TEST(test_post_wakes_idle_loop)
{
	struct loop *l = new_loop();
	struct runner run;
	struct gate g;
	int k;

	gate_init(&g);
	runner_start(&run, l);
	on_loop(&run, NULL, NULL);
	for (k = 1; k <= 3; k++) {
		/* Time for the loop to go back to waiting. */
		harness_sleep_ms(20);
		ck_assert_int_eq(loop_post(l, open_gate, &g), 0);
		ck_assert_int_eq(gate_wait(&g, k), k);
	}
	runner_stop(&run);
	gate_destroy(&g);
	loop_free(l);
}
END_TEST

/* loop_stop from another thread, with the loop waiting for nothing, makes loop_run return. */
START_TEST(test_stop_idle_loop)
{
	struct loop *l = new_loop();
	struct runner run;

	runner_start(&run, l);
	on_loop(&run, NULL, NULL);
	harness_sleep_ms(20);
	runner_stop(&run);
	loop_free(l);
}
END_TEST

static void
count_run(void *cls)
{
	(*(int *)cls)++;
}

/* Holds the loop in a pass until the test thread lets it go. */
struct blocker {
	struct gate entered;
	struct gate release;
};

static void
block_run(void *cls)
{
	struct blocker *b = cls;

	gate_open(&b->entered);
	gate_wait(&b->release, 1);
}

/* Posts from the last pass, where the loop is stopping: either refused or run. */
struct inner {
	struct loop *l;
	int ret;
	int ran;
};

static void
inner_post(void *cls)
{
	struct inner *in = cls;

	in->ret = loop_post(in->l, count_run, &in->ran);
}

/*
 * Work posted while the loop is busy, then loop_stop: all of it runs before loop_run
 * returns. Work posted after loop_stop but before loop_run returns runs if it was taken.
 */
START_TEST(test_post_before_stop)
{
	struct loop *l = new_loop();
	struct inner in = {l, 99, 0};
	struct blocker b;
	struct runner run;
	int count = 0, late = 0, late_ret, k;

	gate_init(&b.entered);
	gate_init(&b.release);
	runner_start(&run, l);
	ck_assert_int_eq(loop_post(l, block_run, &b), 0);
	ck_assert_int_eq(gate_wait(&b.entered, 1), 1);
	for (k = 0; k < 100; k++)
		ck_assert_int_eq(loop_post(l, count_run, &count), 0);
	ck_assert_int_eq(loop_post(l, inner_post, &in), 0);
	loop_stop(l);
	late_ret = loop_post(l, count_run, &late);
	gate_open(&b.release);
	runner_join(&run);
	ck_assert_int_eq(count, 100);
	ck_assert_int_ne(in.ret, 99);
	ck_assert_msg(in.ran == (in.ret == 0), "loop_post returned %d, ran %d", in.ret, in.ran);
	ck_assert_msg(late == (late_ret == 0), "loop_post returned %d, ran %d", late_ret, late);

	/* Once loop_run has returned, posts are refused and never run. */
	k = 0;
	ck_assert_int_eq(loop_post(l, count_run, &k), -1);
	ck_assert_int_eq(loop_post(l, count_run, &k), -1);
	loop_free(l);
	ck_assert_int_eq(k, 0);
	gate_destroy(&b.entered);
	gate_destroy(&b.release);
}
END_TEST

/* A stop from the loop's own thread, in posted work, ends loop_run too. */
static void
stop_current(void *cls)
{
	(void)cls;
	loop_stop(loop_current());
}

START_TEST(test_stop_from_loop)
{
	struct loop *l = new_loop();
	struct runner run;
	int after = 0;

	runner_start(&run, l);
	ck_assert_int_eq(loop_post(l, stop_current, NULL), 0);
	runner_join(&run);
	ck_assert_int_eq(loop_post(l, count_run, &after), -1);
	loop_free(l);
	ck_assert_int_eq(after, 0);
}
END_TEST

START_TEST(test_free)
{
	struct loop *l;
	int count = 0, k;

	loop_free(NULL);
	l = new_loop();
	loop_free(l);

	/* Work posted to a loop that never runs is freed with it, without being run. */
	l = new_loop();
	for (k = 0; k < 10; k++)
		ck_assert_int_eq(loop_post(l, count_run, &count), 0);
	loop_free(l);
	ck_assert_int_eq(count, 0);
}
END_TEST

/* A loop with watches, clients and work that never ran is freed without calling any. */
START_TEST(test_free_unrun)
{
	struct loop *l = new_loop();
	struct client c = {0};
	struct gate ran;
	struct fdrec r;
	int count = 0;
	int sv[2];

	gate_init(&ran);
	c.ran = &ran;
	make_socketpair(sv);
	put_byte(sv[1]);
	fdrec_init(&r, l);
	ck_assert_int_eq(loop_fd_set(l, sv[0], LOOP_IN, fd_note, &r), 0);
	/* Stopping to watch an fd past the table needs no room in it. */
	ck_assert_int_eq(loop_fd_set(l, HIGH_FD, 0, fd_note, &r), 0);
	ck_assert_int_eq(loop_client_add(l, client_due, client_run, &c), 0);
	ck_assert_int_eq(loop_post(l, count_run, &count), 0);
	loop_free(l);
	ck_assert_int_eq(count, 0);
	ck_assert_int_eq(gate_count(&r.calls), 0);
	ck_assert_int_eq(c.runs, 0);
	close(sv[0]);
	close(sv[1]);
	gate_destroy(&ran);
}
END_TEST

START_TEST(test_now_monotonic)
{
	int64_t a = loop_now_us(), b;

	ck_assert_int_gt(a, 0);
	harness_sleep_ms(5);
	b = loop_now_us();
	ck_assert_int_ge(b - a, 5000);
}
END_TEST

static Suite *
loop_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("current");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_current_outside);
	tcase_add_test(tc, test_current_per_thread);
	tcase_add_test(tc, test_now_monotonic);
	suite_add_tcase(s, tc);

	tc = tcase_create("fd");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_fd_in);
	tcase_add_test(tc, test_fd_keep_then_unwatch);
	tcase_add_test(tc, test_fd_out);
	tcase_add_test(tc, test_fd_hangup);
	tcase_add_test(tc, test_fd_hangup_pipe);
	tcase_add_test(tc, test_fd_change_callback);
	tcase_add_test(tc, test_fd_negative);
	tcase_add_test(tc, test_fd_high);
	tcase_add_test(tc, test_fd_unwatched_in_pass);
	tcase_add_test(tc, test_fd_reopened_in_pass);
	tcase_add_test(tc, test_fd_closed_reused);
	suite_add_tcase(s, tc);

	tc = tcase_create("clients");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_client_due);
	tcase_add_test(tc, test_client_wakes_loop);
	tcase_add_test(tc, test_client_max_and_remove);
	suite_add_tcase(s, tc);

	tc = tcase_create("post");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_post_threads);
	tcase_add_test(tc, test_post_wakes_idle_loop);
	tcase_add_test(tc, test_stop_idle_loop);
	tcase_add_test(tc, test_post_before_stop);
	tcase_add_test(tc, test_stop_from_loop);
	tcase_add_test(tc, test_free);
	tcase_add_test(tc, test_free_unrun);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(loop_suite());
}
