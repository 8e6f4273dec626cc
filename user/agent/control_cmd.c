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
#include <stdio.h>
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
 * The VIP named @what (names are unique), else the one at address @what: one
 * only, as an address may hold a udp and a tcp VIP.
 */
static struct vip *find_vip(struct request *r, const char *what)
{
	struct agent *a = r->agent;
	char quoted[QUOTE_SIZE(ECHO_MAX)];
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
		fail(r, "vip %s not found", echo(quoted, what, strlen(what)));
	else if (n > 1)
		fail(r,
		     "vip %s is ambiguous: %zu VIPs have that address (name one of them "
		     "instead)",
		     echo(quoted, what, strlen(what)), n);
	return n == 1 ? found : NULL;
}

/* The VIP's backend named @what, else the one at address @what (both unique). */
static struct backend *find_backend(struct request *r, struct vip *v, const char *what)
{
	char quoted[QUOTE_SIZE(ECHO_MAX)];
	struct addr addr;

	for (size_t i = 0; i < v->n_backends; i++)
		if (!strcmp(v->backends[i]->cfg.name, what))
			return v->backends[i];
	for (size_t i = 0; addr_parse(&addr, what) && i < v->n_backends; i++)
		if (addr_equal(&v->backends[i]->cfg.addr.ip, &addr))
			return v->backends[i];
	fail(r, "backend %s not found in vip \"%s\"", echo(quoted, what, strlen(what)),
	     v->cfg.name);
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

/* drain, undrain, weight: the operator's weight for one backend. */
static int cmd_set_weight(struct request *r)
{
	const char *command = r->cmd->name;
	const char *vip_name, *backend_name;
	struct backend *b;
	struct vip *v;
	int32_t weight = 0;
	uint32_t before;
	int err = 0;

	vip_name = arg_string(r, "vip", &err);
	backend_name = err ? NULL : arg_string(r, "backend", &err);
	if (err || requested_weight(r, &weight))
		return -1;
	v = find_vip(r, vip_name);
	b = v ? find_backend(r, v, backend_name) : NULL;
	if (!b)
		return -1;
	before = backend_weight(b);
	if (weight > 0 || control_command_id(r->cmd) == CONTROL_CMD_WEIGHT)
		pr_info("control: weight %d for vip %s backend %s (pid %d, uid %u)\n", weight,
			v->cfg.name, b->cfg.name, (int)r->peer->pid, (unsigned int)r->peer->uid);
	else
		pr_info("control: %s vip %s backend %s (pid %d, uid %u)\n", command, v->cfg.name,
			b->cfg.name, (int)r->peer->pid, (unsigned int)r->peer->uid);
	err = vip_state_set_admin_weight(r->agent, b, weight);
	if (err)
		return fail(r, "cannot set the weight of backend \"%s\" in vip \"%s\": %s",
			    b->cfg.name, v->cfg.name, strerror(-err));
	json_object_object_add(r->reply, "vip", json_object_new_string(v->cfg.name));
	json_object_object_add(r->reply, "backend", json_object_new_string(b->cfg.name));
	json_object_object_add(r->reply, "address", json_object_new_string(b->cfg.addr.text));
	json_object_object_add(r->reply, "previous_weight", json_object_new_int64(before));
	json_object_object_add(r->reply, "weight", json_object_new_int64(backend_weight(b)));
	json_object_object_add(r->reply, "configured_weight", json_object_new_int64(b->cfg.weight));
	json_object_object_add(r->reply, "operator_weight",
			       b->admin_weight < 0 ? NULL : json_object_new_int(b->admin_weight));
	json_object_object_add(r->reply, "state", json_object_new_string(backend_state_name(b)));
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
			fail(r, "unknown command %s",
			     echo(quoted, json_object_get_string(name),
				  (size_t)json_object_get_string_len(name)));
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
