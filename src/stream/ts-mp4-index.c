/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "ts-mp4-index.h"

#include <string.h>

#define FOURCC(a, b, c, d) ((guint32) (a) << 24 | (guint32) (b) << 16 | (guint32) (c) << 8 | (guint32) (d))

gboolean
ts_mp4_find_index (const guint8 *head,
                   gsize         head_len,
                   gint64        file_size,
                   gint64       *offset,
                   gint64       *length)
{
  gint64 position = 0;

  g_return_val_if_fail (head != NULL || head_len == 0, FALSE);
  g_return_val_if_fail (offset != NULL && length != NULL, FALSE);

  while (position < file_size)
    {
      guint64 size;
      guint32 size32, type;
      guint header = 8;

      if (position + 8 > (gint64) head_len)
        {
          /* Past what we have: after a box too long for the head, which in
           * a file that starts right is the media data, comes the index.
           * A header cut by the head's end says nothing. */
          if (position < (gint64) head_len || position == 0)
            return FALSE;
          *offset = position;
          *length = file_size - position;
          return TRUE;
        }

      memcpy (&size32, head + position, 4);
      memcpy (&type, head + position + 4, 4);
      size = GUINT32_FROM_BE (size32);
      type = GUINT32_FROM_BE (type);
      if (position == 0 && type != FOURCC ('f', 't', 'y', 'p'))
        return FALSE;

      if (size == 1)
        {
          /* A 64-bit size follows the type. */
          guint64 large;

          if (position + 16 > (gint64) head_len)
            return FALSE;
          memcpy (&large, head + position + 8, 8);
          size = GUINT64_FROM_BE (large);
          header = 16;
        }
      else if (size == 0)
        {
          /* The last box, up to the end of the file. */
          size = (guint64) (file_size - position);
        }

      if (size < header || size > (guint64) (file_size - position))
        return FALSE;

      if (type == FOURCC ('m', 'o', 'o', 'v'))
        {
          *offset = position;
          *length = (gint64) size;
          return TRUE;
        }

      position += (gint64) size;
    }

  return FALSE;
}
