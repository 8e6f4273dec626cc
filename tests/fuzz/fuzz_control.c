// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fuzz harness: the control socket's requests as they arrive (control.c's
 * framing, control_next_request(), then control_cmd.c's
 * control_dispatch()), against an agent with two VIPs and their backends
 * but no dataplane, no sockets and no loop. The client's buffer is a heap
 * block of exactly its capacity, used as control.c uses it (filled by
 * reads, requests taken from its head, the rest moved down), so that a read
 * past it is caught. Input: byte 0 picks the capacity (the daemon's
 * CONTROL_REQUEST_MAX, or a small one so that "request too long" is
 * reachable) and whether the client ends with EOF; byte 1 the size of each
 * read (pipelined requests and partial lines); the rest is the stream. The
 * client is no admin: changes are refused before they touch anything, and
 * "stats" fails (no maps). Every reply must be JSON of printable ASCII.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "control.h"
#include "control_cmd.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char config_yaml[] = "interfaces: [eth0]\n"
				  "vips:\n"
				  "  - name: dns\n"
				  "    address: 203.0.113.53\n"
				  "    protocol: udp\n"
				  "    port: 53\n"
				  "    check: { type: dns, name: example.com. }\n"
				  "    backends:\n"
				  "      - { name: b1, address: 198.18.1.2 }\n"
				  "      - { name: b2, address: 198.18.2.2, weight: 2 }\n"
				  "  - name: dns6\n"
				  "    address: 2001:db8::53\n"
				  "    check: { type: icmp }\n"
				  "    backends:\n"
				  "      - { name: b1, address: 2001:db8:18:1::2 }\n";

static struct agent agent;
static struct control ctl = { .path = "/run/xdpcast/fuzz.sock" };
static struct control_env env = { .agent = &agent, .ctl = &ctl };
static struct vip *vips[2];

static void setup(void)
{
	char err[CONFIG_ERROR_MAX];

	log_set_level(LOG_LEVEL_NONE);
	if (config_load_string("fuzz.yaml", config_yaml, &agent.cfg, err))
		abort();
	agent.cfg.n_ifaces = 0; /* no interface queries per status */
	for (size_t i = 0; i < agent.cfg.n_vips; i++) {
		vips[i] = agent_vip_new(&agent, &agent.cfg.vips[i]);
		if (!vips[i])
			abort();
	}
	agent.vips = vips;
	agent.n_vips = agent.cfg.n_vips;
	agent.dp.stats_vips = agent.dp.stats_backends = -1;
	agent.dp.ncpus = 1;
}

static void check_reply(struct json_object *reply)
{
	size_t len;
	const char *text = json_object_to_json_string_length(
		reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	struct json_object *back;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f)
			abort();
	back = json_tokener_parse(text);
	if (!back)
		abort();
	json_object_put(back);
	json_object_put(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[] = { CONTROL_REQUEST_MAX, 64, 512, 4096 };
	struct control_peer peer = { .pid = 1, .uid = 65534, .admin = false };
	struct control_request req;
	enum control_frame f = CONTROL_FRAME_NONE;
	size_t cap, chunk, in_len = 0;
	bool eof, closing = false;
	char *in;

	if (!agent.vips)
		setup();
	if (size < 2)
		return 0;
	cap = caps[data[0] & 3];
	eof = !(data[0] & 4);
	chunk = data[1] ? data[1] : size;
	data += 2;
	size -= 2;
	in = calloc(1, cap);
	if (!in)
		abort();
	while (!closing && (size || eof)) {
		size_t n = size < chunk ? size : chunk;
		bool at_eof;

		if (n > cap - in_len)
			n = cap - in_len;
		memcpy(in + in_len, data, n);
		in_len += n;
		data += n;
		size -= n;
		at_eof = eof && !size;
		while ((f = control_next_request(in, in_len, cap, at_eof, &req)) ==
		       CONTROL_FRAME_REQUEST) {
			if (req.consumed > in_len || req.len > req.consumed || req.line != in)
				abort();
			if (req.len)
				check_reply(control_dispatch(&env, &peer, req.line, req.len));
			in_len -= req.consumed;
			memmove(in, in + req.consumed, in_len);
		}
		closing = f == CONTROL_FRAME_TOO_LONG || at_eof;
		if (!n && !at_eof)
			break; /* full but framed nothing: cannot happen (TOO_LONG) */
	}
	free(in);
	return 0;
}
