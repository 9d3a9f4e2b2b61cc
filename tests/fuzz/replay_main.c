/* SPDX-License-Identifier: MIT */
/*
 * replay_main.c - runs a libFuzzer harness over the files of corpus folders
 * without libFuzzer, so `make check` replays every corpus with the normal
 * compiler (and under ASan/UBSan with SANITIZE=1).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/testutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		char **names = NULL;
		size_t n = 0;
		struct dirent *de;

		if (!CHECK(d != NULL, "open corpus %s", argv[i]))
			continue;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			char **nn = realloc(names, (n + 1) * sizeof(*names));
			if (!nn)
				break;
			names = nn;
			names[n++] = strdup(de->d_name);
		}
		closedir(d);
		qsort(names, n, sizeof(*names), cmp);
		CHECK(n > 0, "corpus %s is not empty", argv[i]);
		for (size_t j = 0; j < n; j++) {
			char path[4096];
			size_t len = 0;
			snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]);
			char *buf = test_read_file(path, &len);
			if (CHECK(buf != NULL, "read %s", path)) {
				LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
				free(buf);
			}
			free(names[j]);
		}
		printf("ok - replayed %zu inputs of %s\n", n, argv[i]);
		free(names);
	}
	return test_done();
}
