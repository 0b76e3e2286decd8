/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The in-window playback path without a window, for the benchmarks
 * (ttff-inapp, stall-play): a warm TsPlayer with a real-time fake audio
 * sink, and a session that plays a torrent's main video through torrentsrc
 * the way the player page does. */
#pragma once

#include <gst/gst.h>

#include "ts-player.h"
#include "ts-session.h"
#include "ts-torrent.h"

G_BEGIN_DECLS

typedef struct _BenchPlayback BenchPlayback;

/* Something went wrong before playback could start; @status is a short
 * word for the result line, @message says what. */
typedef void (*BenchFailFunc) (const char *status,
                               const char *message,
                               gpointer    user_data);

/* Loads the plugins a playback needs (like the harness's warm player),
 * then makes the player; every buffer reaching its video sink goes
 * through @probe (on the streaming thread). */
BenchPlayback *bench_playback_new        (GstPadProbeCallback  probe,
                                          gpointer             probe_data,
                                          BenchFailFunc        fail,
                                          gpointer             fail_data);
TsPlayer      *bench_playback_get_player (BenchPlayback       *pb);
/* NULL until bench_playback_play_torrent() has added it. */
TsTorrent     *bench_playback_get_torrent (BenchPlayback      *pb);

/* Plays @uri as it is (http://, file://). */
void           bench_playback_play_uri   (BenchPlayback       *pb,
                                          const char          *uri);
/* Starts the engine on the private folders the caller gives as
 * HOME/XDG_* (the schema from GSETTINGS_SCHEMA_DIR), adds @input (a
 * .torrent or a magnet) and, once its files are known, plays its main
 * video as torrent://…, holding the file's stream reader from then on and
 * telling it the film's duration, as the player page does. FALSE (with a
 * message on stderr) when the engine cannot start. */
gboolean       bench_playback_play_torrent (BenchPlayback     *pb,
                                            const char        *input);
/* CLOCK_MONOTONIC in seconds, as Python's time.monotonic() in the harness. */
double         bench_now_s               (void);

/* How a run ends: the first outcome counts, and stops the main loop. */
typedef struct {
  GMainLoop  *loop;
  const char *status;   /* NULL while the run goes on */
  char       *error;
  double      end;      /* bench_now_s () when it ended */
} BenchRun;

void           bench_run_init            (BenchRun            *run);
void           bench_run_finish          (BenchRun            *run,
                                          const char          *status,
                                          const char          *error);
/* A BenchFailFunc: @run is the BenchRun. */
void           bench_run_fail_cb         (const char          *status,
                                          const char          *message,
                                          gpointer             run);
/* For the result line: "error" when the run never ended. */
const char    *bench_run_get_status      (BenchRun            *run);
/* Ends @line, a JSON object being written, with the run's error when there
 * is one, and prints it as the run's one line on stdout. */
void           bench_run_print           (BenchRun            *run,
                                          GString             *line);
void           bench_run_clear           (BenchRun            *run);

/* Stops the player and shuts the engine down. */
void           bench_playback_free       (BenchPlayback       *pb);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchPlayback, bench_playback_free)

G_END_DECLS
