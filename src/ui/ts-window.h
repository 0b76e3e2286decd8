/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ts-engine-types.h"

G_BEGIN_DECLS

#define TS_TYPE_WINDOW (ts_window_get_type ())
G_DECLARE_FINAL_TYPE (TsWindow, ts_window, TS, WINDOW, AdwApplicationWindow)

/* @application may be NULL (tests). */
TsWindow  *ts_window_new            (GtkApplication *application,
                                     TsSession      *session);
TsSession *ts_window_get_session    (TsWindow       *self);
void       ts_window_add_toast      (TsWindow       *self,
                                     const char     *message);
void       ts_window_show_downloads (TsWindow       *self);
/* Shows the player over the window and plays file @file_index of @torrent
 * (see ts_player_page_play_file()). Also the action "win.play" with
 * ("info-hash", file index). */
void       ts_window_play_file      (TsWindow       *self,
                                     TsTorrent      *torrent,
                                     guint           file_index);
/* Shows the player and plays @uri; @title may be NULL. */
void       ts_window_play_uri       (TsWindow       *self,
                                     const char     *uri,
                                     const char     *title);

G_END_DECLS
