/*
 * main.c - the command line and the signals.
 *
 * `gongmock generate ...` makes fixture data; anything else serves. Signals are blocked in
 * every thread and taken here with sigwait, so reload and shutdown run as ordinary code on
 * the main thread instead of inside a signal handler.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "generate.h"
#include "log.h"
#include "server.h"

#ifndef GONGMOCK_VERSION
#define GONGMOCK_VERSION "0.1.0"
#endif

/* Many concurrent clients need many descriptors: take the hard limit. */
static void
main_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct server *srv;
	sigset_t set;
	char err[1024];
	int code, sig;

	if (argc > 1 && strcmp(argv[1], "generate") == 0)
		return generate_main(argc - 1, argv + 1);

	config_defaults(&cfg);
	switch (config_parse(&cfg, argc, argv, err, sizeof(err))) {
	case CONFIG_OK:
		break;
	case CONFIG_HELP:
		config_usage(stdout);
		return 0;
	case CONFIG_VERSION:
		printf("gongmock %s\n", GONGMOCK_VERSION);
		return 0;
	default:
		fprintf(stderr, "gongmock: %s\n", err);
		return 2;
	}
	log_setup(cfg.log_format == CONFIG_LOG_JSON ? LOG_JSON : LOG_TEXT, cfg.quiet);

	/* Block before any thread starts, so the server's threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	main_raise_nofile();

	srv = server_start(&cfg, err, sizeof(err), &code);
	if (srv == NULL) {
		fprintf(stderr, "gongmock: %s\n", err);
		return code;
	}
	if (strchr(cfg.bind, ':') != NULL)
		printf("listening on http://[%s]:%u\n", cfg.bind, server_port(srv));
	else
		printf("listening on http://%s:%u\n", cfg.bind, server_port(srv));
	fflush(stdout);
	log_msg("info", "serving %zu calls from %s (loaded in %lld ms)", server_calls(srv),
		cfg.fixtures ? cfg.fixtures : "the built-in fixtures", server_load_us(srv) / 1000);

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			if (server_reload(srv, err, sizeof(err)) == 0)
				log_msg("info", "reloaded: serving %zu calls (loaded in %lld ms)",
					server_calls(srv), server_load_us(srv) / 1000);
			else
				log_msg("error", "reload failed, still serving the old data: %s",
					err);
			continue;
		}
		break;
	}
	log_msg("info", "shutting down: finishing requests in flight");
	server_stop(srv);
	return 0;
}
