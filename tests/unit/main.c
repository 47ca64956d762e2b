/* Runs every registered unit test; see tests/harness.h. */
#include <stdlib.h>
#include <string.h>

#include "../harness.h"

static struct test_case *head, **tail = &head;
static int cur_failed, cur_skipped;

void harness_register(struct test_case *tc)
{
	*tail = tc;
	tail = &tc->next;
}

void harness_fail(const char *file, int line, const char *expr)
{
	if (!cur_failed)
		printf("FAIL %s:%d: %s\n", file, line, expr);
	cur_failed = 1;
}

void harness_skip(const char *why)
{
	printf("  skip: %s\n", why);
	cur_skipped = 1;
}

int harness_failed_now(void)
{
	return cur_failed;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;

	for (struct test_case *tc = head; tc; tc = tc->next) {
		if (argc > 1 && !strstr(tc->name, argv[1]))
			continue;
		cur_failed = cur_skipped = 0;
		tc->fn();
		if (cur_failed) {
			printf("not ok %s\n", tc->name);
			failed++;
		} else if (cur_skipped) {
			printf("skip   %s\n", tc->name);
			skipped++;
		} else {
			printf("ok     %s\n", tc->name);
			passed++;
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
