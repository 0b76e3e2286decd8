/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ts-engine-types.h"
#include "ts-library.h"
#include "ts-storage-manager.h"
#include "ts-stream-server.h"

G_BEGIN_DECLS

#define TS_TYPE_APPLICATION (ts_application_get_type ())
G_DECLARE_FINAL_TYPE (TsApplication, ts_application, TS, APPLICATION, AdwApplication)

TsApplication *ts_application_new         (void);
/* The download session, created in startup (NULL before). */
TsSession     *ts_application_get_session (TsApplication *self);
/* The library (ts-library.h), created in startup (NULL before). */
TsLibrary     *ts_application_get_library (TsApplication *self);
/* Disk space and cache mode (ts-storage-manager.h), created in startup. */
TsStorageManager *ts_application_get_storage_manager (TsApplication *self);
/* The HTTP stream server of the session (ts-stream-server.h), created in
 * startup (NULL before). It serves loopback from the start and the LAN
 * while the "lan-sharing" setting is on (an error then is shown as a toast
 * and the setting stays as the user set it). */
TsStreamServer   *ts_application_get_stream_server   (TsApplication *self);

/* "Copy stream URL": puts @file's URL (the LAN one while sharing, else
 * the loopback one) on @widget's clipboard. Returns what to tell the user
 * ("Stream URL copied", or why not). */
char             *ts_application_copy_stream_url     (TsApplication *self,
                                                      GtkWidget     *widget,
                                                      TsTorrentFile *file);
/* "Open in another player": the default app for @file's type (from its
 * name; never this app) launched with its http URL. */
void              ts_application_open_external_async (TsApplication      *self,
                                                      GtkWidget          *widget,
                                                      TsTorrentFile      *file,
                                                      GCancellable       *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer            user_data);
/* The launched app's name (free it), or NULL with @error, whose message
 * is the whole sentence to show ("Could not open another player: …"). */
char             *ts_application_open_external_finish (TsApplication *self,
                                                       GAsyncResult  *result,
                                                       GError       **error);

G_END_DECLS
