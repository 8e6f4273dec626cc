// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The state directory, opened and checked once (state_dir.h). */
#include "state_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int state_dir_open(struct state_dir *sd, const char *path, char err[STATE_DIR_ERROR_MAX])
{
	struct stat st;
	int e;

	*sd = (struct state_dir){ .fd = -1, .path = path };
	if (mkdir(path, 0700) && errno != EEXIST) {
		e = -errno;
		snprintf(err, STATE_DIR_ERROR_MAX, "state_dir %s: cannot create it: %s", path,
			 strerror(-e));
		return e;
	}
	sd->fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sd->fd < 0) {
		e = -errno;
		snprintf(err, STATE_DIR_ERROR_MAX, "state_dir %s: %s", path,
			 e == -ELOOP || e == -ENOTDIR ? "not a directory (a symlink is refused)"
						      : strerror(-e));
		return e;
	}
	if (fstat(sd->fd, &st)) {
		e = -errno;
		snprintf(err, STATE_DIR_ERROR_MAX, "state_dir %s: %s", path, strerror(-e));
	} else if (st.st_uid != geteuid()) {
		e = -EPERM;
		snprintf(err, STATE_DIR_ERROR_MAX,
			 "state_dir %s: owned by uid %u, not by xdpcastd's user (uid %u)", path,
			 (unsigned int)st.st_uid, (unsigned int)geteuid());
	} else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		e = -EPERM;
		snprintf(err, STATE_DIR_ERROR_MAX,
			 "state_dir %s: writable by group or others (mode %04o): only "
			 "xdpcastd may write its state",
			 path, (unsigned int)(st.st_mode & 07777));
	} else {
		return 0;
	}
	state_dir_close(sd);
	return e;
}

void state_dir_close(struct state_dir *sd)
{
	if (sd->fd >= 0)
		close(sd->fd);
	sd->fd = -1;
}

int state_dir_file(const struct state_dir *sd, const char *name, char path[STATE_DIR_FILE_PATH_MAX])
{
	int n = snprintf(path, STATE_DIR_FILE_PATH_MAX, "/proc/self/fd/%d/%s", sd->fd, name);

	return n < 0 || n >= STATE_DIR_FILE_PATH_MAX ? -ENAMETOOLONG : 0;
}

int state_dir_read(const struct state_dir *sd, const char *name, size_t max, char **text,
		   size_t *len, char *err, size_t errlen)
{
	char path[STATE_DIR_FILE_PATH_MAX];
	struct stat st;
	ssize_t got = 0;
	int fd, e;

	*text = NULL;
	e = state_dir_file(sd, name, path);
	if (e)
		return e;
	/* O_NONBLOCK: a FIFO planted there cannot block the start */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = -errno;
		if (e != -ENOENT)
			snprintf(err, errlen, "%s",
				 e == -ELOOP ? "a symlink (refused)" : strerror(-e));
		return e;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		e = -EINVAL;
		snprintf(err, errlen, "not a regular file of at most %zu bytes", max);
		goto out;
	}
	*text = malloc((size_t)st.st_size + 1);
	if (!*text) {
		e = -ENOMEM;
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		goto out;
	}
	/* what fstat said, no more: a file that grows meanwhile is cut, then refused */
	while (got < st.st_size) {
		ssize_t r = read(fd, *text + got, (size_t)(st.st_size - got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			e = r < 0 ? -errno : -EIO;
			snprintf(err, errlen, "%s", strerror(-e));
			break;
		}
		got += r;
	}
	*len = (size_t)got;
	(*text)[got] = '\0';
out:
	close(fd);
	if (e) {
		free(*text);
		*text = NULL;
	}
	return e;
}
