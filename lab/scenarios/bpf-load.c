/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bpf-load - the eBPF payload of lab/scenarios/bpf.sh, for the lab guest
 * (x86-64 Linux, no libc: built with -nostdlib -static so it is a couple of
 * KiB to copy over the serial console).
 *
 *   bpf-load KPROBE_FUNC TRACEPOINT
 *
 * Loads three eBPF programs with the raw bpf(2) system call, as a loader
 * that carries no library would, attaches them, prints what it made and
 * then sleeps holding every descriptor (closing them would unload all):
 *
 *   hvs_kprobe   BPF_PROG_TYPE_KPROBE on KPROBE_FUNC (e.g.
 *                __x64_sys_getdents64): a perf event of the "kprobe" PMU
 *                (perf_event_open) with the program set on it by
 *                PERF_EVENT_IOC_SET_BPF; no BPF link
 *   hvs_tp       BPF_PROG_TYPE_TRACEPOINT on TRACEPOINT (e.g.
 *                syscalls/sys_enter_kill; tracefs is mounted if needed for
 *                its id): a perf tracepoint event, attached by
 *                BPF_LINK_CREATE (a perf_event BPF link, in link_idr)
 *   hvs_sock     BPF_PROG_TYPE_SOCKET_FILTER on an AF_PACKET raw socket
 *                (SO_ATTACH_BPF): it sees every frame of every interface,
 *                the trigger of packet-sniffing backdoors
 *
 * Output, one key=value a line: pid, kprobe_prog_fd, kprobe_perf_fd,
 * tp_id, tp_prog_fd, tp_perf_fd, tp_link_fd, sock_prog_fd, sock_fd; then
 * "ready". Exit status 10 + step on failure, with "error=STEP errno" first.
 * The programs do nothing (return 0): what matters is where they sit.
 */
#define SYS_read 0
#define SYS_write 1
#define SYS_open 2
#define SYS_close 3
#define SYS_ioctl 16
#define SYS_pause 34
#define SYS_getpid 39
#define SYS_socket 41
#define SYS_setsockopt 54
#define SYS_exit 60
#define SYS_mount 165
#define SYS_perf_event_open 298
#define SYS_bpf 321

#define BPF_PROG_LOAD 5
#define BPF_LINK_CREATE 28
#define BPF_PROG_TYPE_SOCKET_FILTER 1
#define BPF_PROG_TYPE_KPROBE 2
#define BPF_PROG_TYPE_TRACEPOINT 5
#define BPF_PERF_EVENT 41
#define PERF_TYPE_TRACEPOINT 2
#define PERF_EVENT_IOC_ENABLE 0x2400
#define PERF_EVENT_IOC_SET_BPF 0x40042408
#define PERF_FLAG_FD_CLOEXEC 8
#define AF_PACKET 17
#define SOCK_RAW 3
#define ETH_P_ALL_BE 0x0300
#define SOL_SOCKET 1
#define SO_ATTACH_BPF 50

typedef unsigned long u64;
typedef unsigned int u32;

static long sys6(long n, long a, long b, long c, long d, long e, long f) {
        long r;
        register long r10 __asm__("r10") = d;
        register long r8 __asm__("r8") = e;
        register long r9 __asm__("r9") = f;
        __asm__ volatile("syscall"
                         : "=a"(r)
                         : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
        return r;
}
#define sys(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

static void zero(void *p, unsigned long n) {
        volatile char *c = p;
        while (n--)
                *c++ = 0;
}

static unsigned long len(const char *s) {
        unsigned long n = 0;
        while (s[n])
                n++;
        return n;
}

static void put(const char *s) { sys(SYS_write, 1, s, len(s)); }

static void put_kv(const char *k, long v) {
        char b[24];
        int i = sizeof b;
        unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
        b[--i] = '\n';
        do
                b[--i] = (char)('0' + u % 10);
        while ((u /= 10) && i > 1);
        if (v < 0)
                b[--i] = '-';
        put(k);
        put("=");
        sys(SYS_write, 1, b + i, sizeof b - i);
}

static __attribute__((noreturn)) void die(int step, long err) {
        put_kv("error", step);
        put_kv("errno", -err);
        sys(SYS_exit, 10 + step, 0, 0);
        __builtin_unreachable();
}

/* Copy a string into a buffer of @cap bytes (NUL-terminated). */
static void cpy(char *d, const char *s, unsigned long cap) {
        unsigned long i = 0;
        for (; s[i] && i + 1 < cap; i++)
                d[i] = s[i];
        d[i] = 0;
}

/* The decimal number at the start of file @path. */
static long read_num(const char *path) {
        char b[32];
        long fd = sys(SYS_open, path, 0, 0), n, v = 0;
        if (fd < 0)
                return fd;
        n = sys(SYS_read, fd, b, sizeof b - 1);
        sys(SYS_close, fd, 0, 0);
        if (n <= 0)
                return -5;
        for (long i = 0; i < n && b[i] >= '0' && b[i] <= '9'; i++)
                v = v * 10 + (b[i] - '0');
        return v;
}

/* One BPF instruction: code, dst/src registers, offset, immediate. */
struct insn {
        unsigned char code, regs;
        short off;
        int imm;
};

/* BPF_PROG_LOAD of @n instructions; attr layout of union bpf_attr (uapi). */
static long prog_load(u32 type, const struct insn *insns, u32 n, const char *name) {
        union {
                struct {
                        u32 prog_type, insn_cnt;
                        u64 insns, license;
                        u32 log_level, log_size;
                        u64 log_buf;
                        u32 kern_version, prog_flags;
                        char prog_name[16];
                } a;
                char pad[128];
        } attr;
        zero(&attr, sizeof attr);
        attr.a.prog_type = type;
        attr.a.insn_cnt = n;
        attr.a.insns = (u64)insns;
        attr.a.license = (u64) "GPL";
        cpy(attr.a.prog_name, name, sizeof attr.a.prog_name);
        return sys(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
}

/* perf_event_open on CPU 0, every process: @type/@config, @func the kprobe target (config1). */
static long perf_open(u32 type, u64 config, const char *func) {
        union {
                struct {
                        u32 type, size;
                        u64 config, sample_period, sample_type, read_format, flags;
                        u32 wakeup_events, bp_type;
                        u64 config1, config2;
                } a;
                char pad[112];
        } attr;
        zero(&attr, sizeof attr);
        attr.a.type = type;
        attr.a.size = sizeof attr;
        attr.a.config = config;
        attr.a.sample_period = 1;
        attr.a.wakeup_events = 1;
        attr.a.config1 = (u64)func;
        return sys6(SYS_perf_event_open, (long)&attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC, 0);
}

__attribute__((noreturn, used)) void start_c(long *sp) {
        long argc = sp[0];
        char **argv = (char **)(sp + 1);
        if (argc < 3)
                sys(SYS_exit, 2, 0, 0);
        /* mov r0, IMM; exit -- with a different immediate or length each, so the tags differ */
        static const struct insn p_kprobe[] = { { 0xb7, 0, 0, 0 }, { 0x95, 0, 0, 0 } };
        static const struct insn p_tp[] = { { 0xb7, 0, 0, 1 }, { 0x95, 0, 0, 0 } };
        static const struct insn p_sock[] = { { 0xb7, 1, 0, 0 }, { 0xb7, 0, 0, 0 }, { 0x95, 0, 0, 0 } };
        put_kv("pid", sys(SYS_getpid, 0, 0, 0));

        /* 1. kprobe program on a perf kprobe event, PERF_EVENT_IOC_SET_BPF */
        long kp = prog_load(BPF_PROG_TYPE_KPROBE, p_kprobe, 2, "hvs_kprobe");
        if (kp < 0)
                die(1, kp);
        long pmu = read_num("/sys/bus/event_source/devices/kprobe/type");
        if (pmu < 0)
                die(2, pmu);
        long kpe = perf_open((u32)pmu, 0, argv[1]);
        if (kpe < 0)
                die(3, kpe);
        long r = sys(SYS_ioctl, kpe, PERF_EVENT_IOC_SET_BPF, kp);
        if (r < 0 || (r = sys(SYS_ioctl, kpe, PERF_EVENT_IOC_ENABLE, 0)) < 0)
                die(4, r);
        put_kv("kprobe_prog_fd", kp);
        put_kv("kprobe_perf_fd", kpe);

        /* 2. tracepoint program on a perf tracepoint event, by a BPF link */
        char path[160];
        cpy(path, "/sys/kernel/tracing/events/", sizeof path);
        cpy(path + len(path), argv[2], sizeof path - len(path));
        cpy(path + len(path), "/id", sizeof path - len(path));
        long id = read_num(path);
        if (id < 0) {
                sys6(SYS_mount, (long)"tracefs", (long)"/sys/kernel/tracing", (long)"tracefs", 0, 0, 0);
                id = read_num(path);
        }
        if (id < 0)
                die(5, id);
        long tp = prog_load(BPF_PROG_TYPE_TRACEPOINT, p_tp, 2, "hvs_tp");
        if (tp < 0)
                die(6, tp);
        long tpe = perf_open(PERF_TYPE_TRACEPOINT, (u64)id, 0);
        if (tpe < 0)
                die(7, tpe);
        union {
                struct {
                        u32 prog_fd, target_fd, attach_type, flags;
                } a;
                char pad[64];
        } link;
        zero(&link, sizeof link);
        link.a.prog_fd = (u32)tp;
        link.a.target_fd = (u32)tpe;
        link.a.attach_type = BPF_PERF_EVENT;
        long lk = sys(SYS_bpf, BPF_LINK_CREATE, &link, sizeof link);
        if (lk < 0)
                die(8, lk);
        put_kv("tp_id", id);
        put_kv("tp_prog_fd", tp);
        put_kv("tp_perf_fd", tpe);
        put_kv("tp_link_fd", lk);

        /* 3. socket filter on a packet socket */
        long sf = prog_load(BPF_PROG_TYPE_SOCKET_FILTER, p_sock, 3, "hvs_sock");
        if (sf < 0)
                die(9, sf);
        long s = sys(SYS_socket, AF_PACKET, SOCK_RAW, ETH_P_ALL_BE);
        if (s < 0)
                die(10, s);
        int pfd = (int)sf;
        r = sys6(SYS_setsockopt, s, SOL_SOCKET, SO_ATTACH_BPF, (long)&pfd, sizeof pfd, 0);
        if (r < 0)
                die(11, r);
        put_kv("sock_prog_fd", sf);
        put_kv("sock_fd", s);
        put("ready\n");
        for (;;)
                sys(SYS_pause, 0, 0, 0);
}

__asm__(".globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall start_c\n");
