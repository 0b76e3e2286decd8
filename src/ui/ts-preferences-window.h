/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ts-engine-types.h"

G_BEGIN_DECLS

#define TS_TYPE_PREFERENCES_WINDOW (ts_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (TsPreferencesWindow, ts_preferences_window, TS, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

/* Every control is bound to the settings of @session, so changes apply at
 * once; the session supplies the effective download folder. */
GtkWidget *ts_preferences_window_new         (TsSession           *session);
TsSession *ts_preferences_window_get_session (TsPreferencesWindow *self);

/* Presents the preferences window transient for @parent, reusing the one
 * already open for it. */
void       ts_preferences_window_present_for (GtkWindow           *parent,
                                              TsSession           *session);

G_END_DECLS
