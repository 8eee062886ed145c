/* Shared library half of the ttng view --debug-info fixture. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "dbgilib_tp.h"

__attribute__((noinline)) void lib_work(int v) {
    lttng_ust_tracepoint(dbgilib, ev, v + 100);
}
