/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * originator.h - the parts of originator.c that unit tests run on a fake
 * guest: the vCPU thread map, the thread id of an event, the task current on
 * a vCPU, and the annotated event data.
 */
#ifndef HVS_WATCH_ORIGINATOR_H
#define HVS_WATCH_ORIGINATOR_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "os/linux/linux-internal.h"

/* Bytes of an annotated event's data (the source's data plus the process). */
#define HVS_WATCH_ORIG_DATA 8192u
/* vCPU threads remembered (more are ignored: their events stay as they are). */
#define HVS_WATCH_ORIG_MAX_VCPUS 1024u

/* vCPU thread ids and their cpu-index, from QMP query-cpus-fast. */
struct orig_map {
        uint32_t tid[HVS_WATCH_ORIG_MAX_VCPUS];
        uint32_t cpu[HVS_WATCH_ORIG_MAX_VCPUS];
        size_t n;
};

/* orig_map_from_qmp() - fill @m from query-cpus-fast's return (entries
 * without both numbers, or out of range, are skipped). Return: 0; -EBADMSG
 * if @cpus is not an array. */
int orig_map_from_qmp(json_object *cpus, struct orig_map *m);

/* orig_map_cpu() - the cpu-index of vCPU thread @tid, -1 if none. */
int orig_map_cpu(const struct orig_map *m, uint32_t tid);

/* orig_event_tid() - the "host.tid" member of an event's data JSON. */
bool orig_event_tid(const char *json, uint32_t *ret);

/* orig_current() - the task current on vCPU @cpu:
 * *(__per_cpu_offset[@cpu] + @current_off). Return: 0; -EINVAL; -EBADMSG
 * (not a kernel pointer); the read's error. */
int orig_current(hvs_linux *k, uint64_t per_cpu_offset, uint64_t current_off, uint32_t cpu, uint64_t *ret);

/* orig_annotate() - @json (an event's data object) with the process current
 * on @cpu added, into @out[@cap]; its pid in *@ret_pid, comm in @comm.
 * Return: 0; -EBADMSG (@json not an object, or no kernel pointer); -EFAULT
 * (the task does not read); -E2BIG (does not fit); orig_current()'s errors. */
int orig_annotate(hvs_linux *k, uint64_t per_cpu_offset, uint64_t current_off, uint32_t cpu, int64_t lag_ns,
                  const char *json, char *out, size_t cap, int32_t *ret_pid, char *comm, size_t comm_cap);

#endif
