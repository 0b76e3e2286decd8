/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ts-stream"

#include "ts-http-range.h"

static const char *
skip_ows (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* 1*DIGIT into a non-negative gint64; FALSE on no digits or overflow.
 * Leading zeros are valid and do not count towards overflow. */
static gboolean
parse_pos (const char **pp,
           gint64      *out)
{
  const char *p = *pp;
  gint64 v = 0;

  if (!g_ascii_isdigit (*p))
    return FALSE;

  for (; g_ascii_isdigit (*p); p++)
    {
      int d = *p - '0';

      if (v > (G_MAXINT64 - d) / 10)
        return FALSE;
      v = v * 10 + d;
    }

  *pp = p;
  *out = v;
  return TRUE;
}

TsHttpRangeResult
ts_http_range_parse (const char  *header,
                     gint64       size,
                     TsHttpRange *range)
{
  const char *p;
  gint64 lo = G_MAXINT64;
  gint64 hi = -1;
  gboolean any_spec = FALSE;
  gboolean whole_empty = FALSE;

  g_return_val_if_fail (size >= 0, TS_HTTP_RANGE_NONE);

  if (header == NULL)
    return TS_HTTP_RANGE_NONE;

  p = skip_ows (header);
  if (g_ascii_strncasecmp (p, "bytes", 5) != 0)
    return TS_HTTP_RANGE_NONE;
  p = skip_ows (p + 5);
  if (*p != '=')
    return TS_HTTP_RANGE_NONE;
  p++;

  /* range-set = 1#range-spec; a list may hold empty elements (§5.6.1). */
  for (;;)
    {
      gint64 first, last;
      gboolean have_last = FALSE;

      p = skip_ows (p);
      if (*p == ',')
        {
          p++;
          continue;
        }
      if (*p == '\0')
        break;

      if (*p == '-')
        {
          gint64 suffix;

          p = skip_ows (p + 1);
          if (!parse_pos (&p, &suffix))
            return TS_HTTP_RANGE_NONE;

          if (suffix > 0 && size == 0)
            whole_empty = TRUE;
          else if (suffix > 0)
            {
              first = suffix >= size ? 0 : size - suffix;
              lo = MIN (lo, first);
              hi = size - 1;
            }
        }
      else
        {
          if (!parse_pos (&p, &first))
            return TS_HTTP_RANGE_NONE;
          p = skip_ows (p);
          if (*p != '-')
            return TS_HTTP_RANGE_NONE;
          p = skip_ows (p + 1);
          if (g_ascii_isdigit (*p))
            {
              if (!parse_pos (&p, &last))
                return TS_HTTP_RANGE_NONE;
              have_last = TRUE;
            }

          /* last-pos < first-pos makes the whole header invalid (§14.1.1). */
          if (have_last && last < first)
            return TS_HTTP_RANGE_NONE;

          if (first < size)
            {
              if (!have_last || last >= size)
                last = size - 1;
              lo = MIN (lo, first);
              hi = MAX (hi, last);
            }
        }

      any_spec = TRUE;
      p = skip_ows (p);
      if (*p == ',')
        p++;
      else if (*p != '\0')
        return TS_HTTP_RANGE_NONE;
    }

  if (!any_spec)
    return TS_HTTP_RANGE_NONE;

  if (hi < 0)
    {
      /* A suffix range of an empty representation means all of it, which
       * Content-Range cannot express: answer 200 with the empty body. */
      return whole_empty ? TS_HTTP_RANGE_NONE : TS_HTTP_RANGE_UNSATISFIABLE;
    }

  if (range != NULL)
    {
      range->start = lo;
      range->end = hi;
    }
  return TS_HTTP_RANGE_SATISFIABLE;
}
