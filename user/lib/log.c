// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Leveled logging, shared by the tools and the agent. Each line carries its
 * level so that an operator can filter on it:
 * - stderr connected to systemd's journal (JOURNAL_STREAM names stderr's
 *   device and inode, as sd_journal_stream_fd(3) sets it): "<4>text", the
 *   sd-daemon(3) priority prefix that journald turns into PRIORITY=, so
 *   `journalctl -p warning` finds the warnings; the journal has the time;
 * - any other stderr: "2026-12-05T06:08:54.123Z xdpcastd: warning: text",
 *   UTC (a router's logs are compared across time zones);
 * - --syslog: vsyslog() with the matching priority.
 * A message of several lines gives each line the prefix: journald reads a
 * stream line by line, and a line without its own prefix would be info.
 */
#include "log.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <xdp/libxdp.h>

enum log_sink { SINK_UNKNOWN, SINK_STDERR, SINK_JOURNAL };

/* Quiet unless something is wrong: libbpf's warnings (demoted to info) include
 * expected probes, such as libxdp's dispatcher check. */
static enum log_level current_level = LOG_LEVEL_WARN;
static const char *prefix = "xdpcast";
static bool to_syslog;
static FILE *out_stream; /* NULL: stderr */
static enum log_sink sink = SINK_UNKNOWN;
static enum log_level lib_warn_level = LOG_LEVEL_INFO;

static const struct {
	int priority;
	const char *word;
} levels[] = {
	[LOG_LEVEL_ERR] = { LOG_ERR, "error" },
	[LOG_LEVEL_WARN] = { LOG_WARNING, "warning" },
	[LOG_LEVEL_INFO] = { LOG_INFO, "info" },
	[LOG_LEVEL_DEBUG] = { LOG_DEBUG, "debug" },
};

void log_set_level(enum log_level level)
{
	current_level = level;
}

void log_set_prefix(const char *prog_name)
{
	prefix = prog_name;
}

void log_set_stream(FILE *out)
{
	out_stream = out;
	sink = SINK_UNKNOWN;
}

void log_use_syslog(void)
{
	openlog(prefix, LOG_PID, LOG_DAEMON);
	to_syslog = true;
}

/* JOURNAL_STREAM is "DEV:INO" in decimal; it holds for stderr only if stderr
 * is still that stream (a shell redirection inherits the variable too). */
static bool is_journal(FILE *out)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;
	int fd;

	if (!env || !*env)
		return false;
	errno = 0;
	dev = strtoull(env, &end, 10);
	if (errno || end == env || *end != ':')
		return false;
	env = end + 1;
	ino = strtoull(env, &end, 10);
	if (errno || end == env || *end)
		return false;
	fd = fileno(out);
	if (fd < 0 || fstat(fd, &st))
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* "2026-12-05T06:08:54.123Z": ISO 8601, UTC, milliseconds. */
static void format_time(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* Each line of @text with the sink's prefix; a missing last newline added. */
static void write_lines(FILE *out, enum log_level level, const char *text)
{
	char head[96];

	if (sink == SINK_JOURNAL) {
		snprintf(head, sizeof(head), "<%d>", levels[level].priority);
	} else {
		char now[32];

		format_time(now, sizeof(now));
		snprintf(head, sizeof(head), "%s %s: %s: ", now, prefix, levels[level].word);
	}
	while (*text) {
		const char *nl = strchrnul(text, '\n');

		/* one fprintf per line: one write(2) on unbuffered stderr */
		fprintf(out, "%s%.*s\n", head, (int)(nl - text), text);
		text = *nl ? nl + 1 : nl;
	}
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	FILE *out = out_stream ? out_stream : stderr;
	char small[512], *text = small;
	va_list copy;
	int len;

	if (level > current_level || level < LOG_LEVEL_ERR)
		return;
	if (to_syslog) {
		vsyslog(levels[level].priority, fmt, ap);
		return;
	}
	if (sink == SINK_UNKNOWN)
		sink = is_journal(out) ? SINK_JOURNAL : SINK_STDERR;
	va_copy(copy, ap);
	len = vsnprintf(small, sizeof(small), fmt, ap);
	/* libbpf's verifier log runs to many lines: kept whole when memory allows */
	if (len >= (int)sizeof(small)) {
		text = malloc((size_t)len + 1);
		if (text)
			vsnprintf(text, (size_t)len + 1, fmt, copy);
		else
			text = small;
	}
	va_end(copy);
	if (len >= 0)
		write_lines(out, level, text);
	if (text != small)
		free(text);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings are often expected probes: one level down */
	log_vmsg(level == LIBBPF_WARN ? lib_warn_level : LOG_LEVEL_DEBUG, fmt, ap);
	return 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	log_vmsg(level == LIBXDP_WARN ? lib_warn_level : LOG_LEVEL_DEBUG, fmt, ap);
	return 0;
}

void log_quiet_libs(void)
{
	lib_warn_level = LOG_LEVEL_DEBUG;
}

void log_install_lib_hooks(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

int log_err(int err, const char *what)
{
	char buf[128];

	libbpf_strerror(err, buf, sizeof(buf));
	pr_err("%s: %s (%d)\n", what, buf, err);
	return err;
}
