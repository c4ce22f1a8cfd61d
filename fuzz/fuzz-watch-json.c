/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-watch-json.c - the watch layer's bounded JSON writer
 * (src/watch/json.c) with guest-controlled bytes: comm, argument strings.
 * Whatever the bytes and the buffer size, the writer either says it
 * overflowed or gives one JSON object that json-c parses, with as many
 * arguments as it was given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "watch/watch-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 2)
                return 0;
        size_t cap = 1 + (size_t)data[0] * 32;  /* 1 .. 8,161 bytes */
        char *buf = malloc(cap);
        if (!buf)
                return 0;
        const char *s = (const char *)data + 1;
        size_t n = size - 1;
        struct jbuf j;
        jb_init(&j, buf, cap);
        jb_strn(&j, "process.name", s, n < 16 ? n : 16);
        jb_args(&j, "process.args", s, n, 256);
        jb_i64(&j, "process.pid", (int64_t)n);
        const char *out = jb_end(&j);
        if (out) {
                if (strlen(out) >= cap)
                        abort();
                json_object *o = json_tokener_parse(out), *a;
                if (!o || !json_object_is_type(o, json_type_object) ||
                    !json_object_object_get_ex(o, "process.args", &a) || !json_object_is_type(a, json_type_array))
                        abort();
                json_object_put(o);
        }
        free(buf);
        return 0;
}
