/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Files replaced whole (atomic_file.c, the stats file's writer) in a
 * directory that someone else may write: a symlink planted where the
 * temporary used to be (PATH.tmp) is not followed, and a failed write
 * leaves neither a temporary nor a partial file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "atomic_file.h"

#define VICTIM_TEXT "root's precious file\n"
#define NOBODY 65534

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xdpcast-atomic-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		cr_log_warn("cannot remove %s", dir);
}

static void path_in(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* The file's content ("" if it cannot be read) into @buf. */
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

/* The names in the test's directory, sorted, space-separated. */
static const char *listing(char *buf, size_t size)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	size_t o = 0;

	cr_assert_geq(n, 0, "scandir %s: %s", dir, strerror(errno));
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? " " : "",
					      names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return buf;
}

Test(atomic_file, symlink_at_the_old_temporary_is_not_followed, .init = make_dir,
     .fini = remove_dir)
{
	char path[128], tmp[128], victim[128], buf[256];
	struct stat st;

	path_in(path, sizeof(path), "xdpcast.prom");
	path_in(tmp, sizeof(tmp), "xdpcast.prom.tmp");
	path_in(victim, sizeof(victim), "victim");
	put(victim, VICTIM_TEXT);
	cr_assert_eq(chmod(victim, 0600), 0);
	/* what a user who may write the directory plants */
	cr_assert_eq(symlink(victim, tmp), 0, "symlink: %s", strerror(errno));

	cr_assert_eq(atomic_write_file(path, "metric 1\n", 9, 0644), 0);

	cr_assert_str_eq(content(victim, buf, sizeof(buf)), VICTIM_TEXT, "the victim was written");
	cr_assert_eq(stat(victim, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "the victim's mode changed: %o", st.st_mode);
	cr_assert_eq(lstat(tmp, &st), 0);
	cr_assert(S_ISLNK(st.st_mode), "the planted symlink was replaced");
	cr_assert_str_eq(content(path, buf, sizeof(buf)), "metric 1\n");
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0644, "mode %o", st.st_mode & 07777);
	/* nothing left behind: the file, the victim and the symlink only */
	cr_assert_str_eq(listing(buf, sizeof(buf)), "victim xdpcast.prom xdpcast.prom.tmp");
}

Test(atomic_file, symlink_at_the_path_is_replaced_not_followed, .init = make_dir,
     .fini = remove_dir)
{
	char path[128], victim[128], buf[256];
	struct stat st;

	path_in(path, sizeof(path), "xdpcast.prom");
	path_in(victim, sizeof(victim), "victim");
	put(victim, VICTIM_TEXT);
	cr_assert_eq(symlink(victim, path), 0);

	cr_assert_eq(atomic_write_file(path, "metric 2\n", 9, 0644), 0);

	cr_assert_str_eq(content(victim, buf, sizeof(buf)), VICTIM_TEXT);
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISREG(st.st_mode), "the path is still a symlink");
	cr_assert_str_eq(content(path, buf, sizeof(buf)), "metric 2\n");
	cr_assert_str_eq(listing(buf, sizeof(buf)), "victim xdpcast.prom");
}

Test(atomic_file, replaces_whole_with_the_mode_whatever_the_umask, .init = make_dir,
     .fini = remove_dir)
{
	char path[128], buf[256];
	struct stat st;

	path_in(path, sizeof(path), "xdpcast.prom");
	put(path, "old content, longer than the new one\n");
	umask(077);
	cr_assert_eq(atomic_write_file(path, "new\n", 4, 0644), 0);
	umask(022);
	cr_assert_str_eq(content(path, buf, sizeof(buf)), "new\n");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644, "mode %o", st.st_mode & 07777);
	cr_assert_str_eq(listing(buf, sizeof(buf)), "xdpcast.prom");
}

/* A directory the writer may not write (root loses its override as nobody). */
Test(atomic_file, unwritable_directory_fails_and_leaves_the_file, .init = make_dir,
     .fini = remove_dir)
{
	char path[128], buf[256];
	int err;

	path_in(path, sizeof(path), "xdpcast.prom");
	put(path, "old\n");
	cr_assert_eq(chmod(dir, 0555), 0);
	cr_assert_eq(seteuid(geteuid() ? geteuid() : NOBODY), 0, "seteuid: %s", strerror(errno));
	err = atomic_write_file(path, "new\n", 4, 0644);
	cr_assert_eq(seteuid(getuid()), 0);
	cr_assert_eq(err, -EACCES, "returned %d (%s)", err, strerror(-err));
	cr_assert_str_eq(content(path, buf, sizeof(buf)), "old\n");
	cr_assert_str_eq(listing(buf, sizeof(buf)), "xdpcast.prom");
	cr_assert_eq(chmod(dir, 0755), 0);
	/* and a directory that is not there */
	path_in(path, sizeof(path), "missing/xdpcast.prom");
	cr_assert_eq(atomic_write_file(path, "new\n", 4, 0644), -ENOENT);
}

/* A write that fails midway (here the file size limit): no partial file, no temporary. */
Test(atomic_file, failed_write_leaves_no_partial_file, .init = make_dir, .fini = remove_dir)
{
	struct rlimit small = { .rlim_cur = 4096, .rlim_max = RLIM_INFINITY };
	char path[128], buf[256], *big;
	struct atomic_file af;
	size_t len = 1 << 20;
	int err;

	path_in(path, sizeof(path), "xdpcast.prom");
	put(path, "old\n");
	big = malloc(len);
	cr_assert_not_null(big);
	memset(big, 'x', len);
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	err = atomic_write_file(path, big, len, 0644);
	cr_assert_eq(err, -EFBIG, "returned %d (%s)", err, strerror(-err));
	/* the same through the stream, as the stats file writes */
	cr_assert_eq(atomic_file_begin(&af, path), 0);
	fwrite(big, 1, len, af.f);
	err = atomic_file_commit(&af, 0644);
	/* EFBIG, or EIO when stdio only remembers that some earlier write failed */
	cr_assert(err == -EFBIG || err == -EIO, "returned %d (%s)", err, strerror(-err));
	free(big);
	cr_assert_str_eq(content(path, buf, sizeof(buf)), "old\n");
	cr_assert_str_eq(listing(buf, sizeof(buf)), "xdpcast.prom");
	/* an abandoned write leaves nothing either */
	cr_assert_eq(atomic_file_begin(&af, path), 0);
	fputs("half", af.f);
	atomic_file_abort(&af);
	cr_assert_str_eq(content(path, buf, sizeof(buf)), "old\n");
	cr_assert_str_eq(listing(buf, sizeof(buf)), "xdpcast.prom");
}
