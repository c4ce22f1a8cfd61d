/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope env: the environment of the guest's processes, read from their own memory. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "hvscope.h"
#include "views.h"

static void env_item_json(json_object *o, const void *item) {
        const hvs_env *e = item;
        json_object_object_add(o, "env_start", json_addr(e->start));
        json_object_object_add(o, "env_end", json_addr(e->end));
        json_object *vars = json_object_new_array();
        for (size_t i = 0; i < e->n; i++)
                json_object_array_add(vars, json_object_new_string(e->vars[i]));
        json_object_object_add(o, "variables", vars);
        json_object *partial = json_object_new_array();
        if (e->partial & HVS_ENV_PARTIAL_UNREADABLE)
                json_object_array_add(partial, json_object_new_string("not_resident"));
        if (e->partial & HVS_ENV_PARTIAL_TRUNCATED)
                json_object_array_add(partial, json_object_new_string("truncated"));
        json_object_object_add(o, "unreadable", partial);
}

static void print_env(const hvs_task *t, const void *item) {
        const hvs_env *e = item;
        printf("PID %d (%s) mm 0x%016" PRIx64 " env 0x%" PRIx64 "-0x%" PRIx64 ", %zu variables%s%s\n", t->pid, t->comm,
               t->mm.v, e->start, e->end, e->n, e->partial & HVS_ENV_PARTIAL_UNREADABLE ? " (partial: not resident)" : "",
               e->partial & HVS_ENV_PARTIAL_TRUNCATED ? " (truncated)" : "");
        for (size_t i = 0; i < e->n; i++) {
                fputs("  ", stdout);
                for (const char *p = e->vars[i]; *p; p++)     /* guest-controlled: keep the terminal safe */
                        putchar((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
                putchar('\n');
        }
}

static void env_usage(FILE *f) {
        fputs("usage: hvscope env [-p PID] [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE) [options]\n"
              "\n"
              "The environment of the guest's processes (as /proc/PID/environ), read from\n"
              "each process's own memory; pages that are not resident end the read and are\n"
              "reported. Kernel threads have none and are skipped.\n"
              "\n"
              "  -p, --process PID  only this guest process\n" TARGET_HELP,
              f);
}

static int env_read(hvs_linux *k, const hvs_task *t, void **ret) {
        hvs_env *e = NULL;
        int r = hvs_linux_task_env(k, t, &e);
        *ret = e;
        return r;
}

static void env_free(void *item) {
        hvs_env_free(item);
}

static void env_warn_partial(const hvs_task *t, const void *item) {
        const hvs_env *e = item;
        if (e->partial)
                warnf("process %d (%s): partial environment (%s)", t->pid, t->comm,
                      e->partial & HVS_ENV_PARTIAL_UNREADABLE ? "a page is not resident" : "longer than the limit");
}

const struct task_view task_view_env = {
        .name = "env",
        .usage = env_usage,
        .what = "the environment",
        .mm_address = true,
        .read = env_read,
        .free = env_free,
        .warn_partial = env_warn_partial,
        .item_json = env_item_json,
        .print = print_env,
};

int cmd_env(int argc, char **argv) {
        return task_view_run(&task_view_env, argc, argv);
}
