/* Host port forwarding for the user-mode backend: the options after
 * "user" in `--net [NAME=]user[,hostfwd=RULE]...`, where a RULE is
 *
 *   [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT
 *
 * (QEMU's -netdev user,hostfwd= syntax; an empty protocol means tcp).
 * HOSTADDR defaults to 127.0.0.1, not to every host address as in QEMU,
 * so a guest server is reachable from this host only unless the user
 * names 0.0.0.0.  GUESTADDR defaults to the first address the user
 * network's DHCP server hands out (see slirp.c).
 *
 * The text comes from the command line, so it is parsed as untrusted input
 * (fuzz/fuzz_hostfwd.c).  The CLI parses it once to report mistakes before
 * the VM is built; slirp.c parses it again when it opens the backend. */
#ifndef GAMUT_NET_HOSTFWD_H
#define GAMUT_NET_HOSTFWD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HOSTFWD_MAX 16 /* rules per interface: each is a listening socket */

struct hostfwd_rule {
	bool udp;
	struct in_addr host_addr;  /* network order; 127.0.0.1 when omitted */
	uint16_t host_port;	   /* 1..65535 */
	struct in_addr guest_addr; /* INADDR_ANY: the first DHCP address */
	uint16_t guest_port;	   /* 1..65535 */
};

struct hostfwd_set {
	struct hostfwd_rule rule[HOSTFWD_MAX];
	unsigned nr;
};

/* Parses one RULE, the first len bytes of s (no NUL needed).  Errors name
 * the rule and its bad part: "hostfwd=tcp::0-:80: host port 0 is not in
 * 1..65535". */
int hostfwd_parse(const char *s, size_t len, struct hostfwd_rule *out,
		  struct gerr *err);

/* Parses the user backend's options: "" or NULL (none), or
 * ",hostfwd=RULE" repeated; anything else is an error.  Rules that would
 * listen on the same host port twice are refused. */
int hostfwd_parse_opts(const char *opts, struct hostfwd_set *out,
		       struct gerr *err);

/* "tcp 127.0.0.1:8080" (the host side), for messages. */
void hostfwd_format_host(const struct hostfwd_rule *r, char *buf, size_t size);

#endif
