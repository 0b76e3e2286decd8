/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared helpers for TorrentStream's GTest programs: bounded main-loop waits,
 * child processes that die with the test, a local BitTorrent swarm
 * (tests/lib/tsswarm.py: python3-libtorrent seeder + opentracker), a
 * loopback HTTP server with Range support, and file comparison. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Waits ------------------------------------------------------------------- */

typedef gboolean (*TsTestPredicate) (gpointer user_data);

/* Iterates the thread-default main context until @predicate returns TRUE
 * (checked at least every 50 ms) or @timeout_ms pass. Returns whether the
 * predicate became true. */
gboolean      ts_test_iterate_until     (TsTestPredicate  predicate,
                                         gpointer         user_data,
                                         guint            timeout_ms);
/* Iterates the thread-default main context for @ms milliseconds. */
void          ts_test_iterate_for       (guint            ms);

void          ts_test_fail_timeout      (const char      *file,
                                         int              line,
                                         const char      *func,
                                         guint            timeout_s,
                                         const char      *format,
                                         ...) G_GNUC_PRINTF (5, 6);

/* Fails the test with "timed out after N s: <message>" unless @predicate
 * becomes true within @timeout_s seconds. */
#define ts_test_wait_for(predicate, user_data, timeout_s, ...)                      \
  G_STMT_START {                                                                    \
    if (!ts_test_iterate_until ((predicate), (user_data), (timeout_s) * 1000u))     \
      ts_test_fail_timeout (__FILE__, __LINE__, G_STRFUNC, (timeout_s), __VA_ARGS__); \
  } G_STMT_END

/* A GAsyncReadyCallback that stores a reference to the result in
 * *(GAsyncResult **) user_data. */
void          ts_test_async_result_cb   (GObject         *source,
                                         GAsyncResult    *result,
                                         gpointer         user_data);
/* Waits until *result_ptr is set (see ts_test_async_result_cb); fails the
 * test after @timeout_s seconds. Returns *result_ptr, stolen (unref it). */
#define ts_test_wait_result(result_ptr, timeout_s) \
  ts_test_wait_result_impl ((result_ptr), (timeout_s), __FILE__, __LINE__, G_STRFUNC)
GAsyncResult *ts_test_wait_result_impl  (GAsyncResult   **result_ptr,
                                         guint            timeout_s,
                                         const char      *file,
                                         int              line,
                                         const char      *func);

/* Processes ---------------------------------------------------------------- */

/* A launcher whose children get SIGTERM when the test process dies (even on
 * abort), so nothing outlives a failed test. */
GSubprocessLauncher *ts_test_launcher_new (GSubprocessFlags flags);
/* SIGTERM, then SIGKILL after @grace_ms; waits (bounded) until it is gone. */
void          ts_test_subprocess_stop   (GSubprocess     *process,
                                         guint            grace_ms);

/* Files -------------------------------------------------------------------- */

/* A new private directory under $TMPDIR (or /tmp). */
char         *ts_test_make_tmp_dir      (const char      *prefix);
/* Removes @path and everything below it (does not follow symlinks). */
void          ts_test_rm_rf             (const char      *path);
/* TRUE when both files hold the same bytes; otherwise sets @message (free
 * it) to say where they differ. */
gboolean      ts_test_compare_files     (const char      *expected,
                                         const char      *actual,
                                         char           **message);
/* Same, for bytes [offset, offset + length) of both files. */
gboolean      ts_test_compare_file_range(const char      *expected,
                                         const char      *actual,
                                         gint64           offset,
                                         gint64           length,
                                         char           **message);
#define ts_test_assert_files_equal(expected, actual)                                \
  G_STMT_START {                                                                    \
    g_autofree char *_ts_msg = NULL;                                                \
    if (!ts_test_compare_files ((expected), (actual), &_ts_msg))                    \
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, _ts_msg);   \
  } G_STMT_END

/* HTTP server -------------------------------------------------------------- */

typedef struct _TsTestHttpServer TsTestHttpServer;

/* A SoupServer on 127.0.0.1 (ephemeral port) in the thread-default main
 * context. GET/HEAD of files below @root_dir (may be NULL, may not exist
 * yet) with single-range support (206, Content-Range, 416), explicit
 * Content-Length and Accept-Ranges; 404 for what is not there. */
TsTestHttpServer *ts_test_http_server_new        (const char       *root_dir);
void          ts_test_http_server_free           (TsTestHttpServer *server);
/* "http://127.0.0.1:PORT/" */
const char   *ts_test_http_server_get_url        (TsTestHttpServer *server);
guint         ts_test_http_server_get_port       (TsTestHttpServer *server);
SoupServer   *ts_test_http_server_get_soup_server(TsTestHttpServer *server);
/* The URL of @path ("/a b/c.txt" or "a b/c.txt"), each segment escaped. */
char         *ts_test_http_server_url_for        (TsTestHttpServer *server,
                                                  const char       *path);
/* Serve @body at exactly @path (e.g. "/index.html"), ranges included. */
void          ts_test_http_server_add_bytes      (TsTestHttpServer *server,
                                                  const char       *path,
                                                  const char       *content_type,
                                                  GBytes           *body);
/* Answer @path with @status and a short text body (404, 500, 302 ...).
 * For redirects, @location is the Location header (else NULL). */
void          ts_test_http_server_add_status     (TsTestHttpServer *server,
                                                  const char       *path,
                                                  guint             status,
                                                  const char       *location);
/* Bodies are sent at about @bytes_per_second (0 = as fast as possible). */
void          ts_test_http_server_set_rate       (TsTestHttpServer *server,
                                                  gint64            bytes_per_second);
/* Every response starts after @delay_ms. */
void          ts_test_http_server_set_delay      (TsTestHttpServer *server,
                                                  guint             delay_ms);
/* Requests seen, as "METHOD /path RANGE-or-dash", oldest first. */
GPtrArray    *ts_test_http_server_get_log        (TsTestHttpServer *server);
/* How many requests (any method) asked for @path (NULL: all paths). */
guint         ts_test_http_server_count_requests (TsTestHttpServer *server,
                                                  const char       *path);
/* Bytes of bodies written so far. */
gint64        ts_test_http_server_get_bytes_sent (TsTestHttpServer *server);

/* Local swarm -------------------------------------------------------------- */

typedef struct {
  const char *layout;      /* "multi" (default) or "single" */
  gint64      size;        /* content bytes; 0 = 12 MiB */
  const char *seed;        /* content seed; NULL = "1" */
  const char *name;        /* torrent name; NULL = the layout's default */
  guint       piece_size;  /* 0 = 64 KiB */
  gint64      rate;        /* seeder upload limit in bytes/s; 0 = unlimited */
  gboolean    tracker;     /* run opentracker; the torrent announces to it */
  gboolean    webseed;     /* serve the content over HTTP, listed as url-list */
  gboolean    no_seeder;   /* content + torrent (+ tracker, web seed) only */
  gboolean    no_utp;      /* seeder speaks TCP only */
} TsTestSwarmOptions;

typedef struct {
  char   *path;            /* inside the torrent, e.g. "Test Film 1/film.mp4" */
  gint64  size;
} TsTestSwarmFile;

typedef struct {
  char             *workdir;
  char             *content_root;  /* the seeder's save path: files are below it */
  char             *name;          /* torrent name */
  char             *torrent_path;
  char             *magnet;        /* with x.pe=127.0.0.1:PORT when seeding */
  char             *info_hash;     /* hex v1 */
  char             *tracker_url;   /* or NULL */
  guint             port;          /* the seeder's port, 0 without seeder */
  char             *peer;          /* "127.0.0.1:PORT", or NULL */
  guint             piece_length;
  guint             num_pieces;
  gint64            total_size;
  GPtrArray        *files;         /* TsTestSwarmFile, in torrent order */
  TsTestHttpServer *http;          /* the web seed, or NULL */

  /*< private >*/
  GSubprocess      *process;
  GOutputStream    *stdin_pipe;
  GDataInputStream *stdout_lines;
} TsTestSwarm;

/* Starts tsswarm.py and waits (bounded) until the seeder is seeding (and
 * announced, with a tracker). Fails the test if anything cannot start. The
 * swarm is stopped and its files removed when the test case ends (set
 * TS_TEST_KEEP=1 to keep them). */
TsTestSwarm  *ts_test_swarm_start        (const TsTestSwarmOptions *options);
/* The seeder's upload limit, bytes/s (0 = unlimited); waits for the ack. */
void          ts_test_swarm_set_rate     (TsTestSwarm  *swarm,
                                          gint64        bytes_per_second);
/* Sends one command line and returns its JSON reply (unref it). */
JsonObject   *ts_test_swarm_command      (TsTestSwarm  *swarm,
                                          const char   *command);
/* Payload bytes the seeder uploaded so far. */
gint64        ts_test_swarm_get_uploaded (TsTestSwarm  *swarm);
/* CANCEL messages the seeder was sent so far. */
gint64        ts_test_swarm_get_cancels  (TsTestSwarm  *swarm);
/* Absolute path of the source copy of @path (a path inside the torrent). */
char         *ts_test_swarm_source_path  (TsTestSwarm  *swarm,
                                          const char   *path);
/* Stops the seeder and tracker now (idempotent; also done at the end). */
void          ts_test_swarm_stop         (TsTestSwarm  *swarm);
/* The interpreter and script, for tests that run tsswarm.py themselves. */
const char   *ts_test_python             (void);
char         *ts_test_tsswarm_script     (void);

G_END_DECLS
