/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Leveled logging, shared by the tools and the agent; libbpf's and libxdp's
 * own messages come through here too, demoted one level. Every line says its
 * level, in one of three ways (log.c): a `<N>` priority prefix when stderr is
 * systemd's journal stream, an ISO 8601 UTC timestamp and a level word on any
 * other stderr, the syslog priority with --syslog.
 */
#ifndef XDPCAST_LOG_H
#define XDPCAST_LOG_H

#include <stdarg.h>
#include <stdio.h>

/* LOG_LEVEL_NONE: nothing at all (the fuzz harnesses). In the order of the
 * syslog priorities they map to: err, warning, info, debug. */
enum log_level {
	LOG_LEVEL_NONE = -1,
	LOG_LEVEL_ERR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

void log_set_level(enum log_level level);
void log_set_prefix(const char *prog_name);
/* Where the stderr formats write (stderr unless told): the tests' pipes and
 * memory streams. Whether it is the journal is decided again at the next line. */
void log_set_stream(FILE *out);
/* Send messages to syslog (daemon facility) instead of stderr. */
void log_use_syslog(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Routes libbpf's and libxdp's messages into log_msg(). */
void log_install_lib_hooks(void);
/* Library warnings at debug level too (a daemon logging at info). */
void log_quiet_libs(void);
/* Logs "@what: <libbpf's description of err> (err)" as an error and returns err. */
int log_err(int err, const char *what);

#define pr_err(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif /* XDPCAST_LOG_H */
