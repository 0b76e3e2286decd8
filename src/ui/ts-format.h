/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Human-readable text for torrent figures, shared by the window and the
 * headless mode (GLib only). */
#pragma once

#include <glib.h>

#include "ts-engine-types.h"

G_BEGIN_DECLS

const char *ts_format_state       (TsTorrentState  state);
char       *ts_format_state_label (TsTorrent      *torrent);
char       *ts_format_rate        (gint64          bytes_per_second);
char       *ts_format_eta         (gint64          seconds);
char       *ts_format_peers       (guint           peers,
                                   guint           seeds);

G_END_DECLS
