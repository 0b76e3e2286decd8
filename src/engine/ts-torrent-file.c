/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include "ts-engine-enums.h"
#include "ts-torrent.h"
#include "ts-torrent-file-private.h"

struct _TsTorrentFile
{
  GObject     parent_instance;

  TsTorrent  *torrent;     /* weak */
  guint       index;       /* the file's index in the torrent */
  char       *path;
  char       *name;
  char       *save_path;
  gint64      size;
  gint64      bytes_done;
  guint       priority;
  TsFileKind  kind;
};

G_DEFINE_FINAL_TYPE (TsTorrentFile, ts_torrent_file, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TORRENT,
  PROP_INDEX,
  PROP_PATH,
  PROP_NAME,
  PROP_SIZE,
  PROP_BYTES_DONE,
  PROP_PROGRESS,
  PROP_PRIORITY,
  PROP_KIND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ts_torrent_file_finalize (GObject *object)
{
  TsTorrentFile *self = (TsTorrentFile *) object;

  if (self->torrent != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->torrent), (gpointer *) &self->torrent);
  g_free (self->path);
  g_free (self->name);
  g_free (self->save_path);

  G_OBJECT_CLASS (ts_torrent_file_parent_class)->finalize (object);
}

static void
ts_torrent_file_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TsTorrentFile *self = TS_TORRENT_FILE (object);

  switch (prop_id)
    {
    case PROP_TORRENT:
      g_value_set_object (value, self->torrent);
      break;
    case PROP_INDEX:
      g_value_set_uint (value, self->index);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_SIZE:
      g_value_set_int64 (value, self->size);
      break;
    case PROP_BYTES_DONE:
      g_value_set_int64 (value, self->bytes_done);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, ts_torrent_file_get_progress (self));
      break;
    case PROP_PRIORITY:
      g_value_set_uint (value, self->priority);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_torrent_file_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TsTorrentFile *self = TS_TORRENT_FILE (object);

  switch (prop_id)
    {
    case PROP_PRIORITY:
      ts_torrent_file_set_priority (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_torrent_file_class_init (TsTorrentFileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ts_torrent_file_finalize;
  object_class->get_property = ts_torrent_file_get_property;
  object_class->set_property = ts_torrent_file_set_property;

  properties[PROP_TORRENT] =
    g_param_spec_object ("torrent", NULL, NULL, TS_TYPE_TORRENT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_INDEX] =
    g_param_spec_uint ("index", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIZE] =
    g_param_spec_int64 ("size", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BYTES_DONE] =
    g_param_spec_int64 ("bytes-done", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRIORITY] =
    g_param_spec_uint ("priority", NULL, NULL, 0, 7, TS_FILE_PRIORITY_NORMAL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, TS_TYPE_FILE_KIND, TS_FILE_KIND_OTHER,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ts_torrent_file_init (TsTorrentFile *self)
{
  self->priority = TS_FILE_PRIORITY_NORMAL;
}

TsTorrentFile *
_ts_torrent_file_new (TsTorrent  *torrent,
                      guint       index,
                      const char *path,
                      gint64      size,
                      guint       priority,
                      const char *save_path)
{
  TsTorrentFile *self = g_object_new (TS_TYPE_TORRENT_FILE, NULL);
  const char *slash;

  self->torrent = torrent;
  g_object_add_weak_pointer (G_OBJECT (torrent), (gpointer *) &self->torrent);
  self->index = index;
  self->path = g_strdup (path != NULL ? path : "");
  slash = strrchr (self->path, '/');
  self->name = g_strdup (slash != NULL ? slash + 1 : self->path);
  self->size = MAX (size, 0);
  self->priority = MIN (priority, 7);
  self->save_path = g_strdup (save_path);
  self->kind = ts_file_kind_from_path (self->path);
  return self;
}

void
_ts_torrent_file_set_bytes_done (TsTorrentFile *self,
                                 gint64         bytes_done)
{
  double old_progress;

  g_return_if_fail (TS_IS_TORRENT_FILE (self));

  bytes_done = CLAMP (bytes_done, 0, self->size);
  if (bytes_done == self->bytes_done)
    return;

  old_progress = ts_torrent_file_get_progress (self);
  self->bytes_done = bytes_done;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_DONE]);
  if (ts_torrent_file_get_progress (self) != old_progress)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

void
_ts_torrent_file_update_priority (TsTorrentFile *self,
                                  guint          priority)
{
  g_return_if_fail (TS_IS_TORRENT_FILE (self));

  priority = MIN (priority, 7);
  if (priority == self->priority)
    return;
  self->priority = priority;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIORITY]);
}

TsTorrent *
ts_torrent_file_get_torrent (TsTorrentFile *self)
{
  g_return_val_if_fail (TS_IS_TORRENT_FILE (self), NULL);
  return self->torrent;
}

guint
ts_torrent_file_get_index (TsTorrentFile *self)
{
  g_return_val_if_fail (TS_IS_TORRENT_FILE (self), 0);
  return self->index;
}

const char *
ts_torrent_file_get_path (TsTorrentFile *self)
{
  g_return_val_if_fail (TS_IS_TORRENT_FILE (self), NULL);
  return self->path;
}

const char *
ts_torrent_file_get_name (TsTorrentFile *self)
{
  g_return_val_if_fail (TS_IS_TORRENT_FILE (self), NULL);
  return self->name;
}

gint64
ts_torrent_file_get_size (TsTorrentFile *self)
{
  g_return_val_if_fail (TS_IS_TORRENT_FILE (self), 0);
  return self->size;
}

gint64
ts_torrent_file_get_bytes_done (TsTorrentFile *self)
{
  g_return_val_if_fail (TS_IS_TORRENT_FILE (self), 0);
  return self->bytes_done;
}

double
ts_torrent_file_get_progress (TsTorrentFile *self)
{
  g_return_val_if_fail (TS_IS_TORRENT_FILE (self), 0.0);

  /* An empty file is complete as soon as it exists. */
  if (self->size <= 0)
    return 1.0;
  return CLAMP ((double) self->bytes_done / (double) self->size, 0.0, 1.0);
}

guint
ts_torrent_file_get_priority (TsTorrentFile *self)
{
  g_return_val_if_fail (TS_IS_TORRENT_FILE (self), 0);
  return self->priority;
}

/* Goes through the torrent, which owns the priorities and applies them. */
void
ts_torrent_file_set_priority (TsTorrentFile *self,
                              guint          priority)
{
  g_return_if_fail (TS_IS_TORRENT_FILE (self));

  if (self->torrent == NULL)
    return;
  ts_torrent_set_file_priority (self->torrent, self->index, priority);
}

TsFileKind
ts_torrent_file_get_kind (TsTorrentFile *self)
{
  g_return_val_if_fail (TS_IS_TORRENT_FILE (self), TS_FILE_KIND_OTHER);
  return self->kind;
}

gboolean
ts_torrent_file_is_video (TsTorrentFile *self)
{
  g_return_val_if_fail (TS_IS_TORRENT_FILE (self), FALSE);
  return self->kind == TS_FILE_KIND_VIDEO;
}

gboolean
ts_torrent_file_is_subtitle (TsTorrentFile *self)
{
  g_return_val_if_fail (TS_IS_TORRENT_FILE (self), FALSE);
  return self->kind == TS_FILE_KIND_SUBTITLE;
}

char *
ts_torrent_file_dup_disk_path (TsTorrentFile *self)
{
  g_return_val_if_fail (TS_IS_TORRENT_FILE (self), NULL);

  if (self->save_path == NULL)
    return NULL;
  return g_build_filename (self->save_path, self->path, NULL);
}
