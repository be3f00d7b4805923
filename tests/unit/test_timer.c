#include "timer.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "loop.h"

#include "harness.h"

#define MAX_FIRED 4096

struct seen {
	pthread_mutex_t lock;
	size_t n;
	intptr_t order[MAX_FIRED];
	int64_t when[MAX_FIRED];
	void *b[MAX_FIRED];
	atomic_int sweeps;
	atomic_int befores;
};

static void
on_fire(void *cls, void *a, void *b)
{
	struct seen *s = cls;

	pthread_mutex_lock(&s->lock);
	if (s->n < MAX_FIRED) {
		s->order[s->n] = (intptr_t)a;
		s->when[s->n] = loop_now_us();
		s->b[s->n] = b;
		s->n++;
	}
	pthread_mutex_unlock(&s->lock);
}

static void
on_sweep(void *cls, int64_t now)
{
	struct seen *s = cls;

	(void)now;
	atomic_fetch_add(&s->sweeps, 1);
}

static struct seen *seen_for_before;

static void
on_before(void *a)
{
	(void)a;
	atomic_fetch_add(&seen_for_before->befores, 1);
}

static struct seen *
seen_new(void)
{
	struct seen *s = calloc(1, sizeof(*s));

	ck_assert_ptr_nonnull(s);
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

static size_t
seen_count(struct seen *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->n;
	pthread_mutex_unlock(&s->lock);
	return n;
}

START_TEST(entries_fire_in_time_order_with_their_pointers)
{
	struct seen *s = seen_new();
	struct timer_options o = {on_fire, s, NULL, NULL, 0, 0};
	char err[128];
	struct timer *t = timer_start(&o, err, sizeof(err));
	int64_t now = loop_now_us();
	int i;

	ck_assert_ptr_nonnull(t);
	seen_for_before = s;
	/* Added out of order: 30, 10, 20 ms from now. */
	ck_assert_int_eq(timer_add(t, now + 30000, (void *)3, (void *)"c", on_before), 0);
	ck_assert_int_eq(timer_add(t, now + 10000, (void *)1, (void *)"a", NULL), 0);
	ck_assert_int_eq(timer_add(t, now + 20000, (void *)2, (void *)"b", on_before), 0);
	ck_assert_int_eq(atomic_load(&s->befores), 2);
	for (i = 0; i < 200 && seen_count(s) < 3; i++)
		harness_sleep_ms(5);
	ck_assert_uint_eq(seen_count(s), 3);
	ck_assert_int_eq(s->order[0], 1);
	ck_assert_int_eq(s->order[1], 2);
	ck_assert_int_eq(s->order[2], 3);
	ck_assert_str_eq(s->b[0], "a");
	ck_assert_str_eq(s->b[2], "c");
	/* None fires early. */
	ck_assert_int_ge(s->when[0], now + 10000);
	ck_assert_int_ge(s->when[2], now + 30000);
	timer_free(t);
	free(s);
}
END_TEST

START_TEST(due_entries_go_in_batches_a_millisecond_apart)
{
	struct seen *s = seen_new();
	struct timer_options o = {on_fire, s, NULL, NULL, 0, 32};
	char err[128];
	struct timer *t = timer_start(&o, err, sizeof(err));
	int64_t at = loop_now_us() + 20000;
	intptr_t i;

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < 320; i++)
		ck_assert_int_eq(timer_add(t, at, (void *)i, NULL, NULL), 0);
	for (i = 0; i < 400 && seen_count(s) < 320; i++)
		harness_sleep_ms(5);
	ck_assert_uint_eq(seen_count(s), 320);
	/* Ten batches of 32 need at least nine pauses of a millisecond between them. */
	ck_assert_int_ge(s->when[319] - s->when[0], 9000);
	timer_free(t);
	free(s);
}
END_TEST

START_TEST(stopping_fires_everything_left_at_once_and_refuses_more)
{
	struct seen *s = seen_new();
	struct timer_options o = {on_fire, s, NULL, NULL, 0, 32};
	char err[128];
	struct timer *t = timer_start(&o, err, sizeof(err));
	int64_t far = loop_now_us() + 3600LL * 1000000;
	intptr_t i;

	ck_assert_ptr_nonnull(t);
	seen_for_before = s;
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(timer_add(t, far, (void *)i, NULL, NULL), 0);
	timer_stop(t);
	ck_assert_uint_eq(seen_count(s), 100);
	ck_assert_int_eq(timer_add(t, far, (void *)1, NULL, on_before), -1);
	ck_assert_int_eq(atomic_load(&s->befores), 0);
	timer_stop(t);
	timer_free(t);
	timer_free(NULL);
	free(s);
}
END_TEST

START_TEST(the_sweep_runs_on_its_period)
{
	struct seen *s = seen_new();
	struct timer_options o = {on_fire, s, on_sweep, s, 10000, 0};
	char err[128];
	struct timer *t = timer_start(&o, err, sizeof(err));

	ck_assert_ptr_nonnull(t);
	harness_sleep_ms(205);
	timer_free(t);
	/* Twenty periods of 10 ms; a loaded machine may lose a few, never gain many. */
	ck_assert_int_ge(atomic_load(&s->sweeps), 5);
	ck_assert_int_le(atomic_load(&s->sweeps), 22);
	free(s);
}
END_TEST

static Suite *
timer_suite(void)
{
	Suite *s = suite_create("timer");
	TCase *t = tcase_create("timer");

	tcase_add_test(t, entries_fire_in_time_order_with_their_pointers);
	tcase_add_test(t, due_entries_go_in_batches_a_millisecond_apart);
	tcase_add_test(t, stopping_fires_everything_left_at_once_and_refuses_more);
	tcase_add_test(t, the_sweep_runs_on_its_period);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return harness_run(timer_suite());
}
