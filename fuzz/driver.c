/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Standalone fuzz driver: replays every file under the directories (or files)
 * given on the command line through LLVMFuzzerTestOneInput, so the corpora
 * run in CI with any compiler. Prints "N passed, 0 failed" on success; a
 * crash or sanitizer report fails the test by itself.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT (64u << 20)

static int run_file(const char *path, unsigned *count) {
        FILE *f = fopen(path, "rb");
        if (!f) {
                fprintf(stderr, "fuzz-driver: cannot open '%s': %s\n", path, strerror(errno));
                return -1;
        }
        uint8_t *buf = malloc(FUZZ_MAX_INPUT);
        if (!buf) {
                fclose(f);
                return -1;
        }
        size_t n = fread(buf, 1, FUZZ_MAX_INPUT, f);
        fclose(f);
        /* Copy to an exact-size allocation so ASan sees overreads. */
        uint8_t *exact = malloc(n ? n : 1);
        memcpy(exact, buf, n);
        free(buf);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
        (*count)++;
        return 0;
}

static int run_path(const char *path, unsigned *count) {
        struct stat st;
        if (stat(path, &st) < 0) {
                fprintf(stderr, "fuzz-driver: cannot stat '%s': %s\n", path, strerror(errno));
                return -1;
        }
        if (!S_ISDIR(st.st_mode))
                return run_file(path, count);
        struct dirent **ents;
        int n = scandir(path, &ents, NULL, alphasort);
        if (n < 0)
                return -1;
        int rc = 0;
        for (int i = 0; i < n; i++) {
                if (ents[i]->d_name[0] != '.') {
                        char p[4096];
                        snprintf(p, sizeof p, "%s/%s", path, ents[i]->d_name);
                        if (run_path(p, count) < 0)
                                rc = -1;
                }
                free(ents[i]);
        }
        free(ents);
        return rc;
}

int main(int argc, char **argv) {
        unsigned count = 0;
        int rc = 0;
        for (int i = 1; i < argc; i++)
                if (run_path(argv[i], &count) < 0)
                        rc = 1;
        /* Also exercise the empty input. */
        LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
        printf("%u passed, %d failed\n", count + 1, rc);
        return rc;
}
