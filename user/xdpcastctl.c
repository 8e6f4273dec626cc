// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpcastctl: the operator's command line for a running xdpcastd, over its
 * control socket (one JSON request, one JSON reply). Prints aligned tables,
 * or the agent's reply with --json. Exit codes: 0 done, 1 the agent refused,
 * 2 bad command line, 3 cannot reach the agent. The commands and their keys
 * are control_proto.h's, shared with xdpcastd; here each gets its arguments
 * and its printer. docs/xdpcastctl.md is its manual.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xdpcast/abi.h>

#include "control_proto.h"
#include "version.h"

#define TIMEOUT_DEFAULT_S 30
#define REPLY_MAX (64u << 20)
#define JSON_PRETTY                                                                                \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

#define STR_(x) #x
#define STR(x) STR_(x)

enum { EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE };

/* xdpcastctl's side of a command of control_proto.h */
struct cli_command {
	const char *help;
	void (*print)(struct json_object *reply);
};

/* A key of the requests, as an argument of the command line. */
struct cli_arg {
	const char *key;
	const char *metavar;
	/* its JSON value (NULL: the argument as a string) */
	struct json_object *(*parse)(const char *arg);
};

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("xdpcastctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(xdpcastctl --help lists the commands)\n", stderr);
	exit(EXIT_USAGE);
}

/* --- reading replies --- */

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* A member as text for a table cell: "-" when null or missing. */
static const char *text(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v ? json_object_get_string(v) : "-";
}

static int64_t num(struct json_object *o, const char *key)
{
	return json_object_get_int64(get(o, key));
}

static size_t array_len(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
}

static struct json_object *item(struct json_object *o, const char *key, size_t i)
{
	return json_object_array_get_idx(get(o, key), i);
}

/* --- aligned tables --- */

#define TABLE_COLS 13

struct table {
	size_t ncols, nrows;
	char **cells; /* nrows x ncols */
};

static void table_row(struct table *t, ...)
{
	char **grown = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*grown));
	va_list ap;

	if (!grown) {
		fputs("xdpcastctl: out of memory\n", stderr);
		exit(EXIT_REFUSED);
	}
	t->cells = grown;
	va_start(ap, t);
	for (size_t c = 0; c < t->ncols; c++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->nrows * t->ncols + c] = strdup(s ? s : "-");
	}
	va_end(ap);
	t->nrows++;
}

/* Columns two spaces apart, the last one not padded; frees the table. */
static void table_print(struct table *t)
{
	size_t width[TABLE_COLS] = {};

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++)
			if (strlen(t->cells[r * t->ncols + c]) > width[c])
				width[c] = strlen(t->cells[r * t->ncols + c]);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			if (c + 1 < t->ncols)
				printf("%-*s  ", (int)width[c], s);
			else
				printf("%s\n", s);
			free(t->cells[r * t->ncols + c]);
		}
	}
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

/* "3d04h05m", "2h03m", "5m07s", "42s" */
static void format_uptime(char *buf, size_t len, int64_t s)
{
	int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;

	if (d)
		snprintf(buf, len, "%" PRId64 "d%02" PRId64 "h%02" PRId64 "m", d, h, m);
	else if (h)
		snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m", h, m);
	else if (m)
		snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", m, s % 60);
	else
		snprintf(buf, len, "%" PRId64 "s", s);
}

/* --- the commands' human output --- */

static void print_status(struct json_object *r)
{
	struct table t = { .ncols = 4 };
	char uptime[32];

	format_uptime(uptime, sizeof(uptime), num(r, "uptime_s"));
	printf("xdpcastd %s, pid %s, up %s\n", text(r, "version"), text(r, "pid"), uptime);
	printf("config          %s\n", text(r, "config"));
	printf("pin dir         %s\n", text(r, "pin_dir"));
	printf("control socket  %s\n", text(r, "control_socket"));
	printf("seed            %#" PRIx64 " (%s)\n", num(r, "seed"), text(r, "seed_source"));
	printf("state dir       %s\n", text(r, "state_dir"));
	printf("vips            %s, %s in service\n", text(r, "vips"), text(r, "vips_in_service"));
	printf("backends        %s, %s up\n", text(r, "backends"), text(r, "backends_up"));
	if (!array_len(r, "interfaces"))
		return;
	putchar('\n');
	table_row(&t, "INTERFACE", "IFINDEX", "XDPCAST", "MODE");
	for (size_t i = 0; i < array_len(r, "interfaces"); i++) {
		struct json_object *o = item(r, "interfaces", i);

		table_row(&t, text(o, "name"), text(o, "ifindex"),
			  json_object_get_boolean(get(o, "attached")) ? "attached" : "not-attached",
			  text(o, "xdp_mode"));
	}
	table_print(&t);
}

static void print_vips(struct json_object *r)
{
	struct table t = { .ncols = 11 };
	char up[48];

	table_row(&t, "NAME", "ADDRESS", "PROTO", "PORT", "STATE", "UP", "IN-TABLE", "MIN", "TABLE",
		  "FLOWS", "ROUTE");
	for (size_t i = 0; i < array_len(r, "vips"); i++) {
		struct json_object *o = item(r, "vips", i);

		snprintf(up, sizeof(up), "%s/%s", text(o, "backends_up"),
			 text(o, "backends_total"));
		table_row(&t, text(o, "name"), text(o, "address"), text(o, "protocol"),
			  num(o, "port") ? text(o, "port") : "any",
			  json_object_get_boolean(get(o, "in_service")) ? "in-service"
									: "out-of-service",
			  up, text(o, "backends_in_table"), text(o, "min_healthy"),
			  text(o, "table_size"),
			  num(o, "flow_table_size") ? text(o, "flow_table_size") : "-",
			  get(o, "route_error")				       ? "failing"
			  : json_object_get_boolean(get(o, "route_announced")) ? "announced"
									       : "withdrawn");
	}
	table_print(&t);
}

/* " 3s ago", " 2m05s ago" since unix time @at; "" without one. */
static void format_ago(char *buf, size_t len, struct json_object *at)
{
	struct timespec now;
	char age[32];
	double s;

	buf[0] = '\0';
	if (!at)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	s = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - json_object_get_double(at);
	format_uptime(age, sizeof(age), s > 0 ? (int64_t)s : 0);
	snprintf(buf, len, " %s ago", age);
}

/* "ok 0.4ms 1s ago", "failed 150.0ms 3s ago: REASON", "-" before the first. */
static void last_check(char *buf, size_t len, struct json_object *b)
{
	struct json_object *c = get(b, "last_check");
	char ago[48];

	if (!c) {
		snprintf(buf, len, "-");
		return;
	}
	format_ago(ago, sizeof(ago), get(c, "at"));
	if (json_object_get_boolean(get(c, "ok")))
		snprintf(buf, len, "ok %.1fms%s", json_object_get_double(get(c, "latency_ms")),
			 ago);
	else
		snprintf(buf, len, "failed %.1fms%s: %s",
			 json_object_get_double(get(c, "latency_ms")), ago, text(c, "reason"));
}

static void print_backends(struct json_object *r)
{
	struct table t = { .ncols = 13 };
	bool any_operator = false;
	char weight[32], check[192], since[32];

	table_row(&t, "VIP", "BACKEND", "ADDRESS", "ID", "STATE", "FOR", "WEIGHT", "DEV", "NEIGH",
		  "MAC", "CHECKS", "FAILED", "LAST-CHECK");
	for (size_t i = 0; i < array_len(r, "backends"); i++) {
		struct json_object *b = item(r, "backends", i);
		struct json_object *nh = get(b, "nexthop");
		bool op = get(b, "operator_weight") != NULL;

		any_operator |= op;
		snprintf(weight, sizeof(weight), "%s%s", text(b, "weight"), op ? "*" : "");
		last_check(check, sizeof(check), b);
		/* an agent from before state_since says nothing: "-" */
		if (get(b, "in_state_s"))
			format_uptime(since, sizeof(since), num(b, "in_state_s"));
		else
			snprintf(since, sizeof(since), "-");
		table_row(&t, text(b, "vip"), text(b, "name"), text(b, "address"), text(b, "id"),
			  text(b, "state"), since, weight, text(nh, "ifname"), text(nh, "state"),
			  text(nh, "dst_mac"), text(b, "probes"), text(b, "failures"), check);
	}
	table_print(&t);
	if (any_operator)
		printf("* the operator's weight (undrain restores the configured one)\n");
}

/* One line per backend changed: in one VIP, or in every VIP that has it
 * (an agent from before "backends" gives its one change at the top level). */
static void print_weight(struct json_object *r)
{
	size_t n = get(r, "backends") ? array_len(r, "backends") : 1;

	for (size_t i = 0; i < n; i++) {
		struct json_object *b = get(r, "backends") ? item(r, "backends", i) : r;

		printf("vip %s backend %s %s: weight %s -> %s%s, %s\n", text(b, "vip"),
		       text(b, "backend"), text(b, "address"), text(b, "previous_weight"),
		       text(b, "weight"), get(b, "operator_weight") ? "" : " (configured)",
		       text(b, "state"));
	}
}

static void print_stats(struct json_object *r)
{
	struct table t = { .ncols = 4 };
	struct json_object *other = get(r, "other");

	table_row(&t, "VIP", "REASON", "PACKETS", "BYTES");
	for (size_t i = 0; i <= array_len(r, "vips"); i++) {
		bool is_vip = i < array_len(r, "vips");
		struct json_object *v = is_vip ? item(r, "vips", i) : other;
		const char *name = is_vip ? text(v, "name") : "(no-vip)";

		if (!v)
			continue;
		table_row(&t, name, "total", text(v, "packets"), text(v, "bytes"));
		json_object_object_foreach(get(v, "reasons"), reason, c)
		{
			if (num(c, "packets") || num(c, "bytes"))
				table_row(&t, name, reason, text(c, "packets"), text(c, "bytes"));
		}
	}
	table_print(&t);
	if (!array_len(r, "backends"))
		return;
	putchar('\n');
	t.ncols = 5;
	table_row(&t, "VIP", "BACKEND", "ADDRESS", "PACKETS", "BYTES");
	for (size_t i = 0; i < array_len(r, "backends"); i++) {
		struct json_object *b = item(r, "backends", i);

		table_row(&t, text(b, "vip"), text(b, "name"), text(b, "address"),
			  text(b, "packets"), text(b, "bytes"));
	}
	table_print(&t);
}

static void print_reload(struct json_object *r)
{
	printf("reloaded %s: %s VIPs\n", text(r, "config"), text(r, "vips"));
}

static void print_handover(struct json_object *r)
{
	printf("handover: the next stop of xdpcastd leaves the dataplane (%s) and the routes "
	       "in place for the next xdpcastd\n",
	       text(r, "pin_dir"));
}

#define WEIGHT_HELP "the operator's weight N (0.." STR(XDPCAST_WEIGHT_MAX) ") until undrain"

static const struct cli_command cli_commands[] = {
	[CONTROL_CMD_STATUS] = { "the agent: version, uptime, files, interfaces", print_status },
	[CONTROL_CMD_VIPS] = { "every VIP: in service or not, backends up, sizes", print_vips },
	[CONTROL_CMD_BACKENDS] = { "every backend (of VIP): state, weight, next hop, check",
				   print_backends },
	[CONTROL_CMD_DRAIN] = { "no new flows to BACKEND (known flows stay)", print_weight },
	[CONTROL_CMD_UNDRAIN] = { "back to the configured weight", print_weight },
	[CONTROL_CMD_WEIGHT] = { WEIGHT_HELP, print_weight },
	[CONTROL_CMD_STATS] = { "dataplane counters by VIP and reason, by backend", print_stats },
	[CONTROL_CMD_RELOAD] = { "reload the configuration file (as SIGHUP)", print_reload },
	[CONTROL_CMD_HANDOVER] = { "make the next stop a restart: dataplane and routes stay",
				   print_handover },
};
_Static_assert(sizeof(cli_commands) / sizeof(cli_commands[0]) == CONTROL_CMD_MAX,
	       "a printer for every command of control_proto.h");

/* --- the request --- */

static struct json_object *parse_weight(const char *arg)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end || errno || n > XDPCAST_WEIGHT_MAX)
		die_usage("weight: N must be an integer from 0 to %d, not \"%s\"",
			  XDPCAST_WEIGHT_MAX, arg);
	return json_object_new_int((int)n);
}

static const struct cli_arg cli_args[] = {
	{ "vip", "VIP", NULL },
	{ "backend", "BACKEND", NULL },
	{ "weight", "N", parse_weight },
};

static const struct cli_arg *cli_arg_of(const char *key)
{
	for (size_t i = 0; i < sizeof(cli_args) / sizeof(cli_args[0]); i++)
		if (!strcmp(cli_args[i].key, key))
			return &cli_args[i];
	fprintf(stderr, "xdpcastctl: no argument for key \"%s\"\n", key);
	abort(); /* control_proto.h has a key this file does not know */
}

/* The arguments in the order of the command's keys; without the optional
 * VIP (one argument fewer), the others in order from the second key. */
static struct json_object *build_request(const struct control_command *cmd, char **args, int nargs)
{
	struct json_object *req = json_object_new_object();
	int skip = cmd->vip_optional && nargs < (int)cmd->required ? 1 : 0;

	json_object_object_add(req, "command", json_object_new_string(cmd->name));
	for (int i = 0; i < nargs; i++) {
		const struct cli_arg *arg = cli_arg_of(cmd->keys[i + skip]);

		json_object_object_add(req, arg->key,
				       arg->parse ? arg->parse(args[i])
						  : json_object_new_string(args[i]));
	}
	return req;
}

/* " VIP BACKEND N", " [VIP]": the arguments of @cmd, for usage. */
static const char *synopsis(const struct control_command *cmd, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < control_command_n_keys(cmd) && off < len; i++)
		off += snprintf(buf + off, len - off,
				i < cmd->required && !(i == 0 && cmd->vip_optional) ? " %s"
										    : " [%s]",
				cli_arg_of(cmd->keys[i])->metavar);
	return buf;
}

static void usage(FILE *out)
{
	char line[64], args[48];

	fprintf(out, "usage: xdpcastctl [-s SOCKET] [--json] [-t SECONDS] COMMAND [ARGS]\n"
		     "commands:\n");
	for (size_t i = 0; i < CONTROL_CMD_MAX; i++) {
		snprintf(line, sizeof(line), "%s%s", control_commands[i].name,
			 synopsis(&control_commands[i], args, sizeof(args)));
		fprintf(out, "  %-25s %s\n", line, cli_commands[i].help);
	}
	fprintf(out,
		"VIP: a name or address; BACKEND: a name or address (without VIP: in every\n"
		"VIP that has a backend of that name or address).\n"
		"options:\n"
		"  -s, --socket SOCKET     the agent's control socket (default $XDPCAST_SOCKET,\n"
		"                          else %s)\n"
		"  -j, --json              print the agent's JSON reply\n"
		"  -t, --timeout SECONDS   wait at most this long for the reply (default %d)\n"
		"  -V, --version           print the version and exit\n"
		"  -h, --help\n"
		"exit codes: 0 done, 1 the agent refused, 2 bad command line,\n"
		"            3 cannot reach the agent\n",
		XDPCAST_CONTROL_SOCKET_DEFAULT, TIMEOUT_DEFAULT_S);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "xdpcastctl: socket path too long: %s\n", path);
		exit(EXIT_USAGE);
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	err = errno;
	fprintf(stderr, "xdpcastctl: cannot connect to %s: %s%s\n", path, strerror(err),
		err == EACCES ? " (root or the socket's group can use it)"
			      : " (is xdpcastd running?)");
	exit(EXIT_UNREACHABLE);
}

static void die_unreachable(const char *path, const char *what)
{
	fprintf(stderr, "xdpcastctl: %s: %s\n", path, what);
	exit(EXIT_UNREACHABLE);
}

/* Send one request line and read one reply line. */
static struct json_object *exchange(const char *path, struct json_object *req, int timeout_s)
{
	const char *line = json_object_to_json_string_ext(
		req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	struct pollfd pfd = { .events = POLLIN };
	size_t len = strlen(line), off = 0, cap = 0;
	struct json_object *reply;
	char *buf = NULL, *nl = NULL;
	ssize_t n;

	pfd.fd = connect_to(path);
	while (off <= len) {
		/* the line, then its newline */
		n = off < len ? send(pfd.fd, line + off, len - off, MSG_NOSIGNAL)
			      : send(pfd.fd, "\n", 1, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EPIPE && errno != ECONNRESET)
			die_unreachable(path, strerror(errno));
		if (n < 0)
			break; /* the agent closed: it may have said why */
		off += n;
	}
	off = 0;
	while (!nl) {
		if (off + 4096 > cap) {
			char *grown = cap < REPLY_MAX ? realloc(buf, cap + 65536) : NULL;

			if (!grown)
				die_unreachable(path, "reply too large");
			buf = grown;
			cap += 65536;
		}
		n = poll(&pfd, 1, timeout_s * 1000);
		if (n == 0)
			die_unreachable(path, "no reply from xdpcastd in time");
		if (n > 0)
			n = recv(pfd.fd, buf + off, cap - off - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_unreachable(path, strerror(errno));
		if (n == 0)
			die_unreachable(path, "xdpcastd closed the connection without a reply");
		nl = memchr(buf + off, '\n', n);
		off += n;
	}
	*nl = '\0';
	close(pfd.fd);
	reply = json_tokener_parse(buf);
	free(buf);
	if (!json_object_is_type(reply, json_type_object) ||
	    !json_object_is_type(get(reply, "ok"), json_type_boolean))
		die_unreachable(path, "the reply is not an xdpcastd reply");
	return reply;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, /* xdpcast_version() */
		{},
	};
	const char *path = getenv("XDPCAST_SOCKET"); /* -s wins over it */
	const struct control_command *cmd;
	struct json_object *req, *reply;
	int opt, nargs, timeout_s = TIMEOUT_DEFAULT_S;
	bool json = false;
	char *end, args[48], names[160];

	while ((opt = getopt_long(argc, argv, "s:jt:hV", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 't':
			timeout_s = (int)strtol(optarg, &end, 10);
			if (*end || timeout_s <= 0 || timeout_s > 3600)
				die_usage("--timeout: seconds from 1 to 3600, not \"%s\"", optarg);
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("xdpcastctl %s\n", xdpcast_version());
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!path || !path[0])
		path = XDPCAST_CONTROL_SOCKET_DEFAULT;
	if (optind == argc)
		die_usage("no command given");
	cmd = control_command_find(argv[optind]);
	if (!cmd)
		die_usage("unknown command \"%s\" (commands: %s)", argv[optind],
			  control_command_names(names, sizeof(names)));
	nargs = argc - optind - 1;
	if (nargs < (int)cmd->required - (int)cmd->vip_optional ||
	    nargs > (int)control_command_n_keys(cmd))
		die_usage("usage: xdpcastctl [OPTIONS] %s%s", cmd->name,
			  synopsis(cmd, args, sizeof(args)));
	signal(SIGPIPE, SIG_IGN);

	req = build_request(cmd, argv + optind + 1, nargs);
	reply = exchange(path, req, timeout_s);
	json_object_put(req);
	if (json)
		printf("%s\n", json_object_to_json_string_ext(reply, JSON_PRETTY));
	if (!json_object_get_boolean(get(reply, "ok"))) {
		fprintf(stderr, "xdpcastctl: %s: %s\n", cmd->name, text(reply, "error"));
		json_object_put(reply);
		return EXIT_REFUSED;
	}
	if (!json)
		cli_commands[control_command_id(cmd)].print(reply);
	json_object_put(reply);
	return EXIT_OK;
}
