#!/bin/sh
# fuzz/build.sh OUTDIR: builds the libFuzzer harnesses with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer.  Needs a configured
# source tree (config.h) and clang with libclang-rt (Debian:
# clang libclang-rt-14-dev).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/fuzz/bin}
build=${top_builddir:-$top}
mkdir -p "$out"
CC=${FUZZ_CC:-clang}
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$top/include -I$build"
# Every file of the pure core, whatever gets added to it.
core=$(ls "$top"/src/core/*.c)
pcre=$(pkg-config --cflags --libs libpcre2-8)
yaml=$(pkg-config --cflags --libs yaml-0.1)
jansson=$(pkg-config --cflags --libs jansson)
$CC $flags -o "$out/fuzz_migration" "$top/fuzz/fuzz_migration.c" $core $pcre
$CC $flags -o "$out/fuzz_alembic_ini" "$top/fuzz/fuzz_alembic_ini.c" $core $pcre
$CC $flags -o "$out/fuzz_config" "$top/fuzz/fuzz_config.c" "$top/src/config.c" $core $pcre $yaml
$CC $flags -o "$out/fuzz_proto" "$top/fuzz/fuzz_proto.c" "$top/src/proto.c" "$top/src/report.c" "$top/src/jsonutil.c" $core $pcre $jansson
$CC $flags -o "$out/fuzz_api" "$top/fuzz/fuzz_api.c" $core $pcre
git2=$(pkg-config --cflags --libs libgit2)
$CC $flags -o "$out/fuzz_tree" "$top/fuzz/fuzz_tree.c" "$top/src/odb.c" "$top/src/objcache.c" $core $pcre $git2 -lpthread
