/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The operator's drains and weights kept in the state directory
 * (operator_state.c): written after a change, read back into the backends a
 * start builds (VIP name, backend name and address must match), entries of
 * backends the configuration lost forgotten, a backend name that now means
 * another address not drained, a damaged file refused with a reason and
 * left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "operator_state.h"

static char top[64], file_path[160];
static struct agent agent;
static struct vip vip_dns;
static struct backend b1, b2, b3;
static struct backend *backends[3] = { &b1, &b2, &b3 };
static struct vip *vips[1] = { &vip_dns };

static void backend_set(struct backend *b, const char *name, const char *addr)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->cfg.name, sizeof(b->cfg.name), "%s", name);
	cr_assert(addr_parse(&b->cfg.addr.ip, addr));
	snprintf(b->cfg.addr.text, sizeof(b->cfg.addr.text), "%s", addr);
	b->vip = &vip_dns;
	b->admin_weight = -1;
}

/* A running state: vip "dns" with b1..b3 at 198.18.N.2, none weighted. */
static void fresh_agent(void)
{
	memset(&agent, 0, sizeof(agent));
	memset(&vip_dns, 0, sizeof(vip_dns));
	snprintf(vip_dns.cfg.name, sizeof(vip_dns.cfg.name), "dns");
	vip_dns.backends = backends;
	vip_dns.n_backends = 3;
	backend_set(&b1, "b1", "198.18.1.2");
	backend_set(&b2, "b2", "198.18.2.2");
	backend_set(&b3, "b3", "2001:db8:18:3::2");
	agent.vips = vips;
	agent.n_vips = 1;
	snprintf(agent.cfg.state_dir, sizeof(agent.cfg.state_dir), "%s/state", top);
}

static void setup(void)
{
	snprintf(top, sizeof(top), "/tmp/xdpcast-opstate-XXXXXX");
	cr_assert_not_null(mkdtemp(top), "mkdtemp: %s", strerror(errno));
	snprintf(file_path, sizeof(file_path), "%s/state/%s", top, OPERATOR_STATE_FILE_NAME);
	fresh_agent();
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd))
		cr_log_warn("cannot remove %s", top);
}

static void put(const char *text)
{
	int fd = open(file_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0, "%s: %s", file_path, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static const char *content(void)
{
	static char buf[4096];
	int fd = open(file_path, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

Test(operator_state, a_drain_and_a_weight_survive_a_stop_and_start, .init = setup, .fini = teardown)
{
	struct stat st;

	b2.admin_weight = 0;
	b3.admin_weight = 7;
	cr_assert_eq(operator_state_save(&agent), 0);
	cr_assert_eq(stat(file_path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
	cr_assert_not_null(strstr(content(), "\"address\":\"198.18.2.2\""), "%s", content());
	cr_assert_null(strstr(content(), "\"b1\""), "b1 has no operator weight: %s", content());

	fresh_agent(); /* the next start, its backends as the configuration made them */
	operator_state_restore(&agent);
	cr_assert_eq(b1.admin_weight, -1);
	cr_assert_eq(b2.admin_weight, 0);
	cr_assert_eq(b3.admin_weight, 7);
}

Test(operator_state, undrain_removes_the_entry, .init = setup, .fini = teardown)
{
	b2.admin_weight = 0;
	cr_assert_eq(operator_state_save(&agent), 0);
	b2.admin_weight = -1;
	cr_assert_eq(operator_state_save(&agent), 0);
	cr_assert_null(strstr(content(), "b2"), "%s", content());
	fresh_agent();
	operator_state_restore(&agent);
	cr_assert_eq(b2.admin_weight, -1);
}

Test(operator_state, a_backend_gone_is_forgotten_and_the_file_rewritten, .init = setup,
     .fini = teardown)
{
	b2.admin_weight = 0;
	b3.admin_weight = 3;
	cr_assert_eq(operator_state_save(&agent), 0);
	fresh_agent();
	vip_dns.n_backends = 2; /* b3 no longer configured */
	operator_state_restore(&agent);
	cr_assert_eq(b2.admin_weight, 0);
	cr_assert_null(strstr(content(), "b3"), "b3 still kept: %s", content());
	cr_assert_not_null(strstr(content(), "\"b2\""), "%s", content());
}

Test(operator_state, a_name_that_now_means_another_address_is_not_drained, .init = setup,
     .fini = teardown)
{
	b2.admin_weight = 0;
	cr_assert_eq(operator_state_save(&agent), 0);
	fresh_agent();
	backend_set(&b2, "b2", "198.18.9.2"); /* the name re-used for another server */
	operator_state_restore(&agent);
	cr_assert_eq(b2.admin_weight, -1);
	cr_assert_null(strstr(content(), "b2"), "%s", content());
}

Test(operator_state, the_state_file_wins_over_the_pinned_weight, .init = setup, .fini = teardown)
{
	b2.admin_weight = 0;
	cr_assert_eq(operator_state_save(&agent), 0);
	fresh_agent();
	b2.admin_weight = 5; /* what adoption read from backend_owners */
	operator_state_restore(&agent);
	cr_assert_eq(b2.admin_weight, 0);
}

Test(operator_state, no_file_writes_down_the_adopted_weights, .init = setup, .fini = teardown)
{
	b1.admin_weight = 0; /* adopted from the pinned maps, no file yet */
	operator_state_restore(&agent);
	cr_assert_not_null(strstr(content(), "\"b1\""), "%s", content());
}

Test(operator_state, a_damaged_file_is_ignored_and_left_alone, .init = setup, .fini = teardown)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{\"version\":2,\"backends\":[]}",
		"{\"version\":1}",
		"{\"version\":1,\"backends\":[1]}",
		"{\"version\":1,\"backends\":[{\"vip\":\"dns\",\"backend\":\"b2\","
		"\"address\":\"198.18.2.2\",\"weight\":-1}]}",
		"{\"version\":1,\"backends\":[{\"vip\":\"dns\",\"backend\":\"b2\","
		"\"address\":\"198.18.2.2\",\"weight\":100000000}]}",
		"{\"version\":1,\"backends\":[{\"vip\":\"dns\",\"backend\":\"b2\","
		"\"address\":\"not-an-address\",\"weight\":0}]}",
		"{\"version\":1,\"backends\":[{\"vip\":\"dns\",\"backend\":\"\","
		"\"address\":\"198.18.2.2\",\"weight\":0}]}",
		"{\"version\":1,\"backends\":[{\"vip\":\"dns\",\"backend\":\"b2\","
		"\"address\":\"198.18.2.2\",\"weight\":\"0\"}]}",
		"{\"version\":1,\"backends\":[]} trailing",
		"{\"version\":1,\"backends\":[[[[[[[[]]]]]]]]}",
	};
	char err[256];

	cr_assert_eq(mkdir(agent.cfg.state_dir, 0700), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct operator_entry *e = (void *)1;
		size_t n = 99;

		err[0] = '\0';
		cr_assert_eq(operator_state_parse(bad[i], strlen(bad[i]), &e, &n, err, sizeof(err)),
			     -EINVAL, "accepted: %s", bad[i]);
		cr_assert_null(e);
		cr_assert_eq(n, 0);
		cr_assert_neq(err[0], '\0', "no reason for: %s", bad[i]);
		put(bad[i]);
		fresh_agent();
		operator_state_restore(&agent);
		cr_assert_eq(b2.admin_weight, -1);
		cr_assert_str_eq(content(), bad[i], "the damaged file was replaced");
	}
}

Test(operator_state, a_symlink_or_a_fifo_is_refused, .init = setup, .fini = teardown)
{
	cr_assert_eq(mkdir(agent.cfg.state_dir, 0700), 0);
	cr_assert_eq(mkfifo(file_path, 0600), 0);
	operator_state_restore(&agent); /* must not block */
	cr_assert_eq(b2.admin_weight, -1);
	unlink(file_path);
	cr_assert_eq(symlink("/etc/passwd", file_path), 0);
	operator_state_restore(&agent);
	cr_assert_eq(b2.admin_weight, -1);
}

Test(operator_state, format_and_parse_agree, .init = setup, .fini = teardown)
{
	struct operator_entry in[2] = { { .vip = "dns", .backend = "b 1 \"quoted\"", .weight = 0 },
					{ .vip = "v6", .backend = "b2", .weight = 42 } },
			      *out;
	char err[128], *text;
	size_t n;

	cr_assert(addr_parse(&in[0].addr, "198.18.1.2"));
	cr_assert(addr_parse(&in[1].addr, "2001:db8::2"));
	text = operator_state_format(in, 2);
	cr_assert_not_null(text);
	cr_assert_eq(operator_state_parse(text, strlen(text), &out, &n, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(n, 2);
	for (size_t i = 0; i < 2; i++) {
		cr_assert_str_eq(out[i].vip, in[i].vip);
		cr_assert_str_eq(out[i].backend, in[i].backend);
		cr_assert(addr_equal(&out[i].addr, &in[i].addr));
		cr_assert_eq(out[i].weight, in[i].weight);
	}
	free(out);
	free(text);
}
