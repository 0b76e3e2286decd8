/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "ts-http-range.h"

typedef struct {
  const char        *header;
  gint64             size;
  TsHttpRangeResult  result;
  gint64             start;
  gint64             end;
} RangeCase;

#define NONE  TS_HTTP_RANGE_NONE, -1, -1
#define UNSAT TS_HTTP_RANGE_UNSATISFIABLE, -1, -1
#define OK    TS_HTTP_RANGE_SATISFIABLE

static void
check_cases (const RangeCase *cases,
             gsize            n)
{
  for (gsize i = 0; i < n; i++)
    {
      const RangeCase *c = &cases[i];
      TsHttpRange r = { -1, -1 };
      TsHttpRangeResult res;

      res = ts_http_range_parse (c->header, c->size, &r);
      g_test_message ("\"%s\" of %" G_GINT64_FORMAT " → %d [%" G_GINT64_FORMAT
                      ", %" G_GINT64_FORMAT "]",
                      c->header ? c->header : "(null)", c->size, res, r.start, r.end);
      g_assert_cmpint (res, ==, c->result);
      if (res == TS_HTTP_RANGE_SATISFIABLE)
        {
          g_assert_cmpint (r.start, ==, c->start);
          g_assert_cmpint (r.end, ==, c->end);
          g_assert_cmpint (ts_http_range_length (&r), ==, c->end - c->start + 1);
        }
      else
        {
          /* The out range is left alone unless the range is satisfiable. */
          g_assert_cmpint (r.start, ==, -1);
          g_assert_cmpint (r.end, ==, -1);
        }
    }
}

static void
test_valid (void)
{
  static const RangeCase cases[] = {
    { "bytes=0-499", 10000, OK, 0, 499 },
    { "bytes=500-999", 10000, OK, 500, 999 },
    { "bytes=0-0", 10000, OK, 0, 0 },
    { "bytes=9999-9999", 10000, OK, 9999, 9999 },
    /* last-pos past the end is clamped (§14.1.2). */
    { "bytes=9000-20000", 10000, OK, 9000, 9999 },
    { "bytes=0-9223372036854775807", 10000, OK, 0, 9999 },
    /* Case-insensitive unit and tolerated whitespace. */
    { "BYTES=1-2", 10, OK, 1, 2 },
    { "Bytes=1-2", 10, OK, 1, 2 },
    { "  bytes = 3 - 5  ", 10, OK, 3, 5 },
    { "bytes=\t4-6\t", 10, OK, 4, 6 },
    /* Leading zeros are still a valid 1*DIGIT. */
    { "bytes=00000000000000000000000010-0000000000000000000000020", 100, OK, 10, 20 },
  };

  check_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_open_ended (void)
{
  static const RangeCase cases[] = {
    { "bytes=0-", 10000, OK, 0, 9999 },
    { "bytes=9500-", 10000, OK, 9500, 9999 },
    { "bytes=9999-", 10000, OK, 9999, 9999 },
    /* What souphttpsrc sends on a seek of a film larger than 4 GiB. */
    { "bytes=5000000000-", G_GINT64_CONSTANT (8000000000), OK,
      G_GINT64_CONSTANT (5000000000), G_GINT64_CONSTANT (7999999999) },
  };

  check_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_suffix (void)
{
  static const RangeCase cases[] = {
    { "bytes=-500", 10000, OK, 9500, 9999 },
    { "bytes=-1", 10000, OK, 9999, 9999 },
    /* A suffix longer than the file means all of it. */
    { "bytes=-20000", 10000, OK, 0, 9999 },
    { "bytes=-10000", 10000, OK, 0, 9999 },
    { "bytes= - 7", 10, OK, 3, 9 },
    /* A zero suffix selects nothing. */
    { "bytes=-0", 10000, UNSAT },
    /* All of an empty file cannot be written as Content-Range: send 200. */
    { "bytes=-5", 0, NONE },
  };

  check_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_multiple (void)
{
  static const RangeCase cases[] = {
    /* Coalesced into one range covering every satisfiable member. */
    { "bytes=0-99,200-299", 10000, OK, 0, 299 },
    { "bytes=200-299, 0-99", 10000, OK, 0, 299 },
    { "bytes=500-600,-100", 10000, OK, 500, 9999 },
    { "bytes=0-0,-1", 10000, OK, 0, 9999 },
    /* Unsatisfiable members are ignored; one good member is enough. */
    { "bytes=20000-30000,5-9", 10000, OK, 5, 9 },
    { "bytes=-0,5-9", 10000, OK, 5, 9 },
    /* Empty list elements are tolerated (§5.6.1.2). */
    { "bytes=,1-2,,3-4,", 10, OK, 1, 4 },
    /* Only unsatisfiable members. */
    { "bytes=20000-30000,40000-", 10000, UNSAT },
  };

  check_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_unsatisfiable (void)
{
  static const RangeCase cases[] = {
    { "bytes=10000-", 10000, UNSAT },
    { "bytes=10000-20000", 10000, UNSAT },
    { "bytes=0-", 0, UNSAT },
    { "bytes=0-0", 0, UNSAT },
  };

  check_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_malformed (void)
{
  static const RangeCase cases[] = {
    { NULL, 100, NONE },
    { "", 100, NONE },
    { "bytes", 100, NONE },
    { "bytes=", 100, NONE },
    { "bytes=,", 100, NONE },
    { "bytes=-", 100, NONE },
    { "bytes=a-b", 100, NONE },
    { "bytes=1", 100, NONE },
    { "bytes=1-2-3", 100, NONE },
    { "bytes=1-2;3-4", 100, NONE },
    { "bytes=1-2 3", 100, NONE },
    { "bytes=--5", 100, NONE },
    { "bytes=+5-", 100, NONE },
    { "bytes=-5-", 100, NONE },
    { "bytes=0x10-20", 100, NONE },
    /* last-pos < first-pos invalidates the whole header, even in a list. */
    { "bytes=5-4", 100, NONE },
    { "bytes=0-1,5-4", 100, NONE },
    /* Another unit, or something that only starts like "bytes". */
    { "items=0-5", 100, NONE },
    { "bytesx=0-5", 100, NONE },
    { "bytes 0-5", 100, NONE },
    { "bytes:0-5", 100, NONE },
  };

  check_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_overflow (void)
{
  static const RangeCase cases[] = {
    /* G_MAXINT64 is 9223372036854775807. */
    { "bytes=9223372036854775807-", 100, UNSAT },
    { "bytes=9223372036854775808-", 100, NONE },
    { "bytes=0-9223372036854775808", 100, NONE },
    { "bytes=-9223372036854775808", 100, NONE },
    { "bytes=-9223372036854775807", 100, OK, 0, 99 },
    { "bytes=99999999999999999999-", 100, NONE },
    { "bytes=0-123456789012345678901234567890", 100, NONE },
    { "bytes=-184467440737095516160", 100, NONE },
    /* An overflow anywhere spoils the whole list. */
    { "bytes=0-1,99999999999999999999-", 100, NONE },
  };

  check_cases (cases, G_N_ELEMENTS (cases));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/stream/http-range/valid", test_valid);
  g_test_add_func ("/stream/http-range/open-ended", test_open_ended);
  g_test_add_func ("/stream/http-range/suffix", test_suffix);
  g_test_add_func ("/stream/http-range/multiple", test_multiple);
  g_test_add_func ("/stream/http-range/unsatisfiable", test_unsatisfiable);
  g_test_add_func ("/stream/http-range/malformed", test_malformed);
  g_test_add_func ("/stream/http-range/overflow", test_overflow);

  return g_test_run ();
}
