// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The control socket's server: the listening socket, made so that a stale
 * socket file is replaced and a live one (another xdpcastd) is refused, and
 * its clients on the loop; each request line goes to the handler given at
 * control_open(), its reply back to the client. A request is a line of at most
 * CONTROL_REQUEST_MAX bytes; its reply is buffered and written as fast as the
 * client takes it, and the client is read again only once the reply is out,
 * so a slow or stuck client holds its own buffer and never the loop. A fast
 * one that pipelines requests gets CONTROL_REQUESTS_PER_WAKEUP answered per
 * loop iteration: the probes' replies and timers run in between.
 */
#include "control.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "quote.h"

#define CONTROL_BACKLOG 16
#define PEER_PROBE_TIMEOUT_MS 500
/* a closing client's bytes read and dropped at most, so that it reads its
 * error reply before the close (closing with unread data resets the peer) */
#define CONTROL_DISCARD_MAX (1u << 20)

struct client {
	struct control *ctl;
	struct client *next;
	int fd;
	struct control_peer peer;
	ev_io rio, wio;
	ev_timer idle;
	char *out; /* the reply being written */
	size_t out_len, out_off;
	bool eof; /* the client has sent everything */
	bool closing; /* close once the reply is out */
	bool dead; /* a socket error: close now */
	bool more; /* requests left in the buffer after this wake-up's share */
	bool drained_out; /* closing: the reply is out and our side shut down */
	size_t discarded; /* closing: bytes read and dropped since */
	size_t in_len;
	char in[CONTROL_REQUEST_MAX];
};

/* mkdir -p of @path's directory; the directories made here get CONTROL_DIR_MODE. */
static int make_parent_dir(const char *path)
{
	char dir[sizeof(((struct control *)0)->path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		bool last = *p == '\0';
		mode_t old_mask;
		int err;

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		/* the mode whatever the umask, set at birth: no chmod through a path */
		old_mask = umask(0777 & ~CONTROL_DIR_MODE);
		err = mkdir(dir, CONTROL_DIR_MODE) ? errno : 0;
		umask(old_mask);
		if (err && err != EEXIST) {
			pr_warn("control socket %s: cannot create directory %s: %s\n", path, dir,
				strerror(err));
			return -err;
		}
		if (last)
			return 0;
		*p = '/';
	}
}

/* The pid in a status reply's first bytes ("pid":N), or 0. */
static pid_t reply_pid(const char *reply)
{
	const char *p = strstr(reply, "\"pid\":");

	return p ? (pid_t)strtol(p + 6, NULL, 10) : 0;
}

/*
 * Whether something answers on @sa: 1 (with the pid of the xdpcastd there in
 * *pid, or 0 if it did not say), 0 when nothing listens (a stale socket), or
 * -errno when it cannot be told.
 */
static int peer_answers(const struct sockaddr_un *sa, pid_t *pid)
{
	static const char req[] = "{\"command\":\"status\"}\n";
	struct pollfd pfd = { .events = POLLIN };
	char buf[512];
	size_t len = 0;
	ssize_t n;

	*pid = 0;
	pfd.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pfd.fd < 0)
		return -errno;
	if (connect(pfd.fd, (const struct sockaddr *)sa, sizeof(*sa))) {
		int err = errno;

		close(pfd.fd);
		if (err == EAGAIN) /* its backlog is full: something listens */
			return 1;
		return err == ECONNREFUSED ? 0 : -err;
	}
	if (send(pfd.fd, req, sizeof(req) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof(req) - 1) {
		while (len < sizeof(buf) - 1 && poll(&pfd, 1, PEER_PROBE_TIMEOUT_MS) > 0) {
			n = recv(pfd.fd, buf + len, sizeof(buf) - 1 - len, 0);
			if (n <= 0)
				break;
			len += n;
		}
	}
	buf[len] = '\0';
	*pid = reply_pid(buf);
	close(pfd.fd);
	return 1;
}

/* Make room for a socket at @sa: nothing there, or a socket nobody answers on. */
static int clear_stale(const struct sockaddr_un *sa)
{
	const char *path = sa->sun_path;
	struct stat st;
	pid_t pid;
	int ret;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		pr_warn("control socket %s: a file that is not a socket is in the way "
			"(not removed)\n",
			path);
		return -EEXIST;
	}
	ret = peer_answers(sa, &pid);
	if (ret > 0) {
		if (pid)
			pr_warn("control socket %s: another xdpcastd (pid %d) answers on it\n",
				path, pid);
		else
			pr_warn("control socket %s: another process answers on it\n", path);
		return -EADDRINUSE;
	}
	if (ret < 0) {
		pr_warn("control socket %s: cannot tell whether another xdpcastd answers on it: "
			"%s\n",
			path, strerror(-ret));
		return ret;
	}
	if (unlink(path) && errno != ENOENT) {
		pr_warn("control socket %s: cannot remove the stale socket: %s\n", path,
			strerror(errno));
		return -errno;
	}
	pr_info("control socket %s: replaced a stale socket (nothing answered on it)\n", path);
	return 0;
}

/* A listening socket at @path, mode CONTROL_SOCKET_MODE; its file's identity in @st. */
static int bind_socket(const char *path, int *out, struct stat *st)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool bound = false;
	mode_t old_mask;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		pr_warn("control socket %s: path too long\n", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	err = make_parent_dir(path);
	if (!err)
		err = clear_stale(&sa);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		pr_warn("control socket %s: %s\n", path, strerror(errno));
		return err;
	}
	/* the file is born with its final mode, never wider even for a moment, and
	 * nothing is changed through the path afterwards: another user who can
	 * write the directory could swap it for a symlink to a file of root's */
	old_mask = umask(0777 & ~CONTROL_SOCKET_MODE);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old_mask);
	bound = !err;
	if (!err && listen(fd, CONTROL_BACKLOG))
		err = -errno;
	if (!err && lstat(path, st))
		err = -errno;
	if (!err && !S_ISSOCK(st->st_mode))
		err = -EEXIST; /* replaced since bind(): not ours to use nor remove */
	if (err == -EEXIST)
		bound = false;
	if (err) {
		pr_warn("control socket %s: %s\n", path, strerror(-err));
		if (bound)
			unlink(path);
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

/* Remove the socket file, unless it is no longer the one made here. */
static void unlink_ours(const struct control *c)
{
	struct stat st;

	if (!lstat(c->path, &st) && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
}

static void client_free(struct client *cl)
{
	struct control *c = cl->ctl;
	struct client **p;

	ev_io_stop(c->loop, &cl->rio);
	ev_io_stop(c->loop, &cl->wio);
	ev_timer_stop(c->loop, &cl->idle);
	close(cl->fd);
	for (p = &c->clients; *p; p = &(*p)->next) {
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	}
	c->n_clients--;
	free(cl->out);
	free(cl);
}

/* Queue @reply (taken) as one line. */
static void client_reply(struct client *cl, struct json_object *reply)
{
	size_t len;
	const char *text = json_object_to_json_string_length(
		reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	char *grown = text ? realloc(cl->out, cl->out_len + len + 1) : NULL;

	if (!grown) {
		pr_warn("control socket: out of memory for a reply\n");
		cl->dead = true;
	} else {
		memcpy(grown + cl->out_len, text, len);
		grown[cl->out_len + len] = '\n';
		cl->out = grown;
		cl->out_len += len + 1;
	}
	json_object_put(reply);
}

static void client_error(struct client *cl, const char *msg)
{
	struct json_object *reply = json_object_new_object();

	json_object_object_add(reply, "ok", json_object_new_boolean(0));
	json_object_object_add(reply, "error", json_object_new_string(msg));
	client_reply(cl, reply);
}

enum control_frame control_next_request(const char *in, size_t len, size_t cap, bool eof,
					struct control_request *req)
{
	const char *nl = memchr(in, '\n', len);

	memset(req, 0, sizeof(*req));
	if (nl) {
		req->len = (size_t)(nl - in);
		req->consumed = req->len + 1;
	} else if (len == cap) {
		return CONTROL_FRAME_TOO_LONG;
	} else if (eof && len) {
		/* the last request may lack its newline */
		req->len = req->consumed = len;
	} else {
		return CONTROL_FRAME_NONE;
	}
	req->line = in;
	if (req->len && in[req->len - 1] == '\r')
		req->len--;
	if (span_bounded(in, req->len, " \t") == req->len)
		req->len = 0; /* blank lines get no reply */
	return CONTROL_FRAME_REQUEST;
}

/* Take the next request from the input buffer; false when there is none yet. */
static bool client_next_request(struct client *cl)
{
	struct control_request req;
	char msg[80];

	switch (control_next_request(cl->in, cl->in_len, sizeof(cl->in), cl->eof, &req)) {
	case CONTROL_FRAME_REQUEST:
		if (req.len)
			client_reply(cl, cl->ctl->handler(cl->ctl->handler_arg, &cl->peer, req.line,
							  req.len));
		cl->in_len -= req.consumed;
		memmove(cl->in, cl->in + req.consumed, cl->in_len);
		return true;
	case CONTROL_FRAME_TOO_LONG:
		snprintf(msg, sizeof(msg), "request longer than %d bytes", CONTROL_REQUEST_MAX);
		pr_warn("control socket: client pid %d: %s: closing\n", (int)cl->peer.pid, msg);
		client_error(cl, msg);
		cl->closing = true;
		return true;
	case CONTROL_FRAME_NONE:
		break;
	}
	return false;
}

static void client_flush(struct client *cl)
{
	ssize_t n;

	while (cl->out_off < cl->out_len) {
		n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cl->dead = errno != EAGAIN && errno != EWOULDBLOCK;
			return;
		}
		cl->out_off += n;
	}
	free(cl->out);
	cl->out = NULL;
	cl->out_len = cl->out_off = 0;
}

/* Write what can be written, answer up to this wake-up's share of requests,
 * then watch for what is next. */
static void client_update(struct client *cl)
{
	struct ev_loop *loop = cl->ctl->loop;
	int answered = 0;

	cl->more = false;
	for (;;) {
		if (!cl->dead)
			client_flush(cl);
		if (cl->dead || cl->out_len || cl->closing)
			break;
		if (answered == CONTROL_REQUESTS_PER_WAKEUP) {
			cl->more = true;
			break;
		}
		if (!client_next_request(cl))
			break;
		answered++;
	}
	if (cl->dead || (!cl->out_len && ((cl->closing && cl->eof) || (cl->eof && !cl->in_len)))) {
		client_free(cl);
		return;
	}
	if (cl->closing && !cl->out_len) {
		/* the error reply is out: say EOF, then drop what the client still
		 * sends until it closes (bounded), so that it gets the reply, not a reset */
		if (!cl->drained_out && shutdown(cl->fd, SHUT_WR)) {
			client_free(cl);
			return;
		}
		cl->drained_out = true;
		ev_io_stop(loop, &cl->wio);
		ev_io_start(loop, &cl->rio);
		return;
	}
	/* requests still buffered: the socket is writable, so this watcher brings
	 * the client back in the next iteration, after everything else pending */
	if (cl->out_len || cl->more) {
		ev_io_stop(loop, &cl->rio);
		ev_io_start(loop, &cl->wio);
	} else {
		ev_io_stop(loop, &cl->wio);
		ev_io_start(loop, &cl->rio);
	}
}

static void on_client_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *cl = w->data;
	ssize_t n;

	(void)revents;
	if (cl->drained_out) {
		n = recv(cl->fd, cl->in, sizeof(cl->in), 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		cl->discarded += n > 0 ? (size_t)n : 0;
		if (n <= 0 || cl->discarded > CONTROL_DISCARD_MAX)
			client_free(cl);
		return;
	}
	n = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0)
		cl->dead = true;
	else if (n == 0)
		cl->eof = true;
	else
		cl->in_len += n;
	ev_timer_again(loop, &cl->idle);
	client_update(cl);
}

static void on_client_write(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *cl = w->data;

	(void)revents;
	ev_timer_again(loop, &cl->idle);
	client_update(cl);
}

static void on_client_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *cl = w->data;

	(void)loop;
	(void)revents;
	pr_debug("control socket: client pid %d idle for %.0f s: closed\n", (int)cl->peer.pid,
		 CONTROL_IDLE_TIMEOUT);
	client_free(cl);
}

/* Who is at the other end of @fd, from the kernel (SO_PEERCRED, SO_PEERGROUPS):
 * an admin is root, xdpcastd's own user, or a member of the admin group. */
static struct control_peer peer_of(const struct control *c, int fd)
{
	struct control_peer peer = { .pid = 0, .uid = (uid_t)-1 };
	struct ucred cred = { .uid = (uid_t)-1, .gid = (gid_t)-1 };
	socklen_t len = sizeof(cred);
	gid_t groups[CONTROL_PEER_GROUPS_MAX];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return peer; /* nobody we know: no admin */
	peer.pid = cred.pid;
	peer.uid = cred.uid;
	peer.admin = cred.uid == 0 || cred.uid == geteuid();
	if (peer.admin || !c->admin_group)
		return peer;
	peer.admin = cred.gid == c->admin_gid;
	len = sizeof(groups);
	if (!peer.admin && !getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		for (size_t i = 0; i < len / sizeof(groups[0]); i++)
			peer.admin |= groups[i] == c->admin_gid;
	return peer;
}

static void client_new(struct control *c, int fd, const struct control_peer *peer)
{
	struct client *cl = calloc(1, sizeof(*cl));

	if (!cl) {
		close(fd);
		return;
	}
	cl->ctl = c;
	cl->fd = fd;
	cl->peer = *peer;
	ev_io_init(&cl->rio, on_client_read, fd, EV_READ);
	ev_io_init(&cl->wio, on_client_write, fd, EV_WRITE);
	ev_init(&cl->idle, on_client_idle);
	cl->rio.data = cl->wio.data = cl->idle.data = cl;
	cl->idle.repeat = CONTROL_IDLE_TIMEOUT;
	ev_timer_again(c->loop, &cl->idle);
	ev_io_start(c->loop, &cl->rio);
	cl->next = c->clients;
	c->clients = cl;
	c->n_clients++;
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	static const char busy[] = "{\"ok\":false,\"error\":\"too many clients\"}\n";
	struct control *c = w->data;
	struct control_peer peer;
	int fd, err;

	(void)revents;
	for (;;) {
		fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		peer = peer_of(c, fd);
		/* the last slot waits for an admin: idle readers cannot lock out a
		 * drain, a reload or systemd's ExecReload */
		if (c->n_clients >= CONTROL_MAX_CLIENTS ||
		    (c->n_clients == CONTROL_MAX_CLIENTS - 1 && !peer.admin)) {
			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				pr_debug("control socket: refusing a client: %s\n",
					 strerror(errno));
			close(fd);
			continue;
		}
		client_new(c, fd, &peer);
	}
	err = errno;
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		/* the socket stays readable: pause instead of spinning */
		pr_warn("control socket %s: cannot accept a client: %s; again in 1 s\n", c->path,
			strerror(err));
		ev_io_stop(loop, &c->io);
		ev_timer_set(&c->retry, 1.0, 0);
		ev_timer_start(loop, &c->retry);
	}
}

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct control *c = w->data;

	(void)revents;
	ev_io_start(loop, &c->io);
}

int control_open(struct control **out, struct ev_loop *loop, const char *path,
		 control_handler *handler, void *arg)
{
	struct control *c = calloc(1, sizeof(*c));
	struct stat st;
	int err;

	if (!c)
		return -ENOMEM;
	c->loop = loop;
	c->handler = handler;
	c->handler_arg = arg;
	err = bind_socket(path, &c->fd, &st);
	if (err) {
		if (err == -EADDRINUSE)
			pr_warn("refusing to start: stop the other xdpcastd first, or give this "
				"one "
				"another control_socket\n");
		free(c);
		return err;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	ev_io_init(&c->io, on_accept, c->fd, EV_READ);
	ev_init(&c->retry, on_retry);
	c->io.data = c->retry.data = c;
	*out = c;
	return 0;
}

void control_set_admin_group(struct control *c, const gid_t *gid)
{
	c->admin_group = gid != NULL;
	c->admin_gid = gid ? *gid : 0;
}

void control_start(struct control *c)
{
	ev_io_start(c->loop, &c->io);
	pr_info("control socket %s: listening\n", c->path);
}

void control_free(struct control *c)
{
	if (!c)
		return;
	while (c->clients)
		client_free(c->clients);
	ev_io_stop(c->loop, &c->io);
	ev_timer_stop(c->loop, &c->retry);
	close(c->fd);
	unlink_ours(c);
	free(c);
}

int control_follow(struct control *c, const char *want)
{
	struct stat st;
	int fd, err;

	if (!c || !strcmp(want, c->path))
		return 0;
	err = bind_socket(want, &fd, &st);
	if (err) {
		pr_warn("control socket stays at %s: %s is not usable\n", c->path, want);
		return err;
	}
	ev_io_stop(c->loop, &c->io);
	ev_timer_stop(c->loop, &c->retry);
	close(c->fd);
	unlink_ours(c);
	pr_info("control socket moved from %s to %s (connected clients stay)\n", c->path, want);
	memcpy(c->path, want, strlen(want) + 1); /* bind_socket() checked its length */
	c->fd = fd;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	ev_io_set(&c->io, fd, EV_READ);
	ev_io_start(c->loop, &c->io);
	return 0;
}
