/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope maps: the memory regions of the guest's processes, as /proc/PID/maps shows them. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "hvscope.h"
#include "views.h"

static const char *kind_name(enum hvs_vma_kind k) {
        switch (k) {
        case HVS_VMA_FILE: return "file";
        case HVS_VMA_HEAP: return "heap";
        case HVS_VMA_STACK: return "stack";
        case HVS_VMA_SPECIAL: return "special";
        default: return "anonymous";
        }
}

static json_object *vma_json(const hvs_vma *v) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "start", json_addr(v->start));
        json_object_object_add(o, "end", json_addr(v->end));
        json_object_object_add(o, "perms", json_object_new_string(v->perms));
        json_object_object_add(o, "offset", json_object_new_uint64(v->offset));
        char dev[24];
        snprintf(dev, sizeof dev, "%02x:%02x", v->dev_major, v->dev_minor);
        json_object_object_add(o, "dev", json_object_new_string(dev));
        json_object_object_add(o, "inode", json_object_new_uint64(v->inode));
        json_object_object_add(o, "name", json_object_new_string(v->name ? v->name : ""));
        json_object_object_add(o, "kind", json_object_new_string(kind_name(v->kind)));
        json_object_object_add(o, "vm_flags", json_object_new_uint64(v->flags));
        json_object_object_add(o, "vma_address", json_addr(v->addr.v));
        json_object_object_add(o, "file_address", v->file.v ? json_addr(v->file.v) : NULL);
        json_object *partial = json_object_new_array();
        static const struct { uint32_t bit; const char *name; } bits[] = {
                { HVS_VMA_PARTIAL_FILE, "file" }, { HVS_VMA_PARTIAL_PATH, "path" }, { HVS_VMA_PARTIAL_NAME, "name" },
        };
        for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
                if (v->partial & bits[i].bit)
                        json_object_array_add(partial, json_object_new_string(bits[i].name));
        json_object_object_add(o, "unreadable", partial);
        return o;
}

static void maps_item_json(json_object *o, const void *item) {
        const hvs_vma_list *l = item;
        json_object_object_add(o, "source", json_object_new_string(l->source));
        json_object_object_add(o, "map_count", json_object_new_int(l->map_count));
        json_object_object_add(o, "truncated", json_object_new_boolean(l->truncated));
        if (l->truncated)
                json_object_object_add(o, "truncated_reason", json_object_new_string(l->trunc_msg));
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < l->n; i++)
                json_object_array_add(arr, vma_json(&l->vmas[i]));
        json_object_object_add(o, "regions", arr);
}

static void print_proc(const hvs_task *t, const void *item) {
        const hvs_vma_list *l = item;
        printf("PID %d (%s) task 0x%016" PRIx64 " mm 0x%016" PRIx64 ", %zu regions\n", t->pid, t->comm, t->addr.v,
               t->mm.v, l->n);
        for (size_t i = 0; i < l->n; i++) {
                const hvs_vma *v = &l->vmas[i];
                printf("  %08" PRIx64 "-%08" PRIx64 " %s %08" PRIx64 " %02x:%02x %-10" PRIu64 " 0x%016" PRIx64 " %s%s\n",
                       v->start, v->end, v->perms, v->offset, v->dev_major, v->dev_minor, v->inode, v->addr.v,
                       v->name ? v->name : "", v->partial ? " (partial)" : "");
        }
}

static void maps_usage(FILE *f) {
        fputs("usage: hvscope maps [-p PID] [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE) [options]\n"
              "\n"
              "The memory regions of the guest's processes, as the guest's /proc/PID/maps\n"
              "shows them: start-end, permissions, file offset, device, inode and path of\n"
              "the backing file or [heap]/[stack]/[vdso]/[vvar], with the address of each\n"
              "vm_area_struct. Kernel threads have none and are skipped.\n"
              "\n"
              "  -p, --process PID  only this guest process\n" TARGET_HELP,
              f);
}

static int maps_read(hvs_linux *k, const hvs_task *t, void **ret) {
        hvs_vma_list *l = NULL;
        int r = hvs_linux_task_maps(k, t, &l);
        *ret = l;
        return r;
}

static void maps_free(void *item) {
        hvs_vma_list_free(item);
}

static void maps_warn_partial(const hvs_task *t, const void *item) {
        const hvs_vma_list *l = item;
        if (l->truncated)
                warnf("process %d (%s): partial result: %s", t->pid, t->comm, l->trunc_msg);
}

const struct task_view task_view_maps = {
        .name = "maps",
        .usage = maps_usage,
        .what = "the regions",
        .mm_address = true,
        .read = maps_read,
        .free = maps_free,
        .warn_partial = maps_warn_partial,
        .item_json = maps_item_json,
        .print = print_proc,
};

int cmd_maps(int argc, char **argv) {
        return task_view_run(&task_view_maps, argc, argv);
}
