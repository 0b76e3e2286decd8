/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ts-notifier.h: desktop notifications (GNotification). "Download
 * complete" when a download the user asked for finishes (not a film that
 * was only streamed), with a Play button, and "Download failed" when a
 * torrent fails.
 *
 * Adds the application actions they use:
 *   app.play-torrent (s: info-hash): shows the window and plays the film of
 *       that torrent (the file last played, else the largest video);
 *   app.show-downloads: shows the window on its downloads. */
#pragma once

#include <gtk/gtk.h>

#include "ts-engine-types.h"
#include "ts-library.h"

G_BEGIN_DECLS

#define TS_TYPE_NOTIFIER (ts_notifier_get_type ())
G_DECLARE_FINAL_TYPE (TsNotifier, ts_notifier, TS, NOTIFIER, GObject)

/* @library may be NULL. */
TsNotifier *ts_notifier_new (GtkApplication *application,
                             TsSession      *session,
                             TsLibrary      *library);

G_END_DECLS
