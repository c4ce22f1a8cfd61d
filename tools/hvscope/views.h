/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * views.h - the JSON of each guest view exactly as its command's --json
 * prints it, shared by the view commands (cmd-<view>.c) and `hvscope
 * collect`, which stores the same JSON in a case. Each builder returns a new
 * object owned by the caller (json_object_put()).
 */
#ifndef HVSCOPE_TOOL_VIEWS_H
#define HVSCOPE_TOOL_VIEWS_H

#include <json-c/json.h>
#include <hvscope/hvscope.h>

json_object *view_ps_json(hvs_session *s, const hvs_task_list *l, bool tree);
/* @si: NULL when the kernel facts could not be read. */
json_object *view_kernel_json(hvs_session *s, const hvs_sysinfo *si);
json_object *view_modules_json(hvs_session *s, const hvs_module_list *l);
/* @levels: bit mask of the log levels shown (0xff = all). */
json_object *view_dmesg_json(hvs_session *s, const hvs_dmesg *d, unsigned levels);
/* @protos: HVS_NET_TCP|UDP|UNIX shown; @listening, @pid (0 = any): the command's filters. */
json_object *view_net_json(hvs_session *s, const hvs_socket_list *l, unsigned protos, bool listening, int32_t pid);
json_object *view_files_json(hvs_session *s, const hvs_files_list *l);
json_object *view_mounts_json(hvs_session *s, const hvs_mount_list *l);
/*
 * Per-process views: @items[i] and @errs[i] (an error message) belong to
 * @tl->tasks[i]; processes with neither are left out, as the commands do.
 */
struct task_view;
extern const struct task_view task_view_maps, task_view_creds, task_view_env;
json_object *task_view_json(hvs_session *s, const struct task_view *v, const hvs_task_list *tl, void *const *items,
                            char *const *errs);

/* The text print_json() prints for @o (without its final newline); borrowed from @o. */
const char *json_text(json_object *o);

#endif
