// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Leveled logging to stderr, shared by the tools and the agent. */
#include "log.h"

#include <bpf/libbpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>
#include <xdp/libxdp.h>

/* Quiet unless something is wrong: libbpf's warnings (demoted to info) include
 * expected probes, such as libxdp's dispatcher check. */
static enum log_level current_level = LOG_LEVEL_WARN;
static const char *prefix = "xdpcast";
static bool to_syslog;
static enum log_level lib_warn_level = LOG_LEVEL_INFO;

void log_set_level(enum log_level level)
{
	current_level = level;
}

void log_set_prefix(const char *prog_name)
{
	prefix = prog_name;
}

void log_use_syslog(void)
{
	openlog(prefix, LOG_PID, LOG_DAEMON);
	to_syslog = true;
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const int priority[] = { [LOG_LEVEL_WARN] = LOG_WARNING,
					[LOG_LEVEL_INFO] = LOG_INFO,
					[LOG_LEVEL_DEBUG] = LOG_DEBUG };

	if (level > current_level)
		return;
	if (to_syslog) {
		vsyslog(priority[level], fmt, ap);
		return;
	}
	fprintf(stderr, "%s: ", prefix);
	vfprintf(stderr, fmt, ap);
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
	pr_warn("%s: %s (%d)\n", what, buf, err);
	return err;
}
