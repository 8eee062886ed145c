#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER dbgilib

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "./dbgilib_tp.h"

#if !defined(_DBGILIB_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define _DBGILIB_TP_H
#include <lttng/tracepoint.h>
LTTNG_UST_TRACEPOINT_EVENT(dbgilib, ev,
    LTTNG_UST_TP_ARGS(int, v),
    LTTNG_UST_TP_FIELDS(lttng_ust_field_integer(int, v, v)))
#endif
#include <lttng/tracepoint-event.h>
