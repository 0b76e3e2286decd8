/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ts-file-chooser-dialog.h: asks which files of a multi-file torrent to
 * download, once its file list is known. */
#pragma once

#include <adwaita.h>

#include "ts-engine-types.h"

G_BEGIN_DECLS

#define TS_TYPE_FILE_CHOOSER_DIALOG (ts_file_chooser_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TsFileChooserDialog, ts_file_chooser_dialog, TS, FILE_CHOOSER_DIALOG,
                      AdwWindow)

/* @free_bytes: the free space where the files go (G_MAXUINT64 when not
 * known): the Download button is off while the choice does not fit.
 *
 * Signal "response" (const char *response): "download" or "cancel" (also
 * on Escape or when the window is closed). The dialog closes itself. */
TsFileChooserDialog *ts_file_chooser_dialog_new            (GtkWindow           *parent,
                                                            TsTorrent           *torrent,
                                                            guint64              free_bytes);
/* One priority per file of ts_torrent_get_files(): 0 for the files left
 * out, TS_FILE_PRIORITY_NORMAL for the others. */
guint8              *ts_file_chooser_dialog_dup_priorities (TsFileChooserDialog *self,
                                                            guint               *n);
/* @index: a position in ts_torrent_get_files(). */
void                 ts_file_chooser_dialog_set_selected   (TsFileChooserDialog *self,
                                                            guint                index,
                                                            gboolean             selected);
/* The bytes the chosen files still need. */
guint64              ts_file_chooser_dialog_get_needed     (TsFileChooserDialog *self);
guint64              ts_file_chooser_dialog_get_free_bytes (TsFileChooserDialog *self);

/* The files picked before the user changes anything, one flag per file of
 * ts_torrent_get_files(): the largest video and the subtitles that go with
 * it (same name stem, or in a subtitles folder beside it), or every file
 * when there is no video. */
gboolean            *ts_file_selection_default             (TsTorrent           *torrent,
                                                            guint               *n);

G_END_DECLS
