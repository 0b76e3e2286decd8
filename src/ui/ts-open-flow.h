/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ts-open-flow.h: what happens when the user opens a torrent (a magnet
 * link, a .torrent file, a torrent address), from the command line, another
 * application, the Open dialog, a paste or a drop.
 *
 * The torrent is added to the session. A new one is held paused until its
 * file list is known (for a magnet link, until the metadata arrives); a
 * multi-file torrent then asks which files to download (TsFileChooserDialog,
 * defaulting to the film and its subtitles); the free space of the download
 * folder is checked, and a torrent whose wanted files do not fit is taken
 * out again (TS_ENGINE_ERROR_NO_SPACE), leaving the session as it was.
 * Otherwise it is marked preloaded in the library (the user asked for the
 * whole download) and resumed. A torrent already in the session is handed
 * back as it is. */
#pragma once

#include <adwaita.h>

#include "ts-engine-types.h"
#include "ts-library.h"

G_BEGIN_DECLS

/* @parent: the window the file dialog belongs to; without it (or once it
 * is gone) the default choice of files is taken. @library may be NULL.
 * Fails with G_IO_ERROR_CANCELLED when the user cancels the file choice or
 * @cancellable is cancelled, TS_ENGINE_ERROR_REMOVED if the torrent is
 * removed meanwhile, and the engine's errors for what cannot be added. */
typedef void (*TsOpenFlowAddedFunc) (TsTorrent *torrent,
                                     gboolean   is_new,
                                     gpointer   user_data);

/* @added_func (may be NULL) is called with @user_data as soon as the
 * torrent is in the session, before the file choice; @callback when the
 * flow is over. */
void       ts_open_flow_async  (GtkWindow            *parent,
                                TsSession            *session,
                                TsLibrary            *library,
                                const char           *source,
                                GCancellable         *cancellable,
                                TsOpenFlowAddedFunc   added_func,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
/* Returns the torrent (transfer full), ready and running; @is_new tells
 * whether this flow added it. */
TsTorrent *ts_open_flow_finish (GAsyncResult         *result,
                                gboolean             *is_new,
                                GError              **error);

G_END_DECLS
