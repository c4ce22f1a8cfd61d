/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * types-internal.h - functions shared between the files of src/types/ only.
 * Not installed, not part of the API.
 */
#ifndef HVS_TYPES_INTERNAL_H
#define HVS_TYPES_INTERNAL_H

#include <hvscope/types.h>

/*
 * ksyms_reserve() - make room for @n more symbols and about @name_bytes more
 * bytes of names, so a bulk fill does not reallocate. Return: 0; -E2BIG; -ENOMEM.
 */
int ksyms_reserve(hvs_ksyms *k, size_t n, size_t name_bytes);

/*
 * ksyms_shift() - add @delta to the address of every symbol that is not
 * absolute (a KASLR rebase); the address order is recomputed lazily.
 */
void ksyms_shift(hvs_ksyms *k, uint64_t delta);

struct btf;
/* btf_libbpf() - the libbpf object behind @b (borrowed; valid while @b is). (btf.c) */
const struct btf *btf_libbpf(const hvs_btf *b);

/* 64-bit FNV-1a of the NUL-terminated @s; also the hash of the profile file format. */
static inline uint64_t types_hash_str(const char *s) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (; *s; s++)
                h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
        return h;
}

#endif
