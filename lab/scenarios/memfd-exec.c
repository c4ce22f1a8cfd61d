/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memfd-exec - the fileless payload of lab/scenarios/memfd.sh, for the lab
 * guest (x86-64 Linux, no libc: built with -nostdlib -static so it is a
 * few hundred bytes to copy over the serial console).
 *
 *   memfd-exec NAME SRC ARGV0 [ARGS...]
 *
 * Copies the file SRC into a memfd named NAME (memfd_create) and executes
 * that memfd (execveat with AT_EMPTY_PATH) with ARGV0 ARGS...: the process
 * then runs a program that exists nowhere on disk; /proc/PID/exe reads
 * "/memfd:NAME (deleted)".
 */
#define SYS_read 0
#define SYS_open 2
#define SYS_sendfile 40
#define SYS_exit 60
#define SYS_memfd_create 319
#define SYS_execveat 322
#define AT_EMPTY_PATH 0x1000

static long sys3(long n, long a, long b, long c) {
        long r;
        __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
        return r;
}

static long sys5(long n, long a, long b, long c, long d, long e) {
        long r;
        register long r10 __asm__("r10") = d;
        register long r8 __asm__("r8") = e;
        __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
        return r;
}

__attribute__((noreturn, used)) void start_c(long *sp) {
        long argc = sp[0];
        char **argv = (char **)(sp + 1);
        char **envp = argv + argc + 1;
        if (argc < 4)
                sys3(SYS_exit, 2, 0, 0);
        long mfd = sys3(SYS_memfd_create, (long)argv[1], 0, 0);
        long src = sys3(SYS_open, (long)argv[2], 0, 0);
        if (mfd < 0 || src < 0)
                sys3(SYS_exit, 3, 0, 0);
        for (;;) {
                long n = sys5(SYS_sendfile, mfd, src, 0, 1 << 20, 0);
                if (n < 0)
                        sys3(SYS_exit, 4, 0, 0);
                if (n == 0)
                        break;
        }
        sys5(SYS_execveat, mfd, (long)"", (long)(argv + 3), (long)envp, AT_EMPTY_PATH);
        sys3(SYS_exit, 5, 0, 0);
        __builtin_unreachable();
}

__asm__(".globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall start_c\n");
