/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ts-open-controller.h: the ways a window takes torrents in. The actions
 * win.open-torrent (Ctrl+O: the Open dialog for .torrent files) and
 * win.paste-torrent (Ctrl+V anywhere but in a text field: a magnet link,
 * torrent address or copied .torrent file from the clipboard), and dropping
 * files or links on the window. Each goes through ts_open_flow_async();
 * what fails is told in a toast. */
#pragma once

#include "ts-window.h"

G_BEGIN_DECLS

/* Called once from the window's init. */
void ts_open_controller_attach (TsWindow   *window);
/* Opens @source (magnet, path, file:// URI, URL, info-hash) in @window. */
void ts_open_source            (TsWindow   *window,
                                const char *source);
/* Opens every item of @text that looks like a torrent (one per line);
 * returns how many did. */
guint ts_open_text             (TsWindow   *window,
                                const char *text);

G_END_DECLS
