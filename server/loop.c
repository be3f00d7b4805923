/*
 * loop.c - one epoll event loop, run by one thread.
 *
 * The fds a loop watches are kept in a table indexed by fd, so an event finds its callback
 * without a search, and watching an fd again with the same events costs no system call. Work
 * from other threads goes into a locked list and an eventfd wakes the loop, written only when
 * the list was empty: the loop takes the whole list each time it comes round. A pass is: ask
 * the clients when they are due, wait for that long at most, call the fd callbacks, run the
 * clients whose time has come, then the posted work. Each event carries the generation its fd
 * had when added, so that an event taken in a batch for an fd that an earlier callback of the
 * same pass closed and reopened is not handed to the new one.
 */
#include "loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* Events taken from epoll at a time. */
#define LOOP_EVENTS 128
/* Longest single wait, so a clock that jumps cannot stall a client for long. */
#define LOOP_MAX_WAIT_MS 60000

struct loop_watch {
	loop_fd_fn *fn;
	void *cls;
	unsigned events; /* 0: not in the epoll set */
	uint32_t gen;    /* raised each time the fd is added or forgotten */
};

struct loop_client {
	loop_due_fn *due;
	loop_run_fn *run;
	void *cls;
};

struct loop_work {
	struct loop_work *next;
	loop_post_fn *fn;
	void *cls;
};

struct loop {
	int epfd;
	int wakefd;
	struct loop_watch *watch; /* indexed by fd */
	size_t nwatch;
	struct loop_client clients[LOOP_MAX_CLIENTS];
	size_t nclients;

	/* Shared with other threads, under lock. */
	pthread_mutex_t lock;
	struct loop_work *posted;
	struct loop_work *posted_tail;
	int stopping; /* loop_stop was called */
	int stopped;  /* the last pass has taken the posted work: no more is taken */
};

static _Thread_local struct loop *loop_tls;

/* What epoll hands back with an event: the fd and its generation. */
static uint64_t
loop_tag(int fd, uint32_t gen)
{
	return ((uint64_t)gen << 32) | (uint32_t)fd;
}

int64_t
loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct loop *
loop_create(char *err, size_t errlen)
{
	struct loop *l = calloc(1, sizeof(*l));
	struct epoll_event ev;

	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&l->lock, NULL);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->epfd < 0 || l->wakefd < 0)
		goto fail;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = loop_tag(l->wakefd, 0);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev) != 0)
		goto fail;
	return l;
fail:
	snprintf(err, errlen, "cannot set up an event loop: %s", strerror(errno));
	loop_free(l);
	return NULL;
}

void
loop_free(struct loop *l)
{
	struct loop_work *w, *next;

	if (l == NULL)
		return;
	for (w = l->posted; w != NULL; w = next) {
		next = w->next;
		free(w);
	}
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->wakefd >= 0)
		close(l->wakefd);
	pthread_mutex_destroy(&l->lock);
	free(l->watch);
	free(l);
}

static uint32_t
loop_epoll_events(unsigned events)
{
	return ((events & LOOP_IN) ? EPOLLIN : 0) | ((events & LOOP_OUT) ? EPOLLOUT : 0);
}

int
loop_fd_set(struct loop *l, int fd, unsigned events, loop_fd_fn *fn, void *cls)
{
	struct loop_watch *w;
	struct epoll_event ev;

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	events &= LOOP_IN | LOOP_OUT;
	if ((size_t)fd >= l->nwatch) {
		size_t n = l->nwatch != 0 ? l->nwatch : 64;
		struct loop_watch *t;

		if (events == 0)
			return 0;
		while (n <= (size_t)fd)
			n *= 2;
		t = realloc(l->watch, n * sizeof(*t));
		if (t == NULL) {
			errno = ENOMEM;
			return -1;
		}
		memset(t + l->nwatch, 0, (n - l->nwatch) * sizeof(*t));
		l->watch = t;
		l->nwatch = n;
	}
	w = &l->watch[fd];
	if (events == 0) {
		if (w->events != 0)
			(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		w->fn = NULL;
		w->cls = NULL;
		w->events = 0;
		w->gen++;
		return 0;
	}
	w->fn = fn;
	w->cls = cls;
	if (w->events == events)
		return 0;
	if (w->events == 0)
		w->gen++;
	memset(&ev, 0, sizeof(ev));
	ev.events = loop_epoll_events(events);
	ev.data.u64 = loop_tag(fd, w->gen);
	if (w->events == 0) {
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0 &&
		    (errno != EEXIST || epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) != 0))
			return -1;
	} else if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) != 0) {
		/* Closed and reopened under the same number without a word: add it anew. */
		if (errno != ENOENT || epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
			return -1;
	}
	w->events = events;
	return 0;
}

void
loop_fd_closed(struct loop *l, int fd)
{
	if (fd >= 0 && (size_t)fd < l->nwatch) {
		struct loop_watch *w = &l->watch[fd];

		w->fn = NULL;
		w->cls = NULL;
		w->events = 0;
		w->gen++;
	}
}

int
loop_client_add(struct loop *l, loop_due_fn *due, loop_run_fn *run, void *cls)
{
	if (l->nclients == LOOP_MAX_CLIENTS)
		return -1;
	l->clients[l->nclients].due = due;
	l->clients[l->nclients].run = run;
	l->clients[l->nclients].cls = cls;
	l->nclients++;
	return 0;
}

void
loop_client_remove(struct loop *l, void *cls)
{
	size_t i;

	for (i = 0; i < l->nclients; i++) {
		if (l->clients[i].cls == cls) {
			memmove(&l->clients[i], &l->clients[i + 1],
			        (l->nclients - i - 1) * sizeof(l->clients[0]));
			l->nclients--;
			return;
		}
	}
}

/* Milliseconds to wait: until the first client is due, rounded up; -1 when none is. */
static int
loop_wait_ms(struct loop *l)
{
	int64_t first = -1, now;
	size_t i;

	for (i = 0; i < l->nclients; i++) {
		int64_t d = l->clients[i].due(l->clients[i].cls);

		if (d >= 0 && (first < 0 || d < first))
			first = d;
	}
	if (first < 0)
		return -1;
	now = loop_now_us();
	if (first <= now)
		return 0;
	if (first - now >= (int64_t)LOOP_MAX_WAIT_MS * 1000)
		return LOOP_MAX_WAIT_MS;
	return (int)((first - now + 999) / 1000);
}

static void
loop_wake(struct loop *l)
{
	uint64_t one = 1;

	/* The counter cannot fill up: the loop reads it every time it wakes. */
	(void)!write(l->wakefd, &one, sizeof(one));
}

/* Runs what was posted; returns 1 when the loop is to stop. */
static int
loop_take_posted(struct loop *l)
{
	struct loop_work *w, *next;
	uint64_t n;
	int stop;

	(void)!read(l->wakefd, &n, sizeof(n));
	pthread_mutex_lock(&l->lock);
	w = l->posted;
	l->posted = l->posted_tail = NULL;
	stop = l->stopping;
	if (stop)
		l->stopped = 1;
	pthread_mutex_unlock(&l->lock);
	for (; w != NULL; w = next) {
		next = w->next;
		w->fn(w->cls);
		free(w);
	}
	return stop;
}

void
loop_run(struct loop *l)
{
	struct epoll_event ev[LOOP_EVENTS];

	loop_tls = l;
	for (;;) {
		int i, n = epoll_wait(l->epfd, ev, LOOP_EVENTS, loop_wait_ms(l));
		int woken = 0;
		size_t c;

		for (i = 0; i < n; i++) {
			int fd = (int)(uint32_t)ev[i].data.u64;
			uint32_t gen = (uint32_t)(ev[i].data.u64 >> 32);
			unsigned events = 0;

			if (fd == l->wakefd) {
				woken = 1;
				continue;
			}
			/* An earlier callback of this pass may have stopped watching it, or closed
			 * it and watched a new fd of the same number. */
			if ((size_t)fd >= l->nwatch || l->watch[fd].events == 0 ||
			    l->watch[fd].gen != gen)
				continue;
			if (ev[i].events & EPOLLIN)
				events |= LOOP_IN;
			if (ev[i].events & EPOLLOUT)
				events |= LOOP_OUT;
			if (ev[i].events & (EPOLLERR | EPOLLHUP))
				events |= LOOP_ERR;
			l->watch[fd].fn(l->watch[fd].cls, fd, events);
		}
		for (c = 0; c < l->nclients; c++) {
			struct loop_client *cl = &l->clients[c];
			int64_t d = cl->due(cl->cls);

			/* The clock is read after due: a client due "now" is due. */
			if (d >= 0 && d <= loop_now_us())
				cl->run(cl->cls);
		}
		if (woken && loop_take_posted(l))
			break;
	}
	loop_tls = NULL;
}

int
loop_post(struct loop *l, loop_post_fn *fn, void *cls)
{
	struct loop_work *w = malloc(sizeof(*w));
	int was_empty;

	if (w == NULL)
		return -1;
	w->next = NULL;
	w->fn = fn;
	w->cls = cls;
	pthread_mutex_lock(&l->lock);
	if (l->stopped) {
		pthread_mutex_unlock(&l->lock);
		free(w);
		return -1;
	}
	was_empty = l->posted == NULL;
	if (l->posted_tail != NULL)
		l->posted_tail->next = w;
	else
		l->posted = w;
	l->posted_tail = w;
	pthread_mutex_unlock(&l->lock);
	/* A list that was not empty has a wake-up on its way already. */
	if (was_empty)
		loop_wake(l);
	return 0;
}

void
loop_stop(struct loop *l)
{
	pthread_mutex_lock(&l->lock);
	l->stopping = 1;
	pthread_mutex_unlock(&l->lock);
	loop_wake(l);
}

struct loop *
loop_current(void)
{
	return loop_tls;
}
