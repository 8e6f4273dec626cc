// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The control socket's commands: a request line parsed as JSON, checked
 * against control_proto.h's table (known command, known keys, admins only)
 * and for types, its VIP and backend found by name or address, and run by
 * the command's handler. Changes (drain, undrain, weight, reload) are logged
 * with the requesting process; the read commands' replies come from
 * control_json.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xdpcast/abi.h>

#include "addr.h"
#include "agent.h"
#include "vip_state.h"
#include "control_cmd.h"
#include "control_proto.h"
#include "log.h"
#include "quote.h"
#include "reload.h"

#define ERR_MAX 600
#define ECHO_MAX 64 /* bytes of a request's string quoted in an error */

struct request {
	const struct control_env *env;
	struct agent *agent;
	const struct control_command *cmd;
	const struct control_peer *peer;
	struct json_object *args;
	struct json_object *reply;
	char err[ERR_MAX];
};

static int fail(struct request *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct request *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * A string of the request, for an error: quoted, printable ASCII only (it
 * may hold invalid UTF-8, which the JSON reply must not, or escape
 * sequences for whoever logs the reply), bounded.
 */
static const char *echo(char buf[QUOTE_SIZE(ECHO_MAX)], const char *s, size_t len)
{
	return quote_untrusted(buf, QUOTE_SIZE(ECHO_MAX), s, len, ECHO_MAX);
}

/* A JSON string as C text, or NULL when it holds a NUL ("status\u0000x" is not
 * "status": the C string would end at the NUL and hide the rest). */
static const char *c_text(struct json_object *s)
{
	const char *text = json_object_get_string(s);

	return strlen(text) == (size_t)json_object_get_string_len(s) ? text : NULL;
}

/* @key as a string: NULL if absent (an error if the command requires it), or
 * not a string. */
static const char *arg_string(struct request *r, const char *key, int *err)
{
	const char *text;

	struct json_object *v;

	if (!json_object_object_get_ex(r->args, key, &v)) {
		if (control_command_requires(r->cmd, key))
			*err = fail(r, "missing \"%s\"", key);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		*err = fail(r, "\"%s\" must be a string", key);
		return NULL;
	}
	text = c_text(v);
	if (!text)
		*err = fail(r, "\"%s\" must not hold a NUL character", key);
	return text;
}

/*
 * "dns, ntp, and 3 more": the first NAMES_SHOWN of @names (sorted, each
 * once), bounded, so that an error can say what was valid.
 */
#define NAMES_SHOWN 8
#define NAMES_TEXT_MAX 240

static int compare_names(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static const char *name_list(char *buf, size_t len, const char **names, size_t n)
{
	size_t off = 0, shown = 0, distinct = 0;

	buf[0] = '\0';
	qsort(names, n, sizeof(*names), compare_names);
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(names[i], names[i - 1]))
			continue;
		distinct++;
		if (shown == NAMES_SHOWN || off + strlen(names[i]) + 2 >= len - 16)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", shown ? ", " : "", names[i]);
		shown++;
	}
	if (distinct > shown)
		snprintf(buf + off, len - off, ", and %zu more", distinct - shown);
	return buf;
}

/* " (vips: dns, ntp)" for an error about a VIP that is not there. */
static const char *valid_vips(char *buf, size_t len, const struct agent *a)
{
	const char **names = calloc(a->n_vips ? a->n_vips : 1, sizeof(*names));
	char list[NAMES_TEXT_MAX];

	if (!a->n_vips || !names) {
		free(names);
		snprintf(buf, len, a->n_vips ? "" : " (no VIP is configured)");
		return buf;
	}
	for (size_t i = 0; i < a->n_vips; i++)
		names[i] = a->vips[i]->cfg.name;
	snprintf(buf, len, " (vips: %s)", name_list(list, sizeof(list), names, a->n_vips));
	free(names);
	return buf;
}

/* " (backends: b1, b2)": the backends of @only, or of every VIP (NULL). */
static const char *valid_backends(char *buf, size_t len, const struct agent *a,
				  const struct vip *only)
{
	size_t n = 0, total = 0;
	const char **names;
	char list[NAMES_TEXT_MAX];

	for (size_t i = 0; i < a->n_vips; i++)
		total += a->vips[i]->n_backends;
	names = calloc(total ? total : 1, sizeof(*names));
	buf[0] = '\0';
	for (size_t i = 0; names && i < a->n_vips; i++)
		for (size_t j = 0; (!only || a->vips[i] == only) && j < a->vips[i]->n_backends; j++)
			names[n++] = a->vips[i]->backends[j]->cfg.name;
	if (names && n)
		snprintf(buf, len, " (backends: %s)", name_list(list, sizeof(list), names, n));
	else if (names)
		snprintf(buf, len, " (it has no backend)");
	free(names);
	return buf;
}

/*
 * The VIP named @what (names are unique), else the one at address @what: one
 * only, as an address may hold a udp and a tcp VIP.
 */
static struct vip *find_vip(struct request *r, const char *what)
{
	struct agent *a = r->agent;
	char quoted[QUOTE_SIZE(ECHO_MAX)], valid[NAMES_TEXT_MAX + 16];
	struct vip *found = NULL;
	struct addr addr;
	size_t n = 0;

	for (size_t i = 0; i < a->n_vips; i++)
		if (!strcmp(a->vips[i]->cfg.name, what))
			return a->vips[i];
	for (size_t i = 0; addr_parse(&addr, what) && i < a->n_vips; i++) {
		if (addr_equal(&a->vips[i]->cfg.addr.ip, &addr)) {
			found = a->vips[i];
			n++;
		}
	}
	if (!n)
		fail(r, "vip %s not found%s", echo(quoted, what, strlen(what)),
		     valid_vips(valid, sizeof(valid), a));
	else if (n > 1)
		fail(r,
		     "vip %s is ambiguous: %zu VIPs have that address (name one of them "
		     "instead)",
		     echo(quoted, what, strlen(what)), n);
	return n == 1 ? found : NULL;
}

/* Whether backend @b is the one named @what, or at address @addr (if not NULL). */
static bool backend_matches(const struct backend *b, const char *what, const struct addr *addr)
{
	return !strcmp(b->cfg.name, what) || (addr && addr_equal(&b->cfg.addr.ip, addr));
}

/* The VIP's backend named @what, else the one at address @what (both unique). */
static struct backend *find_backend(struct request *r, struct vip *v, const char *what)
{
	char quoted[QUOTE_SIZE(ECHO_MAX)], valid[NAMES_TEXT_MAX + 16];
	struct addr addr;

	for (size_t i = 0; i < v->n_backends; i++)
		if (!strcmp(v->backends[i]->cfg.name, what))
			return v->backends[i];
	for (size_t i = 0; addr_parse(&addr, what) && i < v->n_backends; i++)
		if (addr_equal(&v->backends[i]->cfg.addr.ip, &addr))
			return v->backends[i];
	fail(r, "backend %s not found in vip \"%s\"%s", echo(quoted, what, strlen(what)),
	     v->cfg.name, valid_backends(valid, sizeof(valid), r->agent, v));
	return NULL;
}

static int cmd_status(struct request *r)
{
	control_status(r->env, r->reply);
	return 0;
}

static int cmd_vips(struct request *r)
{
	control_vips(r->agent, r->reply);
	return 0;
}

static int cmd_backends(struct request *r)
{
	const struct vip *v = NULL;
	const char *name;
	int err = 0;

	name = arg_string(r, "vip", &err);
	if (err)
		return err;
	if (name && !(v = find_vip(r, name)))
		return -1;
	control_backends(r->agent, v, r->reply);
	return 0;
}

static int cmd_stats(struct request *r)
{
	return control_stats(r->agent, r->reply, r->err, sizeof(r->err)) ? -1 : 0;
}

/* The weight an operator's command asks for: 0 (drain), -1 (undrain) or "weight". */
static int requested_weight(struct request *r, int32_t *weight)
{
	struct json_object *v;
	int64_t n;

	if (control_command_id(r->cmd) != CONTROL_CMD_WEIGHT) {
		*weight = control_command_id(r->cmd) == CONTROL_CMD_DRAIN ? 0 : -1;
		return 0;
	}
	if (!json_object_object_get_ex(r->args, "weight", &v))
		return fail(r, "missing \"weight\"");
	n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || n < 0 || n > XDPCAST_WEIGHT_MAX)
		return fail(r, "\"weight\" must be an integer from 0 to %d", XDPCAST_WEIGHT_MAX);
	*weight = (int32_t)n;
	return 0;
}

/* Set @weight on @b, log who asked, and add what changed to @list. */
static int set_weight(struct request *r, struct backend *b, int32_t weight,
		      struct json_object *list)
{
	struct json_object *o;
	uint32_t before = backend_weight(b);
	const struct vip *v = b->vip;
	int err;

	if (weight > 0 || control_command_id(r->cmd) == CONTROL_CMD_WEIGHT)
		pr_info("control: weight %d for vip %s backend %s (pid %d, uid %u)\n", weight,
			v->cfg.name, b->cfg.name, (int)r->peer->pid, (unsigned int)r->peer->uid);
	else
		pr_info("control: %s vip %s backend %s (pid %d, uid %u)\n", r->cmd->name,
			v->cfg.name, b->cfg.name, (int)r->peer->pid, (unsigned int)r->peer->uid);
	err = vip_state_set_admin_weight(r->agent, b, weight);
	if (err)
		return fail(r, "cannot set the weight of backend \"%s\" in vip \"%s\": %s",
			    b->cfg.name, v->cfg.name, strerror(-err));
	o = json_object_new_object();
	json_object_object_add(o, "vip", json_object_new_string(v->cfg.name));
	json_object_object_add(o, "backend", json_object_new_string(b->cfg.name));
	json_object_object_add(o, "address", json_object_new_string(b->cfg.addr.text));
	json_object_object_add(o, "previous_weight", json_object_new_int64(before));
	json_object_object_add(o, "weight", json_object_new_int64(backend_weight(b)));
	json_object_object_add(o, "configured_weight", json_object_new_int64(b->cfg.weight));
	json_object_object_add(o, "operator_weight",
			       b->admin_weight < 0 ? NULL : json_object_new_int(b->admin_weight));
	json_object_object_add(o, "state", json_object_new_string(backend_state_name(b)));
	json_object_array_add(list, o);
	return 0;
}

/*
 * drain, undrain, weight: the operator's weight for one VIP's backend, or,
 * without a VIP, for the backend of that name or address in every VIP that
 * has one (a server serving several VIPs leaves them all in one request).
 * The reply's "backends" lists each change; with a VIP, that one change is
 * also at the top level, as before.
 */
static int cmd_set_weight(struct request *r)
{
	char quoted[QUOTE_SIZE(ECHO_MAX)], valid[NAMES_TEXT_MAX + 16];
	const char *vip_name, *backend_name;
	struct json_object *list;
	struct addr addr;
	bool is_addr;
	int32_t weight = 0;
	struct vip *v;
	int err = 0;

	vip_name = arg_string(r, "vip", &err);
	backend_name = err ? NULL : arg_string(r, "backend", &err);
	if (err || requested_weight(r, &weight))
		return -1;
	if (!backend_name)
		return fail(r, "missing \"backend\"");
	list = json_object_new_array();
	if (vip_name) {
		struct backend *b;

		v = find_vip(r, vip_name);
		b = v ? find_backend(r, v, backend_name) : NULL;
		err = b ? set_weight(r, b, weight, list) : -1;
		if (!err) {
			json_object_object_foreach(json_object_array_get_idx(list, 0), key, val)
			{
				json_object_object_add(r->reply, key, json_object_get(val));
			}
		}
	} else {
		is_addr = addr_parse(&addr, backend_name);
		for (size_t i = 0; !err && i < r->agent->n_vips; i++) {
			v = r->agent->vips[i];
			for (size_t j = 0; !err && j < v->n_backends; j++)
				if (backend_matches(v->backends[j], backend_name,
						    is_addr ? &addr : NULL))
					err = set_weight(r, v->backends[j], weight, list);
		}
		if (!err && !json_object_array_length(list))
			err = fail(r, "backend %s not found in any VIP%s",
				   echo(quoted, backend_name, strlen(backend_name)),
				   valid_backends(valid, sizeof(valid), r->agent, NULL));
	}
	if (err) {
		json_object_put(list);
		return -1;
	}
	json_object_object_add(r->reply, "backends", list);
	return 0;
}

static int cmd_reload(struct request *r)
{
	struct agent *a = r->agent;
	char path[sizeof(a->cfg.path)];
	struct reload_result res;

	/* the path lives in the configuration the reload replaces */
	snprintf(path, sizeof(path), "%s", a->cfg.path);
	pr_info("control: reload of %s (pid %d, uid %u)\n", path, (int)r->peer->pid,
		(unsigned int)r->peer->uid);
	if (agent_reload_file(a, r->env->ctl, path, &res))
		return fail(r, "%.*s", (int)sizeof(r->err) - 1, res.message);
	json_object_object_add(r->reply, "config", json_object_new_string(path));
	json_object_object_add(r->reply, "vips", json_object_new_int64(a->n_vips));
	return 0;
}

/* The next stop is a restart: the dataplane and the routes stay for the
 * xdpcastd started next (docs/xdpcastd.md, Restart and upgrade). */
static int cmd_handover(struct request *r)
{
	pr_info("control: handover (pid %d, uid %u): the next stop keeps the dataplane and "
		"the routes\n",
		(int)r->peer->pid, (unsigned int)r->peer->uid);
	r->agent->handover = true;
	json_object_object_add(r->reply, "handover", json_object_new_boolean(1));
	json_object_object_add(r->reply, "pin_dir", json_object_new_string(r->agent->cfg.pin_dir));
	return 0;
}

/* xdpcastd's side of control_proto.h's commands */
static int (*const handlers[])(struct request *r) = {
	[CONTROL_CMD_STATUS] = cmd_status,	[CONTROL_CMD_VIPS] = cmd_vips,
	[CONTROL_CMD_BACKENDS] = cmd_backends,	[CONTROL_CMD_DRAIN] = cmd_set_weight,
	[CONTROL_CMD_UNDRAIN] = cmd_set_weight, [CONTROL_CMD_WEIGHT] = cmd_set_weight,
	[CONTROL_CMD_STATS] = cmd_stats,	[CONTROL_CMD_RELOAD] = cmd_reload,
	[CONTROL_CMD_HANDOVER] = cmd_handover,
};
_Static_assert(sizeof(handlers) / sizeof(handlers[0]) == CONTROL_CMD_MAX,
	       "a handler for every command of control_proto.h");

/* The request as an object with a known command and only its keys. */
static const struct control_command *parse_request(struct request *r, const char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	char quoted[QUOTE_SIZE(ECHO_MAX)];
	const struct control_command *cmd = NULL;
	struct json_object *name;
	char names[NAMES_TEXT_MAX];
	size_t end;

	if (!tok) {
		fail(r, "out of memory");
		return NULL;
	}
	r->args = json_tokener_parse_ex(tok, line, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!r->args) {
		fail(r, "request is not JSON: %s",
		     json_tokener_get_error(tok) == json_tokener_continue
			     ? "unexpected end"
			     : json_tokener_error_desc(json_tokener_get_error(tok)));
	} else if (end < len && span_bounded(line + end, len - end, " \t\r") < len - end) {
		fail(r, "request is not JSON: trailing data after the object");
	} else if (!json_object_is_type(r->args, json_type_object)) {
		fail(r, "request must be a JSON object");
	} else if (!json_object_object_get_ex(r->args, "command", &name) ||
		   !json_object_is_type(name, json_type_string)) {
		fail(r, "request without a \"command\" string");
	} else {
		cmd = control_command_find(c_text(name));
		if (!cmd)
			fail(r, "unknown command %s (commands: %s)",
			     echo(quoted, json_object_get_string(name),
				  (size_t)json_object_get_string_len(name)),
			     control_command_names(names, sizeof(names)));
	}
	json_tokener_free(tok);
	if (!cmd)
		return NULL;
	json_object_object_foreach(r->args, key, val)
	{
		(void)val;
		if (!control_command_takes(cmd, key)) {
			fail(r, "command \"%s\" takes no key %s", cmd->name,
			     echo(quoted, key, strlen(key)));
			return NULL;
		}
	}
	return cmd;
}

struct json_object *control_dispatch(void *env, const struct control_peer *peer, const char *line,
				     size_t len)
{
	const struct control_env *e = env;
	struct request r = { .env = e, .agent = e->agent, .peer = peer };
	const struct control_command *cmd;
	int err = -1;

	r.reply = json_object_new_object();
	json_object_object_add(r.reply, "ok", json_object_new_boolean(1));
	cmd = parse_request(&r, line, len);
	if (cmd && cmd->changes && !peer->admin) {
		pr_warn("control: %s refused to pid %d, uid %u: not root nor in "
			"control_admin_group\n",
			cmd->name, (int)peer->pid, (unsigned int)peer->uid);
		fail(&r, "permission denied: changes need root or control_admin_group");
		cmd = NULL;
	}
	r.cmd = cmd;
	if (cmd && handlers[control_command_id(cmd)])
		err = handlers[control_command_id(cmd)](&r);
	json_object_put(r.args);
	if (!err)
		return r.reply;
	json_object_put(r.reply);
	r.reply = json_object_new_object();
	json_object_object_add(r.reply, "ok", json_object_new_boolean(0));
	json_object_object_add(r.reply, "error", json_object_new_string(r.err));
	return r.reply;
}
