// SPDX-License-Identifier: GPL-2.0
/*
 * hide_code - lab rootkit for hvscope's triage: executable code in module
 * space that belongs to no module. The module allocates one page where
 * modules live (module_alloc() before 6.10, execmem_alloc() from 6.10; both
 * found through kallsyms_lookup_name, itself found with a kprobe), copies
 * a payload into it and makes the page read-only and executable. The page
 * is no part of the module's own memory (its core_layout / mem[] areas),
 * and no registry of the kernel's (eBPF, ftrace, kprobes) names it: what a
 * loader leaves behind when it copies its payload out of its module, which
 * it then unloads or disguises. The module itself stays listed here, so
 * that the lab can undo it:
 *
 *   insmod hide_code.ko     /sys/module/hide_code/parameters/addr: the page
 *   rmmod hide_code         the page is freed
 *
 * The payload (endbr64; mov eax, 42; ret, then a marker string) is never
 * called. Never load this outside the lab.
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/version.h>

static unsigned long addr;
module_param(addr, ulong, 0444);
MODULE_PARM_DESC(addr, "address of the executable page (read-only)");

static const unsigned char payload[] = {
	0xf3, 0x0f, 0x1e, 0xfa,			/* endbr64 */
	0xb8, 0x2a, 0x00, 0x00, 0x00,		/* mov eax, 42 */
	0xc3,					/* ret */
	'H', 'V', 'S', 'C', 'O', 'P', 'E', '-', 'L', 'A', 'B', '-', 'H', 'I', 'D', 'D', 'E', 'N', '-', 'C', 'O', 'D', 'E', 0,
};

typedef int (*set_mem_fn)(unsigned long addr, int numpages);
static set_mem_fn mem_ro, mem_rw, mem_x, mem_nx;
static unsigned long alloc_fn;
static void (*free_fn)(void *p);

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

static void *alloc_page_exec(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	/* void *execmem_alloc(enum execmem_type type, size_t size); EXECMEM_MODULE_TEXT is 0 */
	return ((void *(*)(int, size_t))alloc_fn)(0, PAGE_SIZE);
#else
	/* void *module_alloc(unsigned long size) */
	return ((void *(*)(unsigned long))alloc_fn)(PAGE_SIZE);
#endif
}

static int __init hide_code_init(void)
{
	void *p;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	alloc_fn = lookup_name("execmem_alloc");
	free_fn = (void *)lookup_name("execmem_free");
#else
	alloc_fn = lookup_name("module_alloc");
	free_fn = (void *)lookup_name("module_memfree");
#endif
	mem_ro = (set_mem_fn)lookup_name("set_memory_ro");
	mem_rw = (set_mem_fn)lookup_name("set_memory_rw");
	mem_x = (set_mem_fn)lookup_name("set_memory_x");
	mem_nx = (set_mem_fn)lookup_name("set_memory_nx");
	if (!alloc_fn || !free_fn || !mem_ro || !mem_rw || !mem_x || !mem_nx)
		return -ENOENT;
	p = alloc_page_exec();
	if (!p)
		return -ENOMEM;
	memset(p, 0xcc, PAGE_SIZE);
	memcpy(p, payload, sizeof(payload));
	addr = (unsigned long)p;
	mem_ro(addr, 1);
	mem_x(addr, 1);
	pr_info("hide_code: code at %px\n", p);
	return 0;
}

static void __exit hide_code_exit(void)
{
	if (!addr)
		return;
	mem_nx(addr, 1);
	mem_rw(addr, 1);
	free_fn((void *)addr);
}

module_init(hide_code_init);
module_exit(hide_code_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvscope lab: executable code in module space that belongs to no module");
