/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The HTTP and HTTPS probes: one libcurl transfer per attempt on the env's
 * multi handle, driven by the libev loop (curl tells which sockets to watch
 * and when to wake it; we tell it what happened with
 * curl_multi_socket_action()). A fresh connection each time, no proxy, no
 * redirect followed; the status must be an accepted one and the body, when
 * asked, must contain the given text within its first PROBE_HTTP_BODY_MAX
 * bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "probe_attempt.h"
#include "probe_sock.h"

#define PROBE_HTTP_BODY_MAX (64 * 1024)
#define HTTP_URL_MAX (CONFIG_TEXT_MAX * 2 + INET6_ADDRSTRLEN + 32)
#define HTTP_ADDR_MAX (INET6_ADDRSTRLEN + 2) /* with brackets */

/* The env's share: libcurl's multi handle and its libev glue. */
struct http_env {
	struct ev_loop *loop;
	CURLM *multi;
	ev_timer timer; /* curl's */
	struct http_sock *socks; /* watchers of curl's sockets, freed with the env */
};

/* A socket curl asked us to watch. */
struct http_sock {
	ev_io io;
	struct http_env *he;
	struct http_sock *next, **pprev;
};

/* An HTTP(S) probe's state (probe_state()). */
struct probe_http {
	CURL *easy;
	struct curl_slist *headers; /* http with http_host: its Host header */
	struct curl_slist *connect_to; /* https with http_host: the backend to connect to */
	char *body; /* the body's first bytes, only when the check looks at it */
	size_t body_len, body_cap;
	char error[CURL_ERROR_SIZE];
};

static struct probe_http *http_of(struct probe *p)
{
	return probe_state(p);
}

static struct http_env *http_env_of(const struct probe *p)
{
	return p->type_env;
}

static void curl_sock_free(struct http_sock *cs)
{
	ev_io_stop(cs->he->loop, &cs->io);
	*cs->pprev = cs->next;
	if (cs->next)
		cs->next->pprev = cs->pprev;
	free(cs);
}

static void http_done(struct probe *p, CURLcode rc);

/* Deliver the verdicts of the transfers curl has finished. */
static void http_check_done(struct http_env *he)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(he->multi, &left))) {
		CURLcode rc = msg->data.result;
		char *priv = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		if (priv)
			http_done((struct probe *)priv, rc);
	}
}

static void curl_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct http_env *he = ((struct http_sock *)w->data)->he;
	int action = (revents & EV_READ ? CURL_CSELECT_IN : 0) |
		     (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
	int running;

	(void)loop;
	/* @w may be freed inside (CURL_POLL_REMOVE): not used after */
	curl_multi_socket_action(he->multi, w->fd, action, &running);
	http_check_done(he);
}

static void curl_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct http_env *he = w->data;
	int running;

	(void)loop;
	(void)revents;
	curl_multi_socket_action(he->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check_done(he);
}

/* CURLMOPT_SOCKETFUNCTION: watch @s for what curl waits for, or stop. */
static int curl_sock_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct http_env *he = userp;
	struct http_sock *cs = sockp;
	int events = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (cs)
			curl_sock_free(cs);
		return 0;
	}
	if (!cs) {
		cs = calloc(1, sizeof(*cs));
		if (!cs)
			return -1;
		cs->he = he;
		cs->next = he->socks;
		if (cs->next)
			cs->next->pprev = &cs->next;
		cs->pprev = &he->socks;
		he->socks = cs;
		ev_init(&cs->io, curl_io_cb);
		cs->io.data = cs;
		curl_multi_assign(he->multi, s, cs);
	}
	ev_io_stop(he->loop, &cs->io);
	ev_io_set(&cs->io, s, events);
	ev_io_start(he->loop, &cs->io);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: wake curl in @ms (-1: never). Never act from in here. */
static int curl_timer_cb(CURLM *multi, long ms, void *userp)
{
	struct http_env *he = userp;

	(void)multi;
	ev_timer_stop(he->loop, &he->timer);
	if (ms >= 0) {
		ev_timer_set(&he->timer, ms / 1e3, 0.);
		ev_timer_start(he->loop, &he->timer);
	}
	return 0;
}

static int http_env_init(struct probe_env *env, void **type_env)
{
	struct http_env *he = calloc(1, sizeof(*he));

	if (!he)
		return -ENOMEM;
	/* counted by libcurl: one per env, undone by http_env_free() */
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		free(he);
		return -ENOMEM;
	}
	he->loop = env->loop;
	he->multi = curl_multi_init();
	if (!he->multi) {
		curl_global_cleanup();
		free(he);
		return -ENOMEM;
	}
	curl_multi_setopt(he->multi, CURLMOPT_SOCKETFUNCTION, curl_sock_cb);
	curl_multi_setopt(he->multi, CURLMOPT_SOCKETDATA, he);
	curl_multi_setopt(he->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(he->multi, CURLMOPT_TIMERDATA, he);
	ev_init(&he->timer, curl_timeout_cb);
	/* after the sockets' events of the same iteration, as the probes' timers (probe.c) */
	ev_set_priority(&he->timer, EV_MINPRI);
	he->timer.data = he;
	*type_env = he;
	return 0;
}

static void http_env_free(struct probe_env *env, void *type_env)
{
	struct http_env *he = type_env;

	(void)env;
	curl_multi_cleanup(he->multi);
	ev_timer_stop(he->loop, &he->timer);
	while (he->socks)
		curl_sock_free(he->socks);
	curl_global_cleanup();
	free(he);
}

/* CURLOPT_WRITEFUNCTION: keep the body's first bytes if the check looks at them. */
static size_t http_write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct probe *p = userp;
	struct probe_http *h = http_of(p);
	size_t n = size * nmemb, keep;

	if (!p->check.http_body[0] || h->body_len == PROBE_HTTP_BODY_MAX)
		return n; /* read and dropped: the connection must still be drained */
	keep = PROBE_HTTP_BODY_MAX - h->body_len;
	if (keep > n)
		keep = n;
	if (h->body_len + keep > h->body_cap) {
		size_t cap = (h->body_len + keep) * 2;
		char *body;

		if (cap > PROBE_HTTP_BODY_MAX)
			cap = PROBE_HTTP_BODY_MAX;
		body = realloc(h->body, cap);
		if (!body)
			return 0; /* curl fails the transfer: CURLE_WRITE_ERROR */
		h->body = body;
		h->body_cap = cap;
	}
	memcpy(h->body + h->body_len, data, keep);
	h->body_len += keep;
	return n;
}

static bool http_status_ok(const struct check_config *check, long status)
{
	size_t i;

	if (!check->n_http_statuses)
		return status == 200; /* the default */
	for (i = 0; i < check->n_http_statuses && i < CONFIG_MAX_STATUSES; i++)
		if (check->http_statuses[i] == status)
			return true;
	return false;
}

/* The class of a failed transfer: the server's fault, or the socket's errno's. */
static enum probe_outcome http_failure_outcome(CURL *e, CURLcode rc)
{
	long err = 0;

	switch (rc) {
	case CURLE_GOT_NOTHING:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		return PROBE_BAD_REPLY;
	default:
		break;
	}
	/* connect, send, receive: ECONNREFUSED, EHOSTUNREACH... */
	curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &err);
	return err ? probe_errno_outcome((int)err) : PROBE_ERROR;
}

static void http_done(struct probe *p, CURLcode rc)
{
	struct probe_http *h = http_of(p);
	const char *want = p->check.http_body;
	char error[CURL_ERROR_SIZE];
	long status = 0;

	if (rc == CURLE_OPERATION_TIMEDOUT) {
		probe_fail_timeout(p);
		return;
	}
	if (rc != CURLE_OK) {
		enum probe_outcome outcome = http_failure_outcome(h->easy, rc);

		/* copied: probe_fail() releases the transfer and its error buffer first */
		snprintf(error, sizeof(error), "%s",
			 h->error[0] ? h->error : curl_easy_strerror(rc));
		probe_fail_as(p, outcome, "http: %s", error);
		return;
	}
	curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &status);
	if (!http_status_ok(&p->check, status)) {
		probe_fail_as(p, PROBE_BAD_REPLY, "http: status %ld", status);
		return;
	}
	if (want[0] && !(h->body && memmem(h->body, h->body_len, want, strlen(want)))) {
		probe_fail_as(p, PROBE_BAD_REPLY, "http: body lacks \"%s\"", want);
		return;
	}
	probe_pass(p);
}

/* The target's address as a URL host: IPv6 in brackets. */
static void http_addr(const struct probe *p, char buf[HTTP_ADDR_MAX])
{
	char text[INET6_ADDRSTRLEN] = "";

	if (p->target.family == AF_INET) {
		inet_ntop(AF_INET, &p->target.addr.s6_addr[12], buf, HTTP_ADDR_MAX);
		return;
	}
	inet_ntop(AF_INET6, &p->target.addr, text, sizeof(text));
	snprintf(buf, HTTP_ADDR_MAX, "[%s]", text);
}

/*
 * The URL, and the transfer's name options. http: the backend's address in
 * the URL, http_host (if any) as the Host header. https with http_host: the
 * name in the URL, so that SNI and the certificate check use it, and
 * CURLOPT_CONNECT_TO sends the connection to the backend's address.
 */
static int http_setup_target(struct probe *p, CURL *e)
{
	struct probe_http *h = http_of(p);
	bool https = p->check.type == CHECK_HTTPS;
	const char *path = p->check.http_path;
	const char *host = p->check.http_host;
	char addr[HTTP_ADDR_MAX], url[HTTP_URL_MAX], line[CONFIG_TEXT_MAX + 32];
	struct curl_slist **list = NULL;

	http_addr(p, addr);
	if (https && host[0]) {
		snprintf(line, sizeof(line), "::%s:%u", addr, p->port);
		list = &h->connect_to;
	} else {
		if (host[0])
			list = &h->headers;
		snprintf(line, sizeof(line), "Host: %s", host);
		host = addr;
	}
	snprintf(url, sizeof(url), "%s://%s:%u%s%s", https ? "https" : "http", host, p->port,
		 path[0] == '/' ? "" : "/", path);
	if (list) {
		*list = curl_slist_append(NULL, line);
		if (!*list)
			return -ENOMEM;
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(e, CURLOPT_CONNECT_TO, h->connect_to);
	return curl_easy_setopt(e, CURLOPT_URL, url) == CURLE_OK ? 0 : -ENOMEM;
}

/* Each connection curl opens carries the probe's mark and interface, set before its connect(). */
static int http_sockopt_cb(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	const struct probe *p = arg;

	(void)purpose;
	return probe_sock_prepare(p, fd) ? CURL_SOCKOPT_ERROR : CURL_SOCKOPT_OK;
}

static void http_setup(struct probe *p, CURL *e)
{
	long verify = p->check.tls_verify ? 1L : 0L;

	curl_easy_setopt(e, CURLOPT_PRIVATE, p);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, http_of(p)->error);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)p->check.timeout_ms);
	/* each probe tests a new connection, as a new client would make */
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "xdpcastd");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, verify);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
	curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, http_sockopt_cb);
	curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, p);
}

static void http_start(struct probe *p)
{
	CURL *e = curl_easy_init();

	if (!e) {
		probe_fail_soon(p, "http: cannot create a transfer");
		return;
	}
	http_of(p)->easy = e;
	http_setup(p, e);
	if (http_setup_target(p, e)) {
		probe_fail_soon(p, "http: cannot set the URL up");
		return;
	}
	/* curl starts it from its timer, on the loop: nothing completes in here */
	if (curl_multi_add_handle(http_env_of(p)->multi, e) != CURLM_OK)
		probe_fail_soon(p, "http: cannot start a transfer");
}

static void http_stop(struct probe *p)
{
	struct probe_http *h = http_of(p);

	if (h->easy) {
		/* harmless on a handle not (yet) added */
		curl_multi_remove_handle(http_env_of(p)->multi, h->easy);
		curl_easy_cleanup(h->easy);
	}
	curl_slist_free_all(h->headers);
	curl_slist_free_all(h->connect_to);
	free(h->body);
	memset(h, 0, sizeof(struct probe_http));
}

const struct probe_ops probe_http_ops = {
	.check_types = 1u << CHECK_HTTP | 1u << CHECK_HTTPS,
	.state_size = sizeof(struct probe_http),
	.env_init = http_env_init,
	.env_free = http_env_free,
	.start = http_start,
	.stop = http_stop,
};
