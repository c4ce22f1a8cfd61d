/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-elfcore - hvs_mem_parse_elfcore() on arbitrary bytes, then reads at
 * the edges of every range (and just past them) and the vCPU state.
 */
#include <stddef.h>
#include <stdint.h>

#include <hvscope/mem.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        if (hvs_mem_parse_elfcore(data, size, &d, &m) < 0)
                return 0;
        size_t n = 0;
        const hvs_mem_range *r = hvs_mem_ranges(m, &n);
        uint8_t buf[64];
        uint64_t sink = 0;
        for (size_t i = 0; i < n && i < 64; i++) {
                uint64_t last = r[i].gpa + r[i].size - 1;
                if (hvs_mem_read(m, HVS_GPA(r[i].gpa), buf, 1) == 0)
                        sink += buf[0];
                if (hvs_mem_read(m, HVS_GPA(last), buf, 1) == 0)
                        sink += buf[0];
                /* Straddles into the next range or a hole. */
                if (hvs_mem_read(m, HVS_GPA(last - (r[i].size > 8 ? 7 : 0)), buf, sizeof buf) == 0)
                        sink += buf[63];
                uint64_t v;
                if (hvs_mem_read_u64(m, HVS_GPA(last + 1), &v) == 0)
                        sink += v;
        }
        const hvs_vcpu_regs *regs = NULL;
        size_t nv = 0;
        if (hvs_mem_vcpus(m, &regs, &nv) == 0)
                for (size_t i = 0; i < nv; i++)
                        sink += regs[i].rip ^ regs[i].cr3 ^ regs[i].valid;
        (void)hvs_mem_size(m);
        hvs_mem_close(m);
        return (int)(sink & 0);
}
