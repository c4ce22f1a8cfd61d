/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * watch-internal.h - shared by the watch layer's sources: a bounded JSON
 * object writer for hvs_watch_event.data_json. Every string may come from a
 * hostile guest: it is escaped, bytes that are not UTF-8 become \u00XX
 * (read as Latin-1), and the text never grows past the writer's cap (the
 * writer then marks itself overflowed and the caller decides).
 */
#ifndef HVS_WATCH_INTERNAL_H
#define HVS_WATCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jbuf {
        char *p;
        size_t len, cap;
        bool overflow;  /* something did not fit: the text is cut */
        bool first;     /* no member written yet in the current object */
};

/* Writer over @buf[@cap]; starts the object ("{"). */
void jb_init(struct jbuf *j, char *buf, size_t cap);
/* Writer over @buf[@cap] that goes on with the JSON object @obj (its members
 * kept, its closing brace dropped). Return: false if @obj is not "{...}". */
bool jb_reopen(struct jbuf *j, char *buf, size_t cap, const char *obj);
/* Ends the object ("}") and NUL-terminates; returns j->p, or NULL on overflow. */
const char *jb_end(struct jbuf *j);
void jb_str(struct jbuf *j, const char *key, const char *val);
/* @val of @n bytes, NULs included (each one escaped). */
void jb_strn(struct jbuf *j, const char *key, const char *val, size_t n);
void jb_i64(struct jbuf *j, const char *key, int64_t v);
void jb_u64(struct jbuf *j, const char *key, uint64_t v);
void jb_bool(struct jbuf *j, const char *key, bool v);
/* @key: ["a", "b", ...] from NUL-separated @args of @n bytes (at most @max items). */
void jb_args(struct jbuf *j, const char *key, const char *args, size_t n, size_t max);
/* Appends @s escaped (no quotes) into @out[@cap], NUL-terminated; false if cut. */
bool json_escape(char *out, size_t cap, const char *s, size_t n);

#endif
