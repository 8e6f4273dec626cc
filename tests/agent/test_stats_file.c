/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The stats file as xdpcastd writes it (stats_file_write()), from a loaded
 * dataplane and an agent without VIPs, into a directory that a local user
 * may write (node_exporter's textfile directory): what that user plants at
 * the temporary's old fixed name (PATH.tmp) is not written through. Names
 * from the configuration with a quote, a backslash and a newline come out
 * escaped in every series.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "agent.h"
#include "stats_file.h"
#include "fixture.h"

#define VICTIM_TEXT "root:x:0:0:root:/root:/bin/bash\n"

static char dir[64];

static void setup(void)
{
	fixture_setup();
	snprintf(dir, sizeof(dir), "/tmp/xdpcast-stats-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		cr_log_warn("cannot remove %s", dir);
	fixture_teardown();
}

static const char *content(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* Entries of the directory besides @want: temporaries left behind. */
static int others(const char *const *want, size_t n)
{
	char cmd[256], line[256];
	int count = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -A '%s'", dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p)) {
		size_t i;

		line[strcspn(line, "\n")] = '\0';
		for (i = 0; i < n && strcmp(line, want[i]); i++)
			;
		if (i == n) {
			cr_log_error("left in %s: %s", dir, line);
			count++;
		}
	}
	pclose(p);
	return count;
}

static struct agent *agent_writing(const char *path)
{
	struct agent *a = calloc(1, sizeof(*a));

	cr_assert_not_null(a);
	a->dp = fx.dp;
	snprintf(a->cfg.stats_file, sizeof(a->cfg.stats_file), "%s", path);
	return a;
}

Test(stats_file, symlink_at_the_old_temporary_name, .init = setup, .fini = teardown)
{
	static const char *const names[] = { "victim", "xdpcast.prom", "xdpcast.prom.tmp" };
	char path[128], tmp[128], victim[128], buf[4096];
	struct agent *a;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/xdpcast.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s/xdpcast.prom.tmp", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	f = fopen(victim, "w");
	cr_assert_not_null(f);
	fputs(VICTIM_TEXT, f);
	fclose(f);
	cr_assert_eq(symlink(victim, tmp), 0, "symlink: %s", strerror(errno));
	a = agent_writing(path);

	cr_assert_eq(stats_file_write(a), 0);

	cr_assert_str_eq(content(victim, buf, sizeof(buf)), VICTIM_TEXT,
			 "the symlink's target was overwritten");
	cr_assert_eq(lstat(path, &st), 0, "no stats file");
	cr_assert(S_ISREG(st.st_mode), "the stats file is not a regular file (mode %o)",
		  st.st_mode);
	cr_assert_eq(st.st_mode & 07777, 0644, "mode %o", st.st_mode & 07777);
	cr_assert_not_null(strstr(content(path, buf, sizeof(buf)),
				  "# TYPE xdpcast_other_packets_total counter\n"));
	cr_assert_eq(others(names, 3), 0, "temporaries left behind");
	free(a);
}

Test(stats_file, unwritable_directory, .init = setup, .fini = teardown)
{
	char path[128];
	struct agent *a;
	int err;

	snprintf(path, sizeof(path), "%s/xdpcast.prom", dir);
	a = agent_writing(path);
	cr_assert_eq(chmod(dir, 0555), 0);
	/* as nobody: root would write anyway */
	cr_assert_eq(seteuid(geteuid() ? geteuid() : 65534), 0, "seteuid: %s", strerror(errno));
	err = stats_file_write(a);
	cr_assert_eq(seteuid(getuid()), 0);
	cr_assert_eq(err, -EACCES, "returned %d", err);
	cr_assert_eq(others(NULL, 0), 0, "files left behind");
	free(a);
}

Test(stats_file, names_from_the_file_are_escaped, .init = setup, .fini = teardown)
{
	static char text[1 << 16];
	struct backend b = { 0 }, *bs[] = { &b };
	struct vip v = { 0 }, *vs[] = { &v };
	char path[128], line[512];
	struct agent *a;
	int rows = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/xdpcast.prom", dir);
	a = agent_writing(path);
	snprintf(v.cfg.name, sizeof(v.cfg.name), "d\"n\\s");
	snprintf(v.cfg.addr.text, sizeof(v.cfg.addr.text), "203.0.113.53");
	v.backends = bs;
	v.n_backends = 1;
	v.agent = a;
	snprintf(b.cfg.name, sizeof(b.cfg.name), "b\n1\"");
	snprintf(b.cfg.addr.text, sizeof(b.cfg.addr.text), "198.18.1.2");
	b.vip = &v;
	latency_hist_add(&b.check_duration, 0.002);
	a->vips = vs;
	a->n_vips = 1;

	cr_assert_eq(stats_file_write(a), 0);

	content(path, text, sizeof(text));
	cr_assert_not_null(
		strstr(text, "xdpcast_backend_state{vip=\"d\\\"n\\\\s\",address="
			     "\"203.0.113.53\",protocol=\"any\",port=\"0\",backend="
			     "\"b\\n1\\\"\",backend_address=\"198.18.1.2\",state=\"down\"} 1\n"),
		"%s", text);
	cr_assert_not_null(strstr(text, ",le=\"0.0025\"} 1\n"), "%s", text);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	/* every line a comment or name{labels} value: no raw newline split a series */
	while (fgets(line, sizeof(line), f)) {
		cr_assert(line[0] == '#' || !strncmp(line, "xdpcast_", 8), "line: %s", line);
		rows += strstr(line, "backend=\"b\\n1\\\"\"") != NULL;
	}
	fclose(f);
	cr_assert_gt(rows, 20, "%d series of the backend", rows);
	free(a);
}
