/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mem-probe - drives the memory layer against a real QEMU for qemu-mem.sh.
 *
 *   mem-probe live QMP_SOCK CTL_SOCK RAM_FILE QEMU_PID DUMP_PATH
 *
 * QMP_SOCK is used by the library under test; CTL_SOCK is a second QMP
 * monitor of the same QEMU that the probe uses to look behind the library's
 * back (QEMU serves one client per monitor). The VM must be started with -S
 * and 5 GiB of RAM in RAM_FILE. Prints "ok: ..." lines; exits 1 on the first
 * failed check, printing why.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hvscope/mem.h>
#include "mem/mem-internal.h"
#include "mem/qmp.h"

#define CHECK(cond, ...)                                                  \
        do {                                                              \
                if (!(cond)) {                                            \
                        fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
                        fprintf(stderr, __VA_ARGS__);                     \
                        fprintf(stderr, "\n");                            \
                        exit(1);                                          \
                }                                                         \
        } while (0)

#define HIGH_GPA 0x100000000ull
#define LOW_GPA 0x200000ull

static const char *marker_hi = "hvscope-marker-above-4g";
static const char *marker_lo = "hvscope-marker-below-4g";

static bool vm_running(qmp *ctl) {
        hvs_diag d = { 0 };
        json_object *st = NULL, *v;
        int r = qmp_execute(ctl, "query-status", NULL, &d, &st);
        CHECK(r == 0, "query-status: %s", d.msg);
        CHECK(json_object_object_get_ex(st, "running", &v), "query-status: no running");
        bool run = json_object_get_boolean(v);
        json_object_put(st);
        return run;
}

static void ctl_cmd(qmp *ctl, const char *cmd, const char *args) {
        hvs_diag d = { 0 };
        int r = qmp_execute_fmt(ctl, cmd, args, &d, NULL);
        CHECK(r == 0, "%s: %s", cmd, d.msg);
}

/* The file offset the memory tree gives for @gpa (for the backend "mem"). */
static uint64_t mtree_offset(qmp *ctl, uint64_t gpa) {
        hvs_diag d = { 0 };
        char *text = NULL;
        struct qemu_ram_region *reg = NULL;
        size_t n = 0;
        CHECK(qmp_hmp(ctl, "info mtree -f", &d, &text) == 0, "info mtree: %s", d.msg);
        CHECK(qemu_parse_mtree(text, &d, &reg, &n) == 0, "parse mtree: %s", d.msg);
        uint64_t off = UINT64_MAX;
        for (size_t i = 0; i < n; i++)
                if (strcmp(reg[i].owner, "mem") == 0 && gpa >= reg[i].gpa && gpa - reg[i].gpa < reg[i].size)
                        off = reg[i].offset + (gpa - reg[i].gpa);
        free(reg);
        free(text);
        CHECK(off != UINT64_MAX, "gpa 0x%" PRIx64 " not in the memory tree", gpa);
        return off;
}

static void write_marker(const char *file, uint64_t off, const char *marker) {
        int fd = open(file, O_RDWR | O_CLOEXEC);
        CHECK(fd >= 0, "open %s: %m", file);
        CHECK(pwrite(fd, marker, strlen(marker), (off_t)off) == (ssize_t)strlen(marker), "pwrite: %m");
        close(fd);
}

static void expect_marker(hvs_mem *m, uint64_t gpa, const char *marker, const char *what) {
        char buf[64] = { 0 };
        int r = hvs_mem_read(m, HVS_GPA(gpa), buf, strlen(marker));
        CHECK(r == 0, "%s: read at 0x%" PRIx64 ": %d %s", what, gpa, r, hvs_mem_errmsg(m));
        CHECK(memcmp(buf, marker, strlen(marker)) == 0, "%s: marker at 0x%" PRIx64 " differs: '%s'", what, gpa, buf);
}

static const hvs_vcpu_regs *vcpu0(hvs_mem *m, const char *what) {
        const hvs_vcpu_regs *regs = NULL;
        size_t n = 0;
        int r = hvs_mem_vcpus(m, &regs, &n);
        CHECK(r == 0, "%s: vcpus: %d %s", what, r, hvs_mem_errmsg(m));
        CHECK(n >= 1, "%s: no vcpus", what);
        return &regs[0];
}

int main(int argc, char **argv) {
        CHECK(argc == 7 && strcmp(argv[1], "live") == 0,
              "usage: mem-probe live QMP_SOCK CTL_SOCK RAM_FILE QEMU_PID DUMP_PATH");
        const char *sock = argv[2], *ctl_sock = argv[3], *ram = argv[4], *dump = argv[6];
        pid_t pid = (pid_t)atoi(argv[5]);
        hvs_diag d = { 0 };
        qmp *ctl = NULL;
        CHECK(qmp_open(ctl_sock, 5000, &d, &ctl) == 0, "control qmp: %s", d.msg);

        /* Where the memory tree puts the RAM, written behind the library's back. */
        uint64_t off_hi = mtree_offset(ctl, HIGH_GPA), off_lo = mtree_offset(ctl, LOW_GPA);
        CHECK(off_hi == 0x80000000ull, "expected RAM above 4 GiB at file offset 2 GiB, got 0x%" PRIx64, off_hi);
        printf("ok: mtree puts gpa 0x%llx at file offset 0x%" PRIx64 "\n", HIGH_GPA, off_hi);
        write_marker(ram, off_hi, marker_hi);
        write_marker(ram, off_lo, marker_lo);

        hvs_mem *m = NULL;
        int r = hvs_mem_open_qemu(sock, &HVS_OPTS(hvs_mem_qemu_opts, .timeout_ms = 5000), &d, &m);
        CHECK(r == 0, "hvs_mem_open_qemu: %d %s", r, d.msg);
        const hvs_mem_info *info = hvs_mem_get_info(m);
        CHECK(info->kind == HVS_MEM_QEMU, "kind %d", info->kind);
        CHECK(strcmp(info->source, ram) == 0, "source '%s' != '%s'", info->source, ram);
        CHECK(strcmp(info->control, sock) == 0, "control '%s'", info->control);
        CHECK(strcmp(info->accel, "tcg") == 0, "accel '%s'", info->accel);
        CHECK(info->qemu_pid == pid, "qemu_pid %d != %d", (int)info->qemu_pid, (int)pid);
        CHECK(strcmp(info->vm_name, "hvs-mem-test") == 0, "vm_name '%s'", info->vm_name);
        printf("ok: open_qemu source=%s accel=%s pid=%d name=%s\n", info->source, info->accel,
               (int)info->qemu_pid, info->vm_name);

        size_t n = 0;
        const hvs_mem_range *rg = hvs_mem_ranges(m, &n);
        bool high = false;
        for (size_t i = 0; i < n; i++) {
                printf("     range 0x%016" PRIx64 "-0x%016" PRIx64 "\n", rg[i].gpa, rg[i].gpa + rg[i].size - 1);
                high |= rg[i].gpa == HIGH_GPA && rg[i].size == 0xc0000000ull;
        }
        CHECK(high, "no 3 GiB range at 0x100000000");
        CHECK(hvs_mem_size(m) == 0x1c0000000ull, "size 0x%" PRIx64, hvs_mem_size(m));
        expect_marker(m, HIGH_GPA, marker_hi, "live");
        expect_marker(m, LOW_GPA, marker_lo, "live");
        char b[8];
        CHECK(hvs_mem_read(m, HVS_GPA(0xfec00000ull), b, 8) == -EFAULT, "i/o hole readable");
        CHECK(hvs_mem_read(m, HVS_GPA(0x1c0000000ull - 4), b, 8) == -EFAULT, "read past the end");
        printf("ok: markers read back at gpa 0x%llx and 0x%llx; holes fault\n", HIGH_GPA, LOW_GPA);

        const hvs_vcpu_regs *v = vcpu0(m, "live");
        CHECK((v->valid & (HVS_REG_GPR | HVS_REG_CR | HVS_REG_EFER | HVS_REG_SEG | HVS_REG_DT | HVS_REG_CPL)) ==
                      (HVS_REG_GPR | HVS_REG_CR | HVS_REG_EFER | HVS_REG_SEG | HVS_REG_DT | HVS_REG_CPL),
              "valid 0x%x", v->valid);
        CHECK(v->rip == 0xfff0 && v->cr0 == 0x60000010 && v->rdx == 0x00060fb1, "reset state: rip 0x%" PRIx64
              " cr0 0x%" PRIx64 " rdx 0x%" PRIx64, v->rip, v->cr0, v->rdx);
        printf("ok: registers at reset rip=0x%" PRIx64 " cr0=0x%" PRIx64 "\n", v->rip, v->cr0);

        /* Pause/resume: a VM stopped by someone else stays stopped. */
        CHECK(!vm_running(ctl), "VM started with -S is running");
        CHECK(hvs_mem_pause(m) == 0 && hvs_mem_resume(m) == 0, "pause/resume of a stopped VM: %s", hvs_mem_errmsg(m));
        CHECK(!vm_running(ctl), "resume continued a VM it had not paused");
        ctl_cmd(ctl, "cont", NULL);
        CHECK(vm_running(ctl), "cont did not start the VM");
        CHECK(hvs_mem_pause(m) == 0, "pause: %s", hvs_mem_errmsg(m));
        CHECK(!vm_running(ctl), "pause did not stop the VM");
        CHECK(hvs_mem_pause(m) == 0, "second pause: %s", hvs_mem_errmsg(m));
        CHECK(hvs_mem_resume(m) == 0, "resume: %s", hvs_mem_errmsg(m));
        CHECK(vm_running(ctl), "resume did not continue the VM");
        CHECK(hvs_mem_pause(m) == 0, "pause: %s", hvs_mem_errmsg(m));
        m = hvs_mem_close(m);
        CHECK(vm_running(ctl), "close did not resume the VM it paused");
        struct qmp_event ev[QMP_EVENT_RING];
        size_t nev = qmp_events(ctl, ev, QMP_EVENT_RING);
        size_t stops = 0, resumes = 0;
        for (size_t i = 0; i < nev; i++) {
                stops += strcmp(ev[i].name, "STOP") == 0;
                resumes += strcmp(ev[i].name, "RESUME") == 0;
        }
        CHECK(stops >= 2 && resumes >= 3, "control monitor saw %zu STOP, %zu RESUME events", stops, resumes);
        printf("ok: pause/resume/close; control monitor saw %zu STOP, %zu RESUME events\n", stops, resumes);

        /* By PID: the first -qmp socket on the command line. */
        r = hvs_mem_open_qemu_pid(pid, NULL, &d, &m);
        CHECK(r == 0, "open_qemu_pid: %d %s", r, d.msg);
        CHECK(strcmp(hvs_mem_get_info(m)->control, sock) == 0, "pid: control '%s'", hvs_mem_get_info(m)->control);
        expect_marker(m, HIGH_GPA, marker_hi, "pid");
        printf("ok: open_qemu_pid(%d) found %s\n", (int)pid, hvs_mem_get_info(m)->control);

        /* Stop, take the live registers, dump, compare. */
        ctl_cmd(ctl, "stop", NULL);
        hvs_vcpu_regs live = *vcpu0(m, "live after run");
        m = hvs_mem_close(m);
        char args[4200];
        /* 2 MiB above 4 GiB only: a whole 5 GiB dump would write 5 GiB of zeros. */
        snprintf(args, sizeof args, "{\"paging\":false,\"protocol\":\"file:%s\",\"begin\":%llu,\"length\":%llu}",
                 dump, HIGH_GPA, 0x200000ull);
        ctl_cmd(ctl, "dump-guest-memory", args);
        r = hvs_mem_open_image(dump, &d, &m);
        CHECK(r == 0, "open_image(dump): %d %s", r, d.msg);
        CHECK(hvs_mem_get_info(m)->kind == HVS_MEM_ELFCORE, "dump kind %d", hvs_mem_get_info(m)->kind);
        rg = hvs_mem_ranges(m, &n);
        CHECK(n == 1 && rg[0].gpa == HIGH_GPA && rg[0].size == 0x200000, "dump ranges: %zu, first 0x%" PRIx64, n,
              rg[0].gpa);
        expect_marker(m, HIGH_GPA, marker_hi, "dump");
        CHECK(hvs_mem_read(m, HVS_GPA(LOW_GPA), b, 8) == -EFAULT, "dump: memory outside the dump readable");
        const hvs_vcpu_regs *dv = vcpu0(m, "dump");
        CHECK(dv->rip == live.rip && dv->rsp == live.rsp && dv->cr0 == live.cr0 && dv->cr3 == live.cr3 &&
                      dv->rflags == live.rflags && dv->gdt_base == live.gdt_base && dv->cpl == live.cpl,
              "dump registers differ from live: rip 0x%" PRIx64 "/0x%" PRIx64 " cr0 0x%" PRIx64 "/0x%" PRIx64,
              dv->rip, live.rip, dv->cr0, live.cr0);
        CHECK(dv->valid & HVS_REG_KGS, "QEMU 7.2 note has kernel_gs_base");
        printf("ok: dump reads the markers; registers match live (rip=0x%" PRIx64 " cr0=0x%" PRIx64 ")\n", dv->rip,
               dv->cr0);
        m = hvs_mem_close(m);
        ctl_cmd(ctl, "cont", NULL);
        qmp_close(ctl);
        printf("ok: all checks passed\n");
        return 0;
}
