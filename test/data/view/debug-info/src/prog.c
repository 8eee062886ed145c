/* ttng view --debug-info fixture: tracepoints from several functions of an executable and a library. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "dbgi_tp.h"

void lib_work(int v);

static __attribute__((noinline)) void local_fn(int v) {
    lttng_ust_tracepoint(dbgi, ev, v);
}

__attribute__((noinline)) void global_fn(int v) {
    lttng_ust_tracepoint(dbgi, ev, v * 10);
    local_fn(v + 1);
}

int main(void) {
    for (int i = 0; i < 2; i++) {
        lttng_ust_tracepoint(dbgi, ev, i);
        global_fn(i);
        lib_work(i);
    }
    return 0;
}
