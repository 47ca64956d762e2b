/* The parser of `--net user,hostfwd=...` (see hostfwd.h).  It works on
 * (pointer, length) spans of the caller's text, never past them, so it needs
 * no copy of the whole option and a rule needs no terminating NUL. */
#include "net/hostfwd.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define RULE_SHOWN 80 /* longest piece of user text quoted in a message */

struct span {
	const char *p, *end;
};

static int span_len(struct span s)
{
	size_t n = (size_t)(s.end - s.p);

	return n > RULE_SHOWN ? RULE_SHOWN : (int)n;
}

static bool span_is(struct span s, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(s.end - s.p) == n && !memcmp(s.p, word, n);
}

/* Splits s at the first c: s becomes what precedes it, *rest what follows.
 * False when s holds no c. */
static bool span_cut(struct span *s, char c, struct span *rest)
{
	const char *at = memchr(s->p, c, (size_t)(s->end - s->p));

	if (!at)
		return false;
	*rest = (struct span){ at + 1, s->end };
	s->end = at;
	return true;
}

/* Every message names the rule first, so a command line with several
 * rules says which one is wrong. */
__attribute__((format(printf, 3, 4))) static int
rule_err(struct gerr *err, struct span rule, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return gerr_set(err, "hostfwd=%.*s: %s", span_len(rule), rule.p, why);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_port(struct span rule, struct span s, const char *side,
		      uint16_t *out, struct gerr *err)
{
	const char *q = s.p;
	unsigned long v = 0;

	if (s.p == s.end)
		return rule_err(err, rule, "missing %s port", side);
	if (!is_digit(*s.p))
		return rule_err(err, rule, "%s port '%.*s' is not a number", side,
				span_len(s), s.p);
	for (; q < s.end && is_digit(*q); q++)
		if (v <= 65535) /* stop growing: anything larger is refused */
			v = v * 10 + (unsigned long)(*q - '0');
	if (q < s.end)
		return rule_err(err, rule, "trailing '%.*s' after %s port %.*s",
				span_len((struct span){ q, s.end }), q, side,
				(int)(q - s.p) > RULE_SHOWN ? RULE_SHOWN : (int)(q - s.p), s.p);
	if (v == 0 || v > 65535)
		return rule_err(err, rule, "%s port %.*s is not in 1..65535", side,
				span_len(s), s.p);
	*out = (uint16_t)v;
	return 0;
}

/* An empty address keeps *out (the caller's default). */
static int parse_addr(struct span rule, struct span s, const char *side,
		      struct in_addr *out, struct gerr *err)
{
	char buf[INET_ADDRSTRLEN];
	size_t n = (size_t)(s.end - s.p);

	if (!n)
		return 0;
	if (n < sizeof(buf)) {
		memcpy(buf, s.p, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET, buf, out) == 1)
			return 0;
	}
	return rule_err(err, rule, "bad %s address '%.*s' (expected IPv4 a.b.c.d)",
			side, span_len(s), s.p);
}

int hostfwd_parse(const char *s, size_t len, struct hostfwd_rule *out,
		  struct gerr *err)
{
	struct span rule = { s, s + len }, proto = rule, host, guest, hport, gport;

	memset(out, 0, sizeof(*out));
	out->host_addr.s_addr = htonl(INADDR_LOOPBACK);
	out->guest_addr.s_addr = htonl(INADDR_ANY);
	if (!span_cut(&proto, ':', &host))
		return rule_err(err, rule, "expected [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT");
	if (span_is(proto, "udp"))
		out->udp = true;
	else if (!span_is(proto, "tcp") && proto.p != proto.end)
		return rule_err(err, rule, "unknown protocol '%.*s' (tcp or udp)",
				span_len(proto), proto.p);
	if (!span_cut(&host, '-', &guest))
		return rule_err(err, rule, "missing '-' between the host and guest parts");
	if (!span_cut(&host, ':', &hport))
		return rule_err(err, rule, "expected [HOSTADDR]:HOSTPORT before '-'");
	if (!span_cut(&guest, ':', &gport))
		return rule_err(err, rule, "expected [GUESTADDR]:GUESTPORT after '-'");
	if (parse_addr(rule, host, "host", &out->host_addr, err) < 0 ||
	    parse_port(rule, hport, "host", &out->host_port, err) < 0 ||
	    parse_addr(rule, guest, "guest", &out->guest_addr, err) < 0 ||
	    parse_port(rule, gport, "guest", &out->guest_port, err) < 0)
		return -1;
	return 0;
}

/* Two rules clash when both would bind the same host port (one on every
 * address counts as any other address). */
static bool rules_clash(const struct hostfwd_rule *a, const struct hostfwd_rule *b)
{
	return a->udp == b->udp && a->host_port == b->host_port &&
	       (a->host_addr.s_addr == b->host_addr.s_addr ||
		a->host_addr.s_addr == htonl(INADDR_ANY) ||
		b->host_addr.s_addr == htonl(INADDR_ANY));
}

static int opts_add_rule(struct hostfwd_set *set, struct span rule, struct gerr *err)
{
	struct hostfwd_rule *r = &set->rule[set->nr];
	char where[48];

	if (set->nr == HOSTFWD_MAX)
		return rule_err(err, rule, "more than %d hostfwd rules", HOSTFWD_MAX);
	if (hostfwd_parse(rule.p, (size_t)(rule.end - rule.p), r, err) < 0)
		return -1;
	for (unsigned i = 0; i < set->nr; i++) {
		if (rules_clash(&set->rule[i], r)) {
			hostfwd_format_host(r, where, sizeof(where));
			return rule_err(err, rule, "host %s is already forwarded", where);
		}
	}
	set->nr++;
	return 0;
}

int hostfwd_parse_opts(const char *opts, struct hostfwd_set *out, struct gerr *err)
{
	static const char key[] = "hostfwd=";
	const char *p = opts;

	out->nr = 0;
	if (!p)
		return 0;
	while (*p) {
		struct span opt;

		if (*p != ',')
			return gerr_set(err, "unexpected '%.*s' (options start with ',')",
					RULE_SHOWN, p);
		opt.p = ++p;
		opt.end = strchr(p, ',');
		if (!opt.end)
			opt.end = p + strlen(p);
		p = opt.end;
		if (opt.p == opt.end)
			return gerr_set(err, "empty option (a stray ',')");
		if ((size_t)(opt.end - opt.p) < sizeof(key) - 1 ||
		    memcmp(opt.p, key, sizeof(key) - 1))
			return gerr_set(err, "unknown option '%.*s' (expected hostfwd=RULE)",
					span_len(opt), opt.p);
		opt.p += sizeof(key) - 1;
		if (opts_add_rule(out, opt, err) < 0)
			return -1;
	}
	return 0;
}

void hostfwd_format_host(const struct hostfwd_rule *r, char *buf, size_t size)
{
	char addr[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, &r->host_addr, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "?");
	snprintf(buf, size, "%s %s:%u", r->udp ? "udp" : "tcp", addr, r->host_port);
}
