/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope modules: the guest's loaded kernel modules, from its kernel's module list. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "hvscope.h"
#include "views.h"

static const char *state_name(uint32_t s) {
        switch (s) {
        case HVS_MODULE_LIVE: return "Live";
        case HVS_MODULE_COMING: return "Loading";
        case HVS_MODULE_GOING: return "Unloading";
        case HVS_MODULE_UNFORMED: return "Unformed";
        default: return "?";
        }
}

static json_object *module_json(const hvs_module *m) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(m->name));
        json_object_object_add(o, "size", json_object_new_uint64(m->size));
        json_object_object_add(o, "refcount",
                               m->partial & HVS_MODULE_PARTIAL_REFCNT ? NULL : json_object_new_int(m->refcount));
        json_object *users = json_object_new_array();
        for (const char *p = m->users ? m->users : ""; *p;) {
                size_t n = strcspn(p, ",");
                json_object_array_add(users, json_object_new_string_len(p, (int)n));
                p += n + (p[n] == ',');
        }
        json_object_object_add(o, "used_by", users);
        json_object_object_add(o, "state", json_object_new_string(state_name(m->state)));
        json_object_object_add(o, "state_raw", json_object_new_int64(m->state));
        json_object_object_add(o, "address", json_addr(m->base));
        json_object_object_add(o, "taints", json_object_new_uint64(m->taints));
        json_object_object_add(o, "flags", json_object_new_string(m->flags));
        json_object_object_add(o, "module_address", json_addr(m->addr.v));
        json_object *params = json_object_new_array();
        for (size_t i = 0; i < m->nparams; i++) {
                const hvs_module_param *p = &m->params[i];
                json_object *po = json_object_new_object();
                json_object_object_add(po, "name", json_object_new_string(p->name));
                json_object_object_add(po, "type", json_object_new_string(p->type));
                json_object_object_add(po, "value", p->value ? json_object_new_string(p->value) : NULL);
                json_object_object_add(po, "perm", json_object_new_int(p->perm));
                json_object_object_add(po, "param_address", json_addr(p->addr.v));
                json_object_object_add(po, "arg_address", json_addr(p->arg.v));
                json_object_array_add(params, po);
        }
        json_object_object_add(o, "parameters", params);
        json_object *partial = json_object_new_array();
        static const struct { uint32_t bit; const char *name; } bits[] = {
                { HVS_MODULE_PARTIAL_REFCNT, "refcount" }, { HVS_MODULE_PARTIAL_USERS, "used_by" },
                { HVS_MODULE_PARTIAL_PARAMS, "parameters" },
        };
        for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
                if (m->partial & bits[i].bit)
                        json_object_array_add(partial, json_object_new_string(bits[i].name));
        json_object_object_add(o, "unreadable", partial);
        return o;
}

json_object *view_modules_json(hvs_session *s, const hvs_module_list *l) {
        const hvs_linux_info *i = hvs_linux_get_info(hvs_session_linux(s));
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        json_object_object_add(root, "kernel", json_object_new_string(i->banner));
        json_object_object_add(root, "source", json_object_new_string(hvs_mem_get_info(hvs_session_mem(s))->source));
        json_object_object_add(root, "list_address", json_addr(l->list_addr.v));
        json_object_object_add(root, "truncated", json_object_new_boolean(l->truncated));
        if (l->truncated)
                json_object_object_add(root, "truncated_reason", json_object_new_string(l->trunc_msg));
        for (size_t j = 0; j < l->n; j++)
                json_object_array_add(arr, module_json(&l->modules[j]));
        json_object_object_add(root, "modules", arr);
        return root;
}

static void print_table(const hvs_module_list *l, bool params) {
        printf("%-24s %9s %4s %-18s %-9s %-18s %-6s %s\n", "MODULE", "SIZE", "REFS", "ADDRESS", "STATE", "STRUCT",
               "FLAGS", "USED BY");
        for (size_t i = 0; i < l->n; i++) {
                const hvs_module *m = &l->modules[i];
                char refs[16];
                if (m->partial & HVS_MODULE_PARTIAL_REFCNT)
                        snprintf(refs, sizeof refs, "-");
                else
                        snprintf(refs, sizeof refs, "%d", m->refcount);
                printf("%-24s %9" PRIu64 " %4s 0x%016" PRIx64 " %-9s 0x%016" PRIx64 " %-6s %s\n", m->name, m->size,
                       refs, m->base, state_name(m->state), m->addr.v, m->flags[0] ? m->flags : "-",
                       m->users && m->users[0] ? m->users : "-");
                for (size_t j = 0; params && j < m->nparams; j++) {
                        const hvs_module_param *p = &m->params[j];
                        printf("    %-28s %-8s %s\n", p->name, p->type, p->value ? p->value : "(unreadable)");
                }
        }
}

static void modules_usage(FILE *f) {
        fputs("usage: hvscope modules [--params] [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE) [options]\n"
              "\n"
              "List the guest's loaded kernel modules as its kernel's module list holds\n"
              "them, with the fields of /proc/modules (size, references, users, state,\n"
              "address, taint flags), the address of each struct module and, with\n"
              "--params (always in --json), each module's parameters and their values.\n"
              "\n"
              "  --params           show module parameters in the table\n" TARGET_HELP,
              f);
}

int cmd_modules(int argc, char **argv) {
        static const struct option longopts[] = {
                TARGET_LONG_OPTS,
                { "params", no_argument, NULL, 'P' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        struct target_opts t = { 0 };
        bool params = false;
        int c;
        while ((c = getopt_long(argc, argv, "vPh", longopts, NULL)) != -1) {
                int k = target_opt(&t, c, optarg);
                if (k < 0)
                        return 1;
                if (k > 0)
                        continue;
                switch (c) {
                case 'P':
                        params = true;
                        break;
                case 'h':
                        modules_usage(stdout);
                        return 0;
                default:
                        modules_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                errorf("modules: unexpected argument '%s'", argv[optind]);
                return 1;
        }
        hvs_session *s = NULL;
        if (target_open(&t, &s) < 0)
                return 1;
        hvs_linux *k = hvs_session_linux(s);
        hvs_module_list *l = NULL;
        int r = hvs_linux_modules(k, &l);
        if (t.pause)
                hvs_session_resume(s);
        if (r < 0) {
                errorf("cannot list modules: %s", hvs_linux_errmsg(k)[0] ? hvs_linux_errmsg(k) : hvs_strerror(r));
                hvs_session_close(s);
                return 1;
        }
        if (l->truncated)
                warnf("partial result: %s", l->trunc_msg);
        if (t.json) {
                print_json(view_modules_json(s, l));
        } else {
                print_table(l, params);
        }
        hvs_module_list_free(l);
        hvs_session_close(s);
        if (fflush(stdout) != 0) {
                errorf("cannot write output");
                return 1;
        }
        return 0;
}
