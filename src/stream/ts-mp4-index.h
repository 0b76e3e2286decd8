/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where an MP4's index (its 'moov' box) lies, from the top-level boxes in
 * @head, the first @head_len bytes of a file of @file_size bytes.
 *
 * TRUE with [*offset, *offset + *length) when @head shows the 'moov' box, or
 * when the media data runs past @head: what follows it is then the index
 * (a file written without moving it to the front), up to the file's end.
 * FALSE when @head is not the start of an MP4 ('ftyp' first), a box header
 * is malformed, or the boxes end without an index. Only box headers are
 * read, none is trusted past @file_size. */
gboolean ts_mp4_find_index (const guint8 *head,
                            gsize         head_len,
                            gint64        file_size,
                            gint64       *offset,
                            gint64       *length);

G_END_DECLS
