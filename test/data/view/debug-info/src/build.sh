#!/bin/sh
# Usage: build.sh OUTDIR [extra CFLAGS]   Builds prog + libdbgi.so into OUTDIR.
set -e
src=$(cd "$(dirname "$0")" && pwd); out=$1; shift
mkdir -p "$out"
cc -O1 "$@" -fPIC -shared -I"$src" -o "$out/libdbgi.so" "$src/lib.c" -llttng-ust -ldl
cc -O1 "$@" -I"$src" -o "$out/prog" "$src/prog.c" -L"$out" -ldbgi -Wl,-rpath,"$out" -llttng-ust -ldl
