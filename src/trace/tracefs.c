/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tracefs.c - where tracefs is mounted, and the tracepoint format files:
 * ids and field offsets by name. hvscope never mounts tracefs itself (that
 * changes the host); without it the sources say so.
 */
#include <ctype.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include "trace-internal.h"

static bool has_events(const char *dir) {
        char p[4096];
        struct stat st;
        if (hvs_snprintf_ok(p, sizeof p, "%s/events", dir) < 0)
                return false;
        return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int trace_tracefs_find(const char *hint, char *buf, size_t cap, hvs_diag *d) {
        if (hint) {
                if (!has_events(hint))
                        return HVS_DIAG(d, -ENOENT, "'%s' is not a tracefs mount (no events/ in it)", hint);
                return hvs_strlcpy(buf, hint, cap) < cap ? 0 : HVS_DIAG(d, -ENAMETOOLONG, "tracefs path too long");
        }
        static const char *const known[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
        for (size_t i = 0; i < ARRAY_SIZE(known); i++)
                if (has_events(known[i]))
                        return hvs_strlcpy(buf, known[i], cap) < cap ? 0 : -ENAMETOOLONG;
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mounts", "re");
        char line[4096];
        while (f && fgets(line, sizeof line, f)) {
                char dev[256], dir[2048], type[64];
                if (sscanf(line, "%255s %2047s %63s", dev, dir, type) == 3 && !strcmp(type, "tracefs") && has_events(dir))
                        return hvs_strlcpy(buf, dir, cap) < cap ? 0 : -ENAMETOOLONG;
        }
        return HVS_DIAG(d, -ENOENT, "tracefs is not mounted (looked in /sys/kernel/tracing, /sys/kernel/debug/tracing "
                        "and /proc/self/mounts; as root: mount -t tracefs nodev /sys/kernel/tracing)");
}

/* Parses "key:value;" from @p; returns the char after ';' or NULL. */
static const char *kv(const char *p, const char *end, const char *key, char *val, size_t cap) {
        size_t kl = strlen(key);
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        if ((size_t)(end - p) < kl + 1 || memcmp(p, key, kl) || p[kl] != ':')
                return NULL;
        p += kl + 1;
        const char *semi = memchr(p, ';', (size_t)(end - p));
        if (!semi || (size_t)(semi - p) >= cap)
                return NULL;
        memcpy(val, p, (size_t)(semi - p));
        val[semi - p] = '\0';
        return semi + 1;
}

static bool parse_u32(const char *s, uint32_t *ret) {
        char *e;
        if (!isdigit((unsigned char)*s))
                return false;
        errno = 0;
        unsigned long v = strtoul(s, &e, 10);
        if (errno || *e || v > UINT32_MAX)
                return false;
        *ret = (uint32_t)v;
        return true;
}

static int parse_field(const char *p, const char *end, struct trace_field *f, hvs_diag *d) {
        char decl[512], v[32];
        if (!(p = kv(p, end, "field", decl, sizeof decl)))
                return HVS_BADMSG(d, "malformed field line in a tracepoint format");
        /* the name is the last identifier of the declaration, before any [N] */
        char *br = strchr(decl, '[');
        if (br)
                *br = '\0';
        size_t n = strlen(decl);
        while (n && isspace((unsigned char)decl[n - 1]))
                n--;
        size_t s = n;
        while (s && (isalnum((unsigned char)decl[s - 1]) || decl[s - 1] == '_'))
                s--;
        if (s == 0 || s == n || n - s >= sizeof f->name)     /* a type, then the name */
                return HVS_BADMSG(d, "tracepoint field without a usable name");
        memcpy(f->name, decl + s, n - s);
        f->name[n - s] = '\0';
        uint32_t sgn = 0;
        if (!(p = kv(p, end, "offset", v, sizeof v)) || !parse_u32(v, &f->offset) ||
            !(p = kv(p, end, "size", v, sizeof v)) || !parse_u32(v, &f->size))
                return HVS_BADMSG(d, "tracepoint field '%s' without offset or size", f->name);
        if ((p = kv(p, end, "signed", v, sizeof v)) && !parse_u32(v, &sgn))
                return HVS_BADMSG(d, "tracepoint field '%s' with a bad signed flag", f->name);
        f->is_signed = sgn != 0;
        if (f->offset > HVS_TRACE_MAX_RAW || f->size > HVS_TRACE_MAX_RAW - f->offset)
                return HVS_BADMSG(d, "tracepoint field '%s' lies outside a record (offset %u size %u)", f->name,
                                  f->offset, f->size);
        return 0;
}

int trace_format_parse(const char *text, size_t len, struct trace_format *ret, hvs_diag *d) {
        if (len > HVS_TRACE_MAX_FORMAT_BYTES)
                return HVS_DIAG(d, -E2BIG, "tracepoint format of %zu bytes (limit %u)", len, HVS_TRACE_MAX_FORMAT_BYTES);
        struct trace_format f = { 0 };
        bool have_id = false;
        const char *p = text, *end = text + len;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *le = nl ? nl : end;
                const char *q = p;
                while (q < le && (*q == ' ' || *q == '\t'))
                        q++;
                size_t ll = (size_t)(le - q);
                if (ll >= 5 && !memcmp(q, "name:", 5)) {
                        q += 5;
                        while (q < le && *q == ' ')
                                q++;
                        size_t nl2 = (size_t)(le - q);
                        if (nl2 >= sizeof f.name)
                                return HVS_BADMSG(d, "tracepoint name too long");
                        memcpy(f.name, q, nl2);
                        f.name[nl2] = '\0';
                } else if (ll >= 3 && !memcmp(q, "ID:", 3)) {
                        char v[16];
                        q += 3;
                        while (q < le && *q == ' ')
                                q++;
                        if ((size_t)(le - q) >= sizeof v)
                                return HVS_BADMSG(d, "tracepoint id too long");
                        memcpy(v, q, (size_t)(le - q));
                        v[le - q] = '\0';
                        if (!parse_u32(v, &f.id) || f.id > UINT16_MAX)
                                return HVS_BADMSG(d, "bad tracepoint id '%s'", v);
                        have_id = true;
                } else if (ll >= 6 && !memcmp(q, "field:", 6)) {
                        if (f.nfields == HVS_TRACE_MAX_FIELDS)
                                return HVS_DIAG(d, -E2BIG, "tracepoint with more than %u fields", HVS_TRACE_MAX_FIELDS);
                        int r = parse_field(q, le, &f.fields[f.nfields], d);
                        if (r < 0)
                                return r;
                        f.nfields++;
                } else if (ll >= 10 && !memcmp(q, "print fmt:", 10))
                        break;
                p = nl ? nl + 1 : end;
        }
        if (!have_id)
                return HVS_BADMSG(d, "tracepoint format without an ID line");
        *ret = f;
        return 0;
}

const struct trace_field *trace_format_field(const struct trace_format *f, const char *name) {
        for (size_t i = 0; i < f->nfields; i++)
                if (!strcmp(f->fields[i].name, name))
                        return &f->fields[i];
        return NULL;
}

int trace_event_load(const char *tracefs, const char *sys, const char *event, struct trace_format *ret, hvs_diag *d) {
        char path[4096];
        if (hvs_snprintf_ok(path, sizeof path, "%s/events/%s/%s/format", tracefs, sys, event) < 0)
                return HVS_DIAG(d, -ENAMETOOLONG, "tracefs path too long");
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len = 0;
        int r = hvs_read_file(path, HVS_TRACE_MAX_FORMAT_BYTES, &buf, &len);
        if (r == -ENOENT)
                return HVS_DIAG(d, -ENOENT, "no tracepoint '%s:%s' on this kernel", sys, event);
        if (r < 0)
                return HVS_DIAG(d, r, "cannot read '%s': %s", path, strerror(-r));
        return trace_format_parse((const char *)buf, len, ret, d);
}

int trace_field_get(const struct trace_field *f, const uint8_t *raw, size_t len, uint64_t *ret) {
        if (!hvs_range_ok(f->offset, f->size, len))
                return -EBADMSG;
        uint64_t v;
        switch (f->size) {
        case 1: v = raw[f->offset]; if (f->is_signed) v = (uint64_t)(int64_t)(int8_t)v; break;
        case 2: v = hvs_le16(raw + f->offset); if (f->is_signed) v = (uint64_t)(int64_t)(int16_t)v; break;
        case 4: v = hvs_le32(raw + f->offset); if (f->is_signed) v = (uint64_t)(int64_t)(int32_t)v; break;
        case 8: v = hvs_le64(raw + f->offset); break;
        default: return -EBADMSG;
        }
        *ret = v;
        return 0;
}

int64_t trace_realtime_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t trace_clock_offset_ns(void) {
        struct timespec m0, r, m1;
        clock_gettime(CLOCK_MONOTONIC, &m0);
        clock_gettime(CLOCK_REALTIME, &r);
        clock_gettime(CLOCK_MONOTONIC, &m1);
        int64_t mono = ((int64_t)m0.tv_sec * 1000000000LL + m0.tv_nsec + (int64_t)m1.tv_sec * 1000000000LL + m1.tv_nsec) / 2;
        return (int64_t)r.tv_sec * 1000000000LL + r.tv_nsec - mono;
}

void trace_json_str(char *buf, size_t cap, const char *s) {
        size_t o = 0;
        if (!cap)
                return;
        for (; s && *s && o + 7 < cap; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\') {
                        buf[o++] = '\\';
                        buf[o++] = (char)c;
                } else if (c < 0x20 || c >= 0x7f)
                        o += (size_t)snprintf(buf + o, cap - o, "\\u%04x", c);
                else
                        buf[o++] = (char)c;
        }
        buf[o] = '\0';
}
