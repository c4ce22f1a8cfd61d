/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json.c - the bounded JSON writer of watch-internal.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "watch/watch-internal.h"

static void put(struct jbuf *j, const char *s, size_t n) {
        if (j->overflow)
                return;
        if (n + 1 > j->cap - j->len) {  /* keep room for the NUL */
                j->overflow = true;
                return;
        }
        memcpy(j->p + j->len, s, n);
        j->len += n;
        j->p[j->len] = '\0';
}

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n) {
        size_t need;
        uint32_t cp;
        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xe0) == 0xc0)
                need = 2, cp = s[0] & 0x1f;
        else if ((s[0] & 0xf0) == 0xe0)
                need = 3, cp = s[0] & 0x0f;
        else if ((s[0] & 0xf8) == 0xf0)
                need = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (need > n)
                return 0;
        for (size_t i = 1; i < need; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        /* No overlong forms, surrogates or values past U+10FFFF. */
        if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
                return 0;
        return need;
}

bool json_escape(char *out, size_t cap, const char *s, size_t n) {
        struct jbuf j = { .p = out, .cap = cap };
        if (!cap)
                return false;
        out[0] = '\0';
        const unsigned char *u = (const unsigned char *)s;
        for (size_t i = 0; i < n && !j.overflow;) {
                unsigned char c = u[i];
                char esc[8];
                size_t l = c < 0x80 ? 1 : utf8_len(u + i, n - i);
                if (c == '"' || c == '\\') {
                        esc[0] = '\\', esc[1] = (char)c;
                        put(&j, esc, 2);
                } else if (c == '\n') {
                        put(&j, "\\n", 2);
                } else if (c == '\t') {
                        put(&j, "\\t", 2);
                } else if (c < 0x20 || c == 0x7f || l == 0) {
                        snprintf(esc, sizeof esc, "\\u%04x", c);
                        put(&j, esc, 6);
                        l = 1;
                } else {
                        put(&j, s + i, l);
                }
                i += l;
        }
        return !j.overflow;
}

void jb_init(struct jbuf *j, char *buf, size_t cap) {
        *j = (struct jbuf){ .p = buf, .cap = cap, .first = true };
        if (cap)
                buf[0] = '\0';
        else
                j->overflow = true;
        put(j, "{", 1);
}

bool jb_reopen(struct jbuf *j, char *buf, size_t cap, const char *obj) {
        size_t n = obj ? strlen(obj) : 0;
        if (n < 2 || obj[0] != '{' || obj[n - 1] != '}')
                return false;
        *j = (struct jbuf){ .p = buf, .cap = cap, .first = n == 2 };
        if (cap)
                buf[0] = '\0';
        else
                j->overflow = true;
        put(j, obj, n - 1);
        return true;
}

const char *jb_end(struct jbuf *j) {
        put(j, "}", 1);
        return j->overflow ? NULL : j->p;
}

static void key(struct jbuf *j, const char *k) {
        if (!j->first)
                put(j, ",", 1);
        j->first = false;
        put(j, "\"", 1);
        put(j, k, strlen(k));
        put(j, "\":", 2);
}

static void quoted(struct jbuf *j, const char *val, size_t n) {
        if (j->overflow)
                return;
        put(j, "\"", 1);
        if (!json_escape(j->p + j->len, j->cap - j->len, val, n)) {
                j->overflow = true;
                return;
        }
        j->len += strlen(j->p + j->len);
        put(j, "\"", 1);
}

void jb_strn(struct jbuf *j, const char *k, const char *val, size_t n) {
        key(j, k);
        quoted(j, val, n);
}

void jb_str(struct jbuf *j, const char *k, const char *val) {
        if (!val) {
                key(j, k);
                put(j, "null", 4);
                return;
        }
        jb_strn(j, k, val, strlen(val));
}

void jb_i64(struct jbuf *j, const char *k, int64_t v) {
        char b[32];
        key(j, k);
        put(j, b, (size_t)snprintf(b, sizeof b, "%" PRId64, v));
}

void jb_u64(struct jbuf *j, const char *k, uint64_t v) {
        char b[32];
        key(j, k);
        put(j, b, (size_t)snprintf(b, sizeof b, "%" PRIu64, v));
}

void jb_bool(struct jbuf *j, const char *k, bool v) {
        key(j, k);
        put(j, v ? "true" : "false", v ? 4 : 5);
}

void jb_args(struct jbuf *j, const char *k, const char *args, size_t n, size_t max) {
        key(j, k);
        put(j, "[", 1);
        size_t items = 0;
        for (size_t i = 0; i < n && items < max;) {
                const char *e = memchr(args + i, '\0', n - i);
                size_t l = e ? (size_t)(e - (args + i)) : n - i;
                if (items++)
                        put(j, ",", 1);
                quoted(j, args + i, l);
                i += l + 1;
        }
        put(j, "]", 1);
}
