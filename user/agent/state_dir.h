/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The state directory (`state_dir:`, default /var/lib/xdpcast): what
 * xdpcastd keeps across restarts. It is opened once, without following a
 * symlink, and must belong to xdpcastd's user and be writable by no one
 * else; its files are then reached through that descriptor (a path under
 * /proc/self/fd/N), so that no one can swap a directory on the way.
 */
#ifndef XDPCAST_STATE_DIR_H
#define XDPCAST_STATE_DIR_H

#include <stddef.h>

#define STATE_DIR_ERROR_MAX 512
/* /proc/self/fd/N/NAME */
#define STATE_DIR_FILE_PATH_MAX 64

struct state_dir {
	int fd;
	const char *path; /* the caller's, for messages */
};

/* Open @path, creating it (mode 0700) when it is missing and its parent
 * exists: 0, or -errno with what and where in @err. */
int state_dir_open(struct state_dir *sd, const char *path, char err[STATE_DIR_ERROR_MAX]);
void state_dir_close(struct state_dir *sd);
/* The path of @name in the directory, through its descriptor, for open(),
 * mkstemp() and rename(); -ENAMETOOLONG for a long name. */
int state_dir_file(const struct state_dir *sd, const char *name,
		   char path[STATE_DIR_FILE_PATH_MAX]);

/* The whole text of file @name (malloc'd into @text, NUL-terminated, its
 * length in @len): 0; -ENOENT when there is none; else -errno with the reason
 * in @err. Bounded and safe against what another user may plant: a regular
 * file of at most @max bytes, a symlink refused, a FIFO never blocks. */
int state_dir_read(const struct state_dir *sd, const char *name, size_t max, char **text,
		   size_t *len, char *err, size_t errlen);

#endif /* XDPCAST_STATE_DIR_H */
