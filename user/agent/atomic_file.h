/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A file replaced whole, for a reader that must never see half of it and a
 * directory that others may write (node_exporter's textfile directory): the
 * content goes to a temporary that mkstemp() creates in PATH's directory
 * (O_CREAT|O_EXCL: never an existing file, never through a symlink), its
 * mode is set through the descriptor, and it is renamed over PATH (rename
 * replaces a symlink at PATH, it does not follow it). On any failure the
 * temporary is unlinked and PATH is left as it was.
 */
#ifndef XDPCAST_ATOMIC_FILE_H
#define XDPCAST_ATOMIC_FILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define ATOMIC_FILE_SUFFIX ".tmp.XXXXXX" /* the temporary: PATH.tmp.<6 random characters> */

struct atomic_file {
	FILE *f; /* write the content here */
	const char *path; /* the caller's: must stay valid until commit or abort */
	char *tmp; /* the temporary's name */
	bool durable; /* commit syncs the file and then its directory (state, not stats) */
};

/* Create the temporary for @path: 0, or -errno (nothing is left behind). */
int atomic_file_begin(struct atomic_file *af, const char *path);
/* Flush, give the file @mode, rename it over the path: 0, or -errno (the
 * temporary removed, the path untouched). @af is released either way. */
int atomic_file_commit(struct atomic_file *af, mode_t mode);
/* Drop the temporary. */
void atomic_file_abort(struct atomic_file *af);
/* @len bytes of @data as @path's new content, with @mode: 0, or -errno. */
int atomic_write_file(const char *path, const void *data, size_t len, mode_t mode);
/* The same, on disk before it returns (fsync of the file and its directory):
 * for state that must survive a power cut, written rarely. */
int atomic_write_file_durable(const char *path, const void *data, size_t len, mode_t mode);

#endif /* XDPCAST_ATOMIC_FILE_H */
