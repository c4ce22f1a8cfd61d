/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvscope symbols export-isf: the guest kernel's resolved profile (types from
 * its BTF, symbols from its kallsyms) as a Volatility 3 ISF JSON file.
 */
#include <inttypes.h>
#include <string.h>
#include <json-c/json.h>
#include "hvscope.h"

#define SYMBOLS_USAGE                                                                                    \
        "usage: hvscope symbols export-isf -o FILE [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE)\n" \
        "\n"                                                                                             \
        "Write the guest kernel's types (from its BTF) and symbols (from its kallsyms,\n"                \
        "at their link-time addresses) as a Volatility 3 ISF JSON file, with the\n"                       \
        "kernel's banner so Volatility matches the file to memory images of this build.\n"              \
        "\n"                                                                                             \
        "  -o, --output FILE  where to write the ISF ('-' for standard output)\n"                       \
        TARGET_HELP

static int export_isf(int argc, char **argv) {
        static const struct option longopts[] = {
                TARGET_LONG_OPTS, { "output", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' }, { 0 }
        };
        struct target_opts t = { 0 };
        const char *out = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
                int k = target_opt(&t, c, optarg);
                if (k < 0)
                        return 1;
                if (k == 1)
                        continue;
                if (c == 'o') {
                        out = optarg;
                        continue;
                }
                fputs(SYMBOLS_USAGE, c == 'h' ? stdout : stderr);
                return c == 'h' ? 0 : 1;
        }
        if (optind < argc) {
                errorf("unexpected argument '%s' (see 'hvscope symbols --help')", argv[optind]);
                return 1;
        }
        if (!out) {
                errorf("no output file: give -o FILE (or -o - for standard output)");
                return 1;
        }
        if (t.session.kernel.isf_path) {
                errorf("the kernel's types would come from the ISF given with --isf: export-isf writes them from BTF");
                return 1;
        }
        bool to_stdout = !strcmp(out, "-");
        if (to_stdout && t.json) {
                errorf("--json and -o - both write to standard output: give -o FILE");
                return 1;
        }
        hvs_session *s = NULL;
        if (target_open(&t, &s) < 0)
                return 1;
        hvs_linux *k = hvs_session_linux(s);
        const hvs_linux_info *i = hvs_linux_get_info(k);
        hvs_profile *p = hvs_linux_profile(k);
        const hvs_btf *btf = NULL;
        hvs_ksyms *syms = NULL;
        hvs_diag d = { 0 };
        int r = hvs_profile_btf(p, &btf);
        if (r < 0) {
                errorf("cannot export the kernel's types: %s", r == -EOPNOTSUPP ? "the profile has no BTF" : hvs_strerror(r));
                goto fail;
        }
        if ((r = hvs_profile_ksyms(p, &syms)) < 0) {
                errorf("cannot read the kernel's symbols: %s", hvs_strerror(r));
                goto fail;
        }
        /* The same build gives the same file, whichever boot or BTF copy it came from. */
        hvs_isf_export_opts o = HVS_OPTS(hvs_isf_export_opts, .banner = i->banner, .kaslr_slide = i->kaslr_slide);
        hvs_isf_export_stats st = { 0 };
        r = to_stdout ? hvs_isf_write(btf, syms, &o, stdout, &d, &st) : hvs_isf_export(btf, syms, &o, out, &d, &st);
        if (t.pause)
                hvs_session_resume(s);
        if (r < 0) {
                errorf("cannot write the ISF%s%s: %s", to_stdout ? "" : " to ", to_stdout ? "" : out,
                       d.msg[0] ? d.msg : hvs_strerror(r));
                goto fail;
        }
        if (to_stdout) {
                if (t.verbose)
                        fprintf(stderr, "hvscope: %zu user types, %zu enums, %zu symbols (%zu typed), %" PRIu64 " bytes\n",
                                st.user_types, st.enums, st.symbols, st.typed_symbols, st.bytes);
        } else if (t.json) {
                json_object *j = json_object_new_object();
                json_object_object_add(j, "path", json_object_new_string(out));
                json_object_object_add(j, "format", json_object_new_string("6.2.0"));
                json_object_object_add(j, "banner", json_object_new_string(i->banner));
                json_object_object_add(j, "kaslr_slide", json_addr((uint64_t)i->kaslr_slide));
                json_object_object_add(j, "types_source", json_object_new_string(i->btf_source));
                json_object_object_add(j, "base_types", json_object_new_int64((int64_t)st.base_types));
                json_object_object_add(j, "user_types", json_object_new_int64((int64_t)st.user_types));
                json_object_object_add(j, "fields", json_object_new_int64((int64_t)st.fields));
                json_object_object_add(j, "enums", json_object_new_int64((int64_t)st.enums));
                json_object_object_add(j, "symbols", json_object_new_int64((int64_t)st.symbols));
                json_object_object_add(j, "typed_symbols", json_object_new_int64((int64_t)st.typed_symbols));
                json_object_object_add(j, "bytes", json_object_new_int64((int64_t)st.bytes));
                print_json(j);
        } else {
                printf("%-14s %s\n", "wrote", out);
                printf("%-14s %s\n", "kernel", i->banner);
                printf("%-14s %" PRIu64 " bytes (ISF format 6.2.0)\n", "size", st.bytes);
                printf("%-14s %zu structs/unions (%zu fields), %zu enums, %zu base types, from BTF (%s)\n", "types",
                       st.user_types, st.fields, st.enums, st.base_types, i->btf_source);
                printf("%-14s %zu from kallsyms (%zu typed), KASLR slide 0x%" PRIx64 " taken off\n", "symbols",
                       st.symbols, st.typed_symbols, (uint64_t)i->kaslr_slide);
        }
        hvs_session_close(s);
        return 0;
fail:
        hvs_session_close(s);
        return 1;
}

int cmd_symbols(int argc, char **argv) {
        if (argc >= 2 && !strcmp(argv[1], "export-isf"))
                return export_isf(argc - 1, argv + 1);
        bool help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
        if (!help) {
                if (argc >= 2)
                        errorf("unknown 'symbols' subcommand '%s' (see 'hvscope symbols --help')", argv[1]);
                else
                        errorf("'symbols' needs a subcommand: export-isf (see 'hvscope symbols --help')");
                return 1;
        }
        fputs(SYMBOLS_USAGE, stdout);
        return 0;
}
