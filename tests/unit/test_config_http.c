/*
 * test_config_http.c: the http: section (the HTTP endpoint): listen's
 * forms, the loopback rule that needs a token elsewhere, the limits,
 * and config_http_address.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "revguard/config.h"

static struct config	 cfg;
static char		 err[1024];

static void
setup(void)
{
	cr_assert_eq(config_init(&cfg), 0);
}

static void
teardown(void)
{
	config_free(&cfg);
}

static int
load(const char *yaml)
{
	config_free(&cfg);
	cr_assert_eq(config_init(&cfg), 0);
	return config_load_buffer(&cfg, "t.yaml", yaml, strlen(yaml), err,
	    sizeof(err));
}

TestSuite(config_http, .init = setup, .fini = teardown);

Test(config_http, off_by_default)
{
	cr_assert_null(cfg.http.listen);
	cr_assert_null(cfg.http.token_file);
	cr_assert_eq(cfg.http.max_request_bytes, 8192);
	cr_assert_eq(cfg.http.max_headers, 32);
	cr_assert_eq(cfg.http.timeout_ms, 10000);
	cr_assert_eq(load("http:\n  listen: off\n"), 0, "%s", err);
	cr_assert_null(cfg.http.listen);
}

Test(config_http, listen_forms)
{
	cr_assert_eq(load("http:\n  listen: on\n"), 0, "%s", err);
	cr_assert_str_eq(cfg.http.listen, "127.0.0.1:9419");
	cr_assert_eq(load("http:\n  listen: 127.0.0.2:8080\n"), 0, "%s", err);
	cr_assert_str_eq(cfg.http.listen, "127.0.0.2:8080");
	cr_assert_eq(load("http:\n  listen: '[::1]:9419'\n"), 0, "%s", err);
	cr_assert_eq(load("http:\n  listen: localhost:9419\n"), -1);
	cr_assert(strstr(err, "t.yaml:2:11: `listen` must be off, on") != NULL,
	    "%s", err);
	cr_assert_eq(load("http:\n  listen: 127.0.0.1:0\n"), -1);
	cr_assert_eq(load("http:\n  listen: 127.0.0.1:70000\n"), -1);
	cr_assert_eq(load("http:\n  listen: 127.0.0.1\n"), -1);
	cr_assert_eq(load("http:\n  listen: '[::1:9419'\n"), -1);
	cr_assert_eq(load("http:\n  port: 1\n"), -1);
	cr_assert_str_eq(err, "t.yaml:2:3: unknown key `port` in `http`");
}

Test(config_http, beyond_loopback_needs_a_token)
{
	cr_assert_eq(load("http:\n  listen: 0.0.0.0:9419\n"), -1);
	cr_assert_str_eq(err, "t.yaml: http.listen `0.0.0.0:9419` is not a "
	    "loopback address: set http.token_file to a file holding a "
	    "bearer token, or listen on 127.0.0.1");
	cr_assert_eq(load("http:\n  listen: '[::]:9419'\n"), -1);
	cr_assert_eq(load("http:\n  listen: 10.1.2.3:9419\n  token_file: "
	    "/etc/t\n"), 0, "%s", err);
	cr_assert_str_eq(cfg.http.token_file, "/etc/t");
}

Test(config_http, limits)
{
	cr_assert_eq(load("http:\n  max_request_bytes: 100\n"), -1);
	cr_assert_eq(load("http:\n  max_headers: 2\n"), -1);
	cr_assert_eq(load("http:\n  timeout: 0s\n"), -1);
	cr_assert_eq(load("http:\n  max_request_bytes: 4096\n  max_headers: 8\n"
	    "  timeout: 2s\n"), 0, "%s", err);
	cr_assert_eq(cfg.http.max_request_bytes, 4096);
	cr_assert_eq(cfg.http.timeout_ms, 2000);
}

Test(config_http, addresses)
{
	char	 host[64];
	int	 port, lo;

	cr_assert_eq(config_http_address("[::1]:80", host, sizeof(host), &port,
	    &lo), 0);
	cr_assert_str_eq(host, "::1");
	cr_assert_eq(port, 80);
	cr_assert_eq(lo, 1);
	cr_assert_eq(config_http_address("127.9.9.9:1", NULL, 0, NULL, &lo), 0);
	cr_assert_eq(lo, 1);
	cr_assert_eq(config_http_address("192.168.0.1:1", NULL, 0, NULL, &lo),
	    0);
	cr_assert_eq(lo, 0);
	cr_assert_eq(config_http_address("[::ffff:127.0.0.1]:1", NULL, 0, NULL,
	    &lo), 0);
	cr_assert_eq(lo, 0);	/* mapped: not taken as loopback */
	cr_assert_eq(config_http_address(":80", NULL, 0, NULL, NULL), -1);
	cr_assert_eq(config_http_address("1.2.3.4:8x", NULL, 0, NULL, NULL),
	    -1);
}
