// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The log's three formats (log.c): a UTC timestamp and a level word on a
 * plain stderr, sd-daemon `<N>` priorities when stderr is the journal stream
 * that JOURNAL_STREAM names (checked with a pipe whose device and inode the
 * test puts there), syslog priorities with --syslog (a datagram socket at
 * /dev/log in a private mount namespace); one prefix per line, levels
 * filtered, libbpf's warnings demoted.
 */

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "log.h"

static char *mem;
static size_t mem_len;
static FILE *mem_out;

static void mem_setup(void)
{
	unsetenv("JOURNAL_STREAM");
	mem_out = open_memstream(&mem, &mem_len);
	cr_assert_not_null(mem_out);
	log_set_stream(mem_out);
	log_set_prefix("xdpcast-test");
	log_set_level(LOG_LEVEL_DEBUG);
}

static void mem_teardown(void)
{
	log_set_stream(NULL);
	log_set_level(LOG_LEVEL_WARN);
	fclose(mem_out);
	free(mem);
	mem = NULL;
}

static const char *logged(void)
{
	fflush(mem_out);
	return mem;
}

static bool matches(const char *text, const char *pattern)
{
	regex_t re;
	int rc;

	cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE), 0, "%s", pattern);
	rc = regexec(&re, text, 0, NULL, 0);
	regfree(&re);
	return rc == 0;
}

#define STAMP "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

Test(log, stderr_lines_have_a_utc_timestamp_and_a_level_word, .init = mem_setup,
     .fini = mem_teardown)
{
	pr_err("e %d\n", 1);
	pr_warn("w %s\n", "two");
	pr_info("i\n");
	pr_debug("d\n");
	cr_assert(matches(logged(), "^" STAMP " xdpcast-test: error: e 1\n" STAMP
				    " xdpcast-test: warning: w two\n" STAMP
				    " xdpcast-test: info: i\n" STAMP " xdpcast-test: debug: d\n$"),
		  "%s", logged());
}

Test(log, the_timestamp_is_now_in_utc, .init = mem_setup, .fini = mem_teardown)
{
	struct tm tm = { 0 };
	time_t before = time(NULL), after, at;
	const char *rest;

	pr_warn("now\n");
	after = time(NULL);
	rest = strptime(logged(), "%Y-%m-%dT%H:%M:%S", &tm);
	cr_assert_not_null(rest, "%s", logged());
	at = timegm(&tm);
	cr_assert(at >= before && at <= after, "%ld not in [%ld, %ld]: %s", (long)at, (long)before,
		  (long)after, logged());
	cr_assert(matches(rest, "^\\.[0-9]{3}Z "), "%s", rest);
}

Test(log, levels_below_the_set_one_are_dropped, .init = mem_setup, .fini = mem_teardown)
{
	log_set_level(LOG_LEVEL_WARN);
	pr_debug("d\n");
	pr_info("i\n");
	pr_warn("w\n");
	pr_err("e\n");
	cr_assert(matches(logged(), "^" STAMP " xdpcast-test: warning: w\n" STAMP
				    " xdpcast-test: error: e\n$"),
		  "%s", logged());
	log_set_level(LOG_LEVEL_NONE);
	pr_err("not even this\n");
	cr_assert_null(strstr(logged(), "not even"));
}

Test(log, every_line_of_a_message_has_its_prefix, .init = mem_setup, .fini = mem_teardown)
{
	pr_warn("first\nsecond\nthird"); /* no final newline: added */
	cr_assert(matches(logged(), "^" STAMP " xdpcast-test: warning: first\n" STAMP
				    " xdpcast-test: warning: second\n" STAMP
				    " xdpcast-test: warning: third\n$"),
		  "%s", logged());
}

Test(log, a_long_message_is_kept_whole, .init = mem_setup, .fini = mem_teardown)
{
	char big[3000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pr_info("%s|end\n", big);
	cr_assert_not_null(strstr(logged(), big));
	cr_assert(matches(logged(), "x\\|end\n$"), "%.80s...", logged());
}

/* Up to @len - 1 bytes from @fd until its end. */
static size_t read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	return got;
}

/* The pipe's write end as the log's stream, JOURNAL_STREAM set to @env (NULL:
 * the pipe's own device and inode); what the log wrote, read back. */
static void journal_run(const char *env, void (*emit)(void), char *buf, size_t len)
{
	int fds[2];
	struct stat st;
	char own[64];
	FILE *w;

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(fstat(fds[1], &st), 0);
	snprintf(own, sizeof(own), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env ? env : own, 1);
	w = fdopen(fds[1], "w");
	cr_assert_not_null(w);
	setvbuf(w, NULL, _IONBF, 0);
	log_set_stream(w);
	emit();
	log_set_stream(mem_out);
	fclose(w);
	buf[read_all(fds[0], buf, len)] = '\0';
	close(fds[0]);
}

static void emit_four(void)
{
	pr_err("e\n");
	pr_warn("backend b2 198.18.2.2: up -> down (timeout)\n");
	pr_info("i\n");
	pr_debug("d\n");
	pr_warn("two\nlines\n");
}

Test(log, journal_stream_lines_carry_sd_daemon_priorities, .init = mem_setup, .fini = mem_teardown)
{
	char buf[512];

	journal_run(NULL, emit_four, buf, sizeof(buf));
	cr_assert_str_eq(buf, "<3>e\n"
			      "<4>backend b2 198.18.2.2: up -> down (timeout)\n"
			      "<6>i\n"
			      "<7>d\n"
			      "<4>two\n"
			      "<4>lines\n");
}

Test(log, journal_stream_of_another_file_is_not_the_journal, .init = mem_setup,
     .fini = mem_teardown)
{
	char buf[512];
	struct stat st;
	char other[64];

	/* stderr redirected by a shell under systemd: the variable stays, the stream changed */
	cr_assert_eq(stat("/", &st), 0);
	snprintf(other, sizeof(other), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	journal_run(other, emit_four, buf, sizeof(buf));
	cr_assert(matches(buf, "^" STAMP " xdpcast-test: error: e\n"), "%s", buf);
	cr_assert_null(strstr(buf, "<4>"));
}

Test(log, a_malformed_journal_stream_is_not_the_journal, .init = mem_setup, .fini = mem_teardown)
{
	static const char *const bad[] = { "", "12", "12:", ":34", "12:34x", "x:1", "1:2:3" };
	char buf[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		journal_run(bad[i], emit_four, buf, sizeof(buf));
		cr_assert(matches(buf, "^" STAMP " xdpcast-test: error: e\n"), "'%s': %s", bad[i],
			  buf);
	}
}

static void lib_say(libbpf_print_fn_t fn, enum libbpf_print_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fn(level, fmt, ap);
	va_end(ap);
}

Test(log, libbpf_warnings_come_one_level_down, .init = mem_setup, .fini = mem_teardown)
{
	libbpf_print_fn_t fn;

	log_install_lib_hooks();
	fn = libbpf_set_print(NULL);
	cr_assert_not_null(fn);
	lib_say(fn, LIBBPF_WARN, "libbpf: probe %d failed\n", 7);
	lib_say(fn, LIBBPF_INFO, "libbpf: loaded\n");
	cr_assert(matches(logged(), "^" STAMP " xdpcast-test: info: libbpf: probe 7 failed\n" STAMP
				    " xdpcast-test: debug: libbpf: loaded\n$"),
		  "%s", logged());
	log_quiet_libs();
	lib_say(fn, LIBBPF_WARN, "libbpf: quiet\n");
	cr_assert(matches(logged(), "debug: libbpf: quiet\n$"), "%s", logged());
	libbpf_set_print(NULL);
}

Test(log, log_err_is_an_error_with_libbpfs_words, .init = mem_setup, .fini = mem_teardown)
{
	cr_assert_eq(log_err(-ENOENT, "open map"), -ENOENT);
	cr_assert(matches(logged(), "^" STAMP " xdpcast-test: error: open map: .+ \\(-2\\)\n$"),
		  "%s", logged());
}

/*
 * In a child with its own mount namespace: /dev a fresh tmpfs, /dev/log a
 * datagram socket of the child's; syslog's datagrams written to @out as
 * lines. Exit 0, or 77 when namespaces are not allowed here.
 */
static void syslog_child(int out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	char msg[256];
	int s;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/dev", "tmpfs", 0, "size=64k"))
		_exit(77);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)))
		_exit(1);
	log_set_prefix("xdpcast-test");
	log_use_syslog();
	pr_err("e\n");
	pr_warn("w\n");
	pr_info("i\n");
	pr_debug("d\n");
	for (int i = 0; i < 4; i++) {
		ssize_t n = recv(s, msg, sizeof(msg) - 1, 0);
		const char *gt, *text;

		if (n < 0)
			_exit(1);
		msg[n] = '\0';
		/* "<27>Dec  5 06:08:54 xdpcast-test[42]: e": priority and text */
		gt = strchr(msg, '>');
		text = strstr(msg, "]: ");
		if (!gt || !text)
			_exit(2);
		dprintf(out, "%.*s %.*s\n", (int)(gt - msg + 1), msg, (int)strcspn(text + 3, "\n"),
			text + 3);
	}
	_exit(0);
}

Test(log, syslog_gets_the_matching_priorities, .init = mem_setup, .fini = mem_teardown)
{
	char buf[256] = "";
	int fds[2], status;
	pid_t pid;
	size_t n;

	cr_assert_eq(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		syslog_child(fds[1]);
	}
	close(fds[1]);
	n = read_all(fds[0], buf, sizeof(buf));
	close(fds[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		cr_skip_test("no mount namespace here (not root?)");
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	buf[n] = '\0';
	/* daemon facility (3 << 3) + err 3, warning 4, info 6, debug 7 */
	cr_assert_str_eq(buf, "<27> e\n<28> w\n<30> i\n<31> d\n");
}
