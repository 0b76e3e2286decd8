/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal API of TsTorrentFile, for TsTorrent. */
#pragma once

#include "ts-torrent-file.h"

G_BEGIN_DECLS

TsTorrentFile *_ts_torrent_file_new                (TsTorrent     *torrent,
                                                    guint          index,
                                                    const char    *path,
                                                    gint64         size,
                                                    guint          priority,
                                                    const char    *save_path);
void           _ts_torrent_file_set_bytes_done     (TsTorrentFile *self,
                                                    gint64         bytes_done);
/* Records a priority the torrent already applied (notifies "priority"). */
void           _ts_torrent_file_update_priority    (TsTorrentFile *self,
                                                    guint          priority);

G_END_DECLS
