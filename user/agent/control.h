/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdpcastd's control socket, the one xdpcastctl talks to: a Unix stream
 * socket served on the agent's loop, one JSON request per line in, one JSON
 * reply per line out ({"ok": true, ...} or {"ok": false, "error": "..."}).
 * docs/xdpcastctl.md describes the protocol and every command.
 */
#ifndef XDPCAST_CONTROL_H
#define XDPCAST_CONTROL_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

#ifndef XDPCAST_VERSION
#define XDPCAST_VERSION "dev"
#endif

#define CONTROL_REQUEST_MAX 65536 /* bytes of one request, its newline included */
#define CONTROL_MAX_CLIENTS 32 /* the last one is for an admin client only */
#define CONTROL_PEER_GROUPS_MAX 256 /* a client's supplementary groups looked at */
#define CONTROL_IDLE_TIMEOUT 60.0 /* seconds a client may stay silent */
/* requests of one client answered per wake-up: a client that pipelines
 * thousands waits for the next loop iteration, the checks do not */
#define CONTROL_REQUESTS_PER_WAKEUP 8
#define CONTROL_SOCKET_MODE 0660
#define CONTROL_DIR_MODE 0755

struct agent;
struct client;
struct json_object;
struct vip;

struct control {
	struct agent *agent;
	struct ev_loop *loop;
	int fd; /* the listening socket */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev; /* the socket file made here: unlinked on exit only if still there */
	ino_t ino;
	ev_io io;
	ev_timer retry; /* accepting again after running out of file descriptors */
	ev_tstamp started; /* when the agent started (ev_time()) */
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
 * served until control_start(). Sets a->ctl.
 */
int control_open(struct agent *a, const char *path);
/* Serve on the agent's loop. */
void control_start(struct control *c);
/* Close every client and the socket, unlink it. NULL is fine. */
void control_free(struct control *c);
/*
 * After a reload: move to the agent's cfg.control_socket if it changed.
 * When the new path cannot be bound the old socket stays (logged) and
 * -errno is returned. NULL is fine.
 */
int control_follow_config(struct control *c);

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

/* control_cmd.c: one request line to its reply (never NULL). */
struct json_object *control_dispatch(struct control *c, const struct control_peer *peer,
				     const char *line, size_t len);

/* control_json.c: the replies of the read commands, added to @reply */
void control_status(struct control *c, struct json_object *reply);
void control_vips(struct agent *a, struct json_object *reply);
/* Every backend, or only @only's (NULL: all VIPs). */
void control_backends(struct agent *a, const struct vip *only, struct json_object *reply);
/* -errno with a message in @err when the counters cannot be read. */
int control_stats(struct agent *a, struct json_object *reply, char *err, size_t errlen);

#endif /* XDPCAST_CONTROL_H */
