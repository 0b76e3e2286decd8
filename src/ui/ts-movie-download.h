/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Starting the download of a film chosen on its page: the torrent goes into
 * the session, and once its file list is known only the chosen file (and the
 * subtitles that go with it) is downloaded. GLib and the engine only. */
#pragma once

#include <gio/gio.h>

#include "ts-catalog-types.h"
#include "ts-engine-types.h"

G_BEGIN_DECLS

/* Adds @choice's torrent (its .torrent address, or its magnet link when
 * that fails or there is none). With @streaming the head and the tail of
 * the film file get piece deadlines once the file list is known, so that
 * playback can start before the rest arrives. The file selection is made
 * even when the caller has gone away by then. A torrent new to the session
 * is held paused until libtorrent has taken in the selection (at most 5 s),
 * so that its web seeds are not asked for the other files meanwhile. */
void       ts_movie_download_async    (TsSession           *session,
                                       TsMovieTorrent      *choice,
                                       gboolean             streaming,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
TsTorrent *ts_movie_download_finish   (TsSession           *session,
                                       GAsyncResult        *result,
                                       GError             **error);

/* The file of @files (a GListModel of TsTorrentFile) named by @file_hint (a
 * path of the catalog item; matched by its base name), or NULL. Transfer
 * none: the model holds it. */
TsTorrentFile *ts_movie_download_find_file (GListModel *files,
                                            const char *file_hint);

/* Priorities, one per item of @files, that download only @film and the
 * subtitles named after it. With @keep_others the other files keep their
 * current priority (a film of which another version is already wanted). */
guint8    *ts_movie_download_plan     (GListModel          *files,
                                       TsTorrentFile       *film,
                                       gboolean             keep_others);

G_END_DECLS
