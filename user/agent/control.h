/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdpcastd's control socket, the one xdpcastctl talks to, as a transport: a
 * Unix stream socket served on an event loop, one request per line in, handed
 * to the handler given at open, one JSON reply per line out ({"ok": true,
 * ...} or {"ok": false, "error": "..."}). It knows who is at the other end
 * (admin or not) but no command: control_cmd.h's dispatcher does.
 * docs/xdpcastctl.md describes the protocol and every command.
 */
#ifndef XDPCAST_CONTROL_H
#define XDPCAST_CONTROL_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

#define CONTROL_REQUEST_MAX 65536 /* bytes of one request, its newline included */
#define CONTROL_MAX_CLIENTS 32 /* the last one is for an admin client only */
#define CONTROL_PEER_GROUPS_MAX 256 /* a client's supplementary groups looked at */
#define CONTROL_IDLE_TIMEOUT 60.0 /* seconds a client may stay silent */
/* requests of one client answered per wake-up: a client that pipelines
 * thousands waits for the next loop iteration, the checks do not */
#define CONTROL_REQUESTS_PER_WAKEUP 8
#define CONTROL_SOCKET_MODE 0660
#define CONTROL_DIR_MODE 0755

struct client;
struct control_peer;
struct json_object;

/* One request line (@len bytes, neither newline nor NUL) of @peer to its
 * reply, which the transport takes over; never NULL. */
typedef struct json_object *control_handler(void *arg, const struct control_peer *peer,
					    const char *line, size_t len);

struct control {
	struct ev_loop *loop;
	control_handler *handler;
	void *handler_arg;
	bool admin_group; /* members of admin_gid are admins too */
	gid_t admin_gid;
	int fd; /* the listening socket */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev; /* the socket file made here: unlinked on exit only if still there */
	ino_t ino;
	ev_io io;
	ev_timer retry; /* accepting again after running out of file descriptors */
	struct client *clients;
	unsigned int n_clients;
};

/* The requesting process, from SO_PEERCRED (logged with every change it asks for). */
struct control_peer {
	pid_t pid;
	uid_t uid;
	/* may change things (drain, weight, reload): root, xdpcastd's own user or
	 * a member of control_admin_group; any other client only reads */
	bool admin;
};

/*
 * Bind @path (mode 0660; its directory is made 0755 if missing) before the
 * agent touches the dataplane. A stale socket there is replaced; one that
 * answers (another xdpcastd) is not: -EADDRINUSE, with a message. Nothing is
 * served until control_start(); then each request goes to @handler with
 * @arg. The new transport in *@out.
 */
int control_open(struct control **out, struct ev_loop *loop, const char *path,
		 control_handler *handler, void *arg);
/* Besides root and xdpcastd's own user, clients in group *@gid (NULL: none)
 * are admins: applies to the clients accepted from now on. */
void control_set_admin_group(struct control *c, const gid_t *gid);
/* Serve on the loop. */
void control_start(struct control *c);
/* Close every client and the socket, unlink it. NULL is fine. */
void control_free(struct control *c);
/*
 * Move to @path if it is not the socket's path already (after a reload);
 * connected clients stay. When @path cannot be bound the old socket stays
 * (logged) and -errno is returned. NULL is fine.
 */
int control_follow(struct control *c, const char *path);

/* A client's input framed into requests: control.c's clients and the fuzz
 * harness (tests/fuzz/fuzz_control.c) take them with control_next_request(). */
enum control_frame {
	CONTROL_FRAME_NONE, /* no whole request yet */
	CONTROL_FRAME_REQUEST, /* one in *req */
	CONTROL_FRAME_TOO_LONG, /* the buffer is full without a newline: close the client */
};

struct control_request {
	const char *line; /* in the buffer, not NUL-terminated */
	size_t len; /* without newline nor trailing CR; 0: a blank line, no reply */
	size_t consumed; /* bytes to drop from the buffer's head */
};

/* The next request in the @len bytes at @in (a buffer of @cap bytes; @eof:
 * the client has sent everything, so the last line may lack its newline). */
enum control_frame control_next_request(const char *in, size_t len, size_t cap, bool eof,
					struct control_request *req);

#endif /* XDPCAST_CONTROL_H */
