/* The images gamut-pv-cc builds (make pv-examples) are PV images gamut
 * accepts: the SDK's linker script, notes and manifest macro agree with
 * the host's parser and loader.  Skips when the examples are not built. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "pv/pv_boot.h"
#include "test_pv_fixture.h"

static uint8_t *slurp(const char *name, size_t *len)
{
	char path[256];
	const char *build = getenv("BUILD");
	FILE *f;
	uint8_t *buf;
	long n;

	snprintf(path, sizeof(path), "%s/pv-examples/%s", build ? build : "build", name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

TEST(pv_sdk_images_are_accepted)
{
	static const char *const names[] = { "hello.pv", "cpubench.pv", "traps.pv" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct pvt t;
		size_t len;
		uint8_t *img = slurp(names[i], &len);

		if (!img)
			SKIP("build/pv-examples not built (make pv-examples)");
		CHECK(pv_image_detect(img, len));
		CHECK(pvt_init(&t) == 0);
		CHECK(pvt_load(&t, img, len) == 0);
		CHECK_EQ(t.boot.rip, PV_IMAGE_BASE); /* crt0's _start leads .text */
		CHECK_EQ(t.pv->img.manifest.nr_devices, 0);
		pvt_fini(&t);
		free(img);
	}
}

TEST(pv_sdk_manifest_reaches_gamut)
{
	struct pvt t;
	size_t len;
	uint8_t *img = slurp("blkbench.pv", &len);

	if (!img)
		SKIP("build/pv-examples not built (make pv-examples)");
	CHECK(pvt_init(&t) == 0);
	CHECK(pvt_load(&t, img, len) < 0); /* declares "data", none attached */
	CHECK(strstr(t.err.msg, "block device 'data'"));
	CHECK_EQ(t.pv->img.manifest.nr_devices, 1);
	CHECK(!strcmp(t.pv->img.manifest.dev[0].name, "data"));
	pvt_fini(&t);
	free(img);
}
