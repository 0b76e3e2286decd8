/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  /* No Range header, an unknown unit or a malformed header: RFC 9110 says to
   * ignore it and answer 200 with the whole representation. */
  TS_HTTP_RANGE_NONE,
  /* Answer 206 with the bytes [start, end] (inclusive). */
  TS_HTTP_RANGE_SATISFIABLE,
  /* Answer 416 with "Content-Range: bytes * /size". */
  TS_HTTP_RANGE_UNSATISFIABLE,
} TsHttpRangeResult;

/* A byte range with an inclusive end, as in Content-Range. */
typedef struct {
  gint64 start;
  gint64 end;
} TsHttpRange;

/* Parses the value of a Range header (RFC 9110 §14.2) for a representation
 * of @size bytes.
 *
 * We only ever answer with a single part: a set of several ranges is
 * coalesced into the one range that covers all of its satisfiable members
 * (§15.3.7.2 lets a server coalesce; the client still gets every byte it asked
 * for, and the response cannot be larger than the file, so a long list of
 * tiny ranges cannot amplify it). Players never send several ranges.
 *
 * @header may be NULL (no header). @range is set only for
 * TS_HTTP_RANGE_SATISFIABLE. */
TsHttpRangeResult ts_http_range_parse  (const char  *header,
                                        gint64       size,
                                        TsHttpRange *range);

static inline gint64
ts_http_range_length (const TsHttpRange *range)
{
  return range->end - range->start + 1;
}

G_END_DECLS
