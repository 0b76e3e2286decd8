/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ts-player"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ts-stream-reader.h"
#include "ts-torrent-src.h"
#include "ts-torrent.h"

#define DEFAULT_BLOCKSIZE (256 * 1024)
#define ENGINE_TIMEOUT_S  10
/* After a wait, playback goes on once this much film is on disk past the
 * place it waited at: going on as soon as the one piece waited for came,
 * the player stopped again at the next one, over and over for the first
 * seconds even with peers at 1.5× the bit rate. The first frame still
 * shows at once (the player prerolls while it buffers). */
#define LEAD_S            2
/* ... but it never holds playback longer than this for the lead. */
#define LEAD_MAX_WAIT_S   8
#define LEAD_POLL_MS      100

GST_DEBUG_CATEGORY_STATIC (ts_torrent_src_debug);
#define GST_CAT_DEFAULT ts_torrent_src_debug

struct _TsTorrentSrc
{
  GstBaseSrc      parent_instance;

  /* Under the object lock. */
  char           *uri;
  char           *info_hash;
  guint           file_index;
  GCancellable   *cancellable;
  /* The URI with the file's name, for GST_QUERY_URI: typefind takes the
   * extension from it (see ts_torrent_src_query). Set while started. */
  char           *query_uri;

  /* Between start and stop (streaming thread and state changes). */
  TsStreamReader *reader;
  guint           cursor;
  gint64          size;
  GMainContext   *context;      /* the engine's, where leads are watched */

  /* Streaming thread: where the read now running started. */
  gint64          read_offset;
  /* Atomic: bumped by every wait, flush and stop, ending older lead
   * watches; lead_watched is the one running (0: none). */
  gint            lead_generation;
  gint            lead_watched;
  gboolean        lead_started;  /* streaming thread: the first read came */
  /* The lead at the start is counted from the first read, even when the
   * demuxer waited meanwhile for the index at the file's end: counted
   * from there, playback began with a second of film and stopped at once.
   * Atomic: whether that lead is still to come. */
  gint            start_lead_pending;
  gint64          start_offset;
};

enum {
  PROP_0,
  PROP_URI,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void ts_torrent_src_uri_handler_init (gpointer g_iface,
                                             gpointer iface_data);
static void end_lead_watch                  (TsTorrentSrc *self);

G_DEFINE_FINAL_TYPE_WITH_CODE (TsTorrentSrc, ts_torrent_src, GST_TYPE_BASE_SRC,
                               G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
                                                      ts_torrent_src_uri_handler_init))

static GstStaticPadTemplate src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* The session ---------------------------------------------------------------- */

static GMutex registry_lock;
static TsSession *registry_session;
static GMainContext *registry_context;
static GThread *registry_thread;

void
ts_torrent_src_set_session (TsSession *session)
{
  g_return_if_fail (session == NULL || TS_IS_SESSION (session));

  g_mutex_lock (&registry_lock);
  g_set_object (&registry_session, session);
  g_clear_pointer (&registry_context, g_main_context_unref);
  registry_thread = NULL;
  if (session != NULL)
    {
      registry_context = g_main_context_ref_thread_default ();
      registry_thread = g_thread_self ();
    }
  g_mutex_unlock (&registry_lock);
}

/* Opening a reader touches the engine, which lives on the session's thread.
 * A state change usually runs there too; otherwise hop and wait (bounded:
 * the other thread may be the one waiting for us). */
typedef struct {
  gint            ref_count;
  GMutex          lock;
  GCond           cond;
  gboolean        done;
  TsSession      *session;
  char           *info_hash;
  guint           file_index;
  TsStreamReader *reader;
  guint           cursor;
  char           *name;
  GError         *error;
} OpenData;

static void
open_data_unref (gpointer data)
{
  OpenData *d = data;

  if (!g_atomic_int_dec_and_test (&d->ref_count))
    return;
  if (d->reader != NULL)
    {
      ts_stream_reader_close_cursor (d->reader, d->cursor);
      g_object_unref (d->reader);
    }
  g_clear_object (&d->session);
  g_clear_error (&d->error);
  g_free (d->info_hash);
  g_free (d->name);
  g_mutex_clear (&d->lock);
  g_cond_clear (&d->cond);
  g_free (d);
}

static gboolean
open_on_session_thread (gpointer data)
{
  OpenData *d = data;
  TsTorrent *torrent = ts_session_lookup (d->session, d->info_hash);
  TsTorrentFile *file;
  GError *error = NULL;
  TsStreamReader *reader = NULL;
  char *name = NULL;
  guint cursor = 0;

  if (torrent == NULL)
    error = g_error_new (TS_ENGINE_ERROR, TS_ENGINE_ERROR_NOT_FOUND,
                         _("No torrent with the info-hash %s is in the download list"),
                         d->info_hash);
  else if (!ts_torrent_has_metadata (torrent))
    error = g_error_new (TS_ENGINE_ERROR, TS_ENGINE_ERROR_NOT_FOUND,
                         _("The file list of “%s” is not known yet"),
                         ts_torrent_get_name (torrent));
  else if ((file = ts_torrent_get_file (torrent, d->file_index)) == NULL)
    error = g_error_new (TS_ENGINE_ERROR, TS_ENGINE_ERROR_NOT_FOUND,
                         _("The torrent “%s” has no file number %u"),
                         ts_torrent_get_name (torrent), d->file_index);
  else
    {
      reader = ts_stream_reader_get_for_file (file);
      cursor = ts_stream_reader_open_cursor (reader);
      name = g_strdup (ts_torrent_file_get_name (file));
    }

  g_mutex_lock (&d->lock);
  d->reader = reader;
  d->cursor = cursor;
  d->name = name;
  d->error = error;
  d->done = TRUE;
  g_cond_broadcast (&d->cond);
  g_mutex_unlock (&d->lock);

  return G_SOURCE_REMOVE;
}

static gboolean
open_reader (TsTorrentSrc    *self,
             TsStreamReader **reader,
             guint           *cursor,
             char           **name,
             GError         **error)
{
  OpenData *d = g_new0 (OpenData, 1);
  GMainContext *context = NULL;
  GThread *thread = NULL;
  gboolean ok;

  d->ref_count = 1;
  g_mutex_init (&d->lock);
  g_cond_init (&d->cond);

  GST_OBJECT_LOCK (self);
  d->info_hash = g_strdup (self->info_hash);
  d->file_index = self->file_index;
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&registry_lock);
  if (registry_session != NULL)
    {
      d->session = g_object_ref (registry_session);
      context = g_main_context_ref (registry_context);
      thread = registry_thread;
    }
  g_mutex_unlock (&registry_lock);

  if (d->info_hash == NULL)
    {
      g_set_error_literal (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, _("No torrent URI was given"));
      open_data_unref (d);
      return FALSE;
    }
  if (d->session == NULL)
    {
      g_set_error_literal (error, TS_ENGINE_ERROR, TS_ENGINE_ERROR_NOT_FOUND,
                           _("Torrents cannot be played: the torrent engine is not running"));
      open_data_unref (d);
      return FALSE;
    }

  if (g_thread_self () == thread)
    open_on_session_thread (d);
  else
    {
      GSource *source = g_idle_source_new ();
      gint64 deadline = g_get_monotonic_time () + ENGINE_TIMEOUT_S * G_USEC_PER_SEC;

      g_atomic_int_inc (&d->ref_count);
      g_source_set_callback (source, open_on_session_thread, d, open_data_unref);
      g_source_attach (source, context);
      g_source_unref (source);

      g_mutex_lock (&d->lock);
      while (!d->done)
        if (!g_cond_wait_until (&d->cond, &d->lock, deadline))
          break;
      g_mutex_unlock (&d->lock);
    }

  g_mutex_lock (&d->lock);
  ok = d->done && d->error == NULL;
  if (!d->done)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         _("The torrent engine did not answer"));
  else if (d->error != NULL)
    g_propagate_error (error, g_steal_pointer (&d->error));
  else
    {
      *reader = g_steal_pointer (&d->reader);
      *cursor = d->cursor;
      *name = g_steal_pointer (&d->name);
    }
  g_mutex_unlock (&d->lock);

  g_main_context_unref (context);
  open_data_unref (d);
  return ok;
}

/* GstBaseSrc ----------------------------------------------------------------- */

/* "torrent://HASH/INDEX", or "torrent://HASH/INDEX/NAME" with @escaped_name
 * (already escaped for a URI path). */
static char *
build_uri (const char *info_hash,
           guint       index,
           const char *escaped_name)
{
  if (escaped_name == NULL || *escaped_name == '\0')
    return g_strdup_printf ("torrent://%s/%u", info_hash, index);
  return g_strdup_printf ("torrent://%s/%u/%s", info_hash, index, escaped_name);
}

static gboolean
ts_torrent_src_start (GstBaseSrc *base)
{
  TsTorrentSrc *self = TS_TORRENT_SRC (base);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *escaped = NULL;

  if (!open_reader (self, &self->reader, &self->cursor, &name, &error))
    {
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("%s", error->message), (NULL));
      return FALSE;
    }

  self->size = ts_stream_reader_get_size (self->reader);
  self->lead_started = FALSE;
  g_atomic_int_set (&self->start_lead_pending, 0);
  g_mutex_lock (&registry_lock);
  self->context = registry_context != NULL ? g_main_context_ref (registry_context) : NULL;
  g_mutex_unlock (&registry_lock);
  escaped = g_uri_escape_string (name, NULL, FALSE);
  GST_OBJECT_LOCK (self);
  g_free (self->query_uri);
  self->query_uri = build_uri (self->info_hash, self->file_index, escaped);
  GST_OBJECT_UNLOCK (self);

  GST_DEBUG_OBJECT (self, "streaming %s as %s (%" G_GINT64_FORMAT " bytes)",
                    self->uri, self->query_uri, self->size);
  return TRUE;
}

static gboolean
ts_torrent_src_stop (GstBaseSrc *base)
{
  TsTorrentSrc *self = TS_TORRENT_SRC (base);

  end_lead_watch (self);
  if (self->reader != NULL)
    {
      ts_stream_reader_close_cursor (self->reader, self->cursor);
      g_clear_object (&self->reader);
    }
  g_clear_pointer (&self->context, g_main_context_unref);
  self->size = 0;
  GST_OBJECT_LOCK (self);
  g_clear_pointer (&self->query_uri, g_free);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* Typefind asks upstream for the URI and tries first the typefinders of the
 * extension it ends with; one of them is sure after the first few bytes.
 * Without one it runs every typefinder in rank order, and some of those read
 * the end (ID3v1, APE tags) and the middle (MP3) of the file: pieces we
 * would fetch for nothing before the demuxer even starts. So answer with
 * the file's name, whichever URI form we were given. (Caps set on our pad
 * would not help: typefind in pull mode does not look at them.) */
static gboolean
ts_torrent_src_query (GstBaseSrc *base,
                      GstQuery   *query)
{
  TsTorrentSrc *self = TS_TORRENT_SRC (base);

  if (GST_QUERY_TYPE (query) == GST_QUERY_URI)
    {
      g_autofree char *uri = NULL;

      GST_OBJECT_LOCK (self);
      uri = g_strdup (self->query_uri != NULL ? self->query_uri : self->uri);
      GST_OBJECT_UNLOCK (self);
      if (uri != NULL)
        {
          gst_query_set_uri (query, uri);
          return TRUE;
        }
    }

  return GST_BASE_SRC_CLASS (ts_torrent_src_parent_class)->query (base, query);
}

static gboolean
ts_torrent_src_get_size (GstBaseSrc *base,
                         guint64    *size)
{
  TsTorrentSrc *self = TS_TORRENT_SRC (base);

  if (self->reader == NULL)
    return FALSE;
  *size = (guint64) self->size;
  return TRUE;
}

static gboolean
ts_torrent_src_is_seekable (GstBaseSrc *base)
{
  return TRUE;
}

static void
post_buffering (TsTorrentSrc *self,
                int           percent)
{
  gst_element_post_message (GST_ELEMENT (self),
                            gst_message_new_buffering (GST_OBJECT (self), percent));
}

typedef struct {
  TsTorrentSrc   *src;
  TsStreamReader *reader;
  gint            generation;
  gint64          offset;
  gint64          lead;
  gint64          give_up_at;
  int             percent;
  gboolean        at_start;
} LeadWatch;

static void
lead_watch_free (gpointer data)
{
  LeadWatch *w = data;

  g_atomic_int_compare_and_exchange (&w->src->lead_watched, w->generation, 0);
  gst_object_unref (w->src);
  g_object_unref (w->reader);
  g_free (w);
}

/* The engine's thread: how much of the lead is there. */
static gboolean
lead_watch_cb (gpointer data)
{
  LeadWatch *w = data;
  TsTorrent *torrent = ts_stream_reader_get_torrent (w->reader);
  gint64 have;
  gboolean done;
  int percent;

  if (g_atomic_int_get (&w->src->lead_generation) != w->generation)
    return G_SOURCE_REMOVE;

  have = ts_torrent_is_removed (torrent) ? w->lead
         : ts_torrent_get_file_contiguous (torrent, ts_stream_reader_get_file_index (w->reader),
                                           w->offset);
  done = have >= w->lead || g_get_monotonic_time () >= w->give_up_at;
  percent = done ? 100 : (int) CLAMP (have * 100 / w->lead, 0, 99);
  if (done && w->at_start)
    g_atomic_int_set (&w->src->start_lead_pending, 0);
  if (percent != w->percent)
    {
      GST_DEBUG_OBJECT (w->src, "lead at %" G_GINT64_FORMAT ": %" G_GINT64_FORMAT
                        " of %" G_GINT64_FORMAT " bytes", w->offset, have, w->lead);
      w->percent = percent;
      post_buffering (w->src, percent);
    }
  return done ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* Ends the lead watch running, if any, letting the player go on. */
static void
end_lead_watch (TsTorrentSrc *self)
{
  g_atomic_int_inc (&self->lead_generation);
  if (g_atomic_int_exchange (&self->lead_watched, 0) != 0)
    post_buffering (self, 100);
}

/* Streaming thread. Holds the player (buffering) until the lead from
 * @offset is there. */
static void
start_lead_watch (TsTorrentSrc *self,
                  gint64        offset)
{
  gboolean flushing;
  LeadWatch *w;
  GSource *source;
  gint64 lead;

  GST_OBJECT_LOCK (self);
  flushing = g_cancellable_is_cancelled (self->cancellable);
  GST_OBJECT_UNLOCK (self);
  lead = MIN (ts_stream_reader_get_bitrate (self->reader) * LEAD_S, self->size - offset);
  if (flushing || lead <= 0 || self->context == NULL)
    {
      post_buffering (self, 100);
      return;
    }

  w = g_new0 (LeadWatch, 1);
  w->src = gst_object_ref (self);
  w->reader = g_object_ref (self->reader);
  w->generation = g_atomic_int_get (&self->lead_generation);
  w->offset = offset;
  w->at_start = g_atomic_int_get (&self->start_lead_pending) && offset == self->start_offset;
  w->lead = lead;
  w->give_up_at = g_get_monotonic_time () + LEAD_MAX_WAIT_S * G_USEC_PER_SEC;
  g_atomic_int_set (&self->lead_watched, w->generation);
  post_buffering (self, 0);

  source = g_timeout_source_new (LEAD_POLL_MS);
  g_source_set_callback (source, lead_watch_cb, w, lead_watch_free);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* Streaming thread. Lets the player stop the clock while pieces are on
 * their way, and start it again once there is a lead. */
static void
waiting_cb (gboolean  waiting,
            gpointer  user_data)
{
  TsTorrentSrc *self = user_data;

  g_atomic_int_inc (&self->lead_generation);
  if (waiting)
    {
      g_atomic_int_set (&self->lead_watched, 0);
      post_buffering (self, 0);
    }
  else if (g_atomic_int_get (&self->start_lead_pending))
    start_lead_watch (self, self->start_offset);
  else
    start_lead_watch (self, self->read_offset);
}

static GstFlowReturn
ts_torrent_src_create (GstBaseSrc  *base,
                       guint64      offset,
                       guint        size,
                       GstBuffer  **out)
{
  TsTorrentSrc *self = TS_TORRENT_SRC (base);
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GError) error = NULL;
  GstBuffer *buffer = NULL;
  gboolean pull;
  gsize got = 0;

  if ((gint64) offset >= self->size)
    return GST_FLOW_EOS;
  size = (guint) MIN ((guint64) size, (guint64) self->size - offset);

  GST_OBJECT_LOCK (self);
  cancellable = g_object_ref (self->cancellable);
  GST_OBJECT_UNLOCK (self);

  /* The start is a wait of its own: playing on from the first pieces, the
   * player would stop again at the next ones. */
  if (!self->lead_started)
    {
      self->lead_started = TRUE;
      if (!ts_stream_reader_is_complete (self->reader))
        {
          self->start_offset = (gint64) offset;
          g_atomic_int_set (&self->start_lead_pending, 1);
          g_atomic_int_inc (&self->lead_generation);
          start_lead_watch (self, (gint64) offset);
        }
    }

  /* Demuxers pulling a range treat a short buffer as the end: read it all.
   * Pushed downstream, what is there now goes at once. */
  pull = GST_PAD_MODE (GST_BASE_SRC_PAD (base)) == GST_PAD_MODE_PULL;
  while (got < size && (pull || got == 0))
    {
      g_autoptr(GBytes) bytes = NULL;
      gsize n;

      self->read_offset = (gint64) (offset + got);
      bytes = ts_stream_reader_read_full (self->reader, self->cursor, offset + got, size - got,
                                          cancellable, waiting_cb, self, &error);
      if (bytes == NULL)
        break;

      n = g_bytes_get_size (bytes);
      if (n == 0)
        break;

      if (buffer == NULL && n == size)
        {
          buffer = gst_buffer_new_wrapped_bytes (bytes);
          got = n;
          break;
        }
      if (buffer == NULL)
        buffer = gst_buffer_new_allocate (NULL, size, NULL);
      gst_buffer_fill (buffer, got, g_bytes_get_data (bytes, NULL), n);
      got += n;
    }

  if (error != NULL)
    {
      gst_clear_buffer (&buffer);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return GST_FLOW_FLUSHING;
      GST_ELEMENT_ERROR (self, RESOURCE, READ, ("%s", error->message), (NULL));
      return GST_FLOW_ERROR;
    }
  if (buffer == NULL)
    return GST_FLOW_EOS;

  /* Short only at the end of the file. */
  if (got < size)
    gst_buffer_resize (buffer, 0, got);

  GST_LOG_OBJECT (self, "read %" G_GSIZE_FORMAT " bytes at %" G_GUINT64_FORMAT, got, offset);
  GST_BUFFER_OFFSET (buffer) = offset;
  GST_BUFFER_OFFSET_END (buffer) = offset + got;
  *out = buffer;
  return GST_FLOW_OK;
}

static gboolean
ts_torrent_src_unlock (GstBaseSrc *base)
{
  TsTorrentSrc *self = TS_TORRENT_SRC (base);

  GST_OBJECT_LOCK (self);
  g_cancellable_cancel (self->cancellable);
  GST_OBJECT_UNLOCK (self);
  /* A flush: whatever the player waited for is not wanted any more. */
  end_lead_watch (self);
  return TRUE;
}

/* A seek (pushed to us, or a demuxer pulling from us flushing the read it
 * waits for) moves the start: the lead counts from where it goes. Not on
 * every unlock: the pad is deactivated, and so unlocked, when typefind
 * hands it over to the demuxer, before the first frame. */
static gboolean
ts_torrent_src_event (GstBaseSrc *base,
                      GstEvent   *event)
{
  TsTorrentSrc *self = TS_TORRENT_SRC (base);

  if (GST_EVENT_TYPE (event) == GST_EVENT_SEEK || GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_START)
    g_atomic_int_set (&self->start_lead_pending, 0);
  return GST_BASE_SRC_CLASS (ts_torrent_src_parent_class)->event (base, event);
}

static gboolean
ts_torrent_src_unlock_stop (GstBaseSrc *base)
{
  TsTorrentSrc *self = TS_TORRENT_SRC (base);

  GST_OBJECT_LOCK (self);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* URI ------------------------------------------------------------------------ */

static gboolean
is_hex (const char *s,
        gsize       length)
{
  if (strlen (s) != length)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
  return TRUE;
}

static gboolean
ts_torrent_src_set_uri (TsTorrentSrc  *self,
                        const char    *uri,
                        GError       **error)
{
  g_autoptr(GUri) parsed = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *index_text = NULL;
  const char *path, *name;
  guint64 index = 0;

  if (GST_STATE (self) > GST_STATE_READY)
    {
      g_set_error_literal (error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
                           _("The torrent cannot change while it plays"));
      return FALSE;
    }

  if (uri == NULL)
    {
      GST_OBJECT_LOCK (self);
      g_clear_pointer (&self->uri, g_free);
      g_clear_pointer (&self->info_hash, g_free);
      GST_OBJECT_UNLOCK (self);
      return TRUE;
    }

  /* The name stays escaped: it goes back into a URI as it came. */
  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_PATH, NULL);
  if (parsed == NULL || g_strcmp0 (g_uri_get_scheme (parsed), "torrent") != 0
      || g_uri_get_host (parsed) == NULL)
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                   _("“%s” is not a torrent address (torrent://INFO-HASH/FILE-NUMBER)"), uri);
      return FALSE;
    }

  hash = g_ascii_strdown (g_uri_get_host (parsed), -1);
  if (!is_hex (hash, 40) && !is_hex (hash, 64))
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                   _("“%s” is not an info-hash (40 or 64 hexadecimal digits)"),
                   g_uri_get_host (parsed));
      return FALSE;
    }

  /* "/INDEX" or "/INDEX/NAME": the name is only a hint for typefinding and
   * for people reading the URI; the index says which file it is. */
  path = g_uri_get_path (parsed);
  name = path[0] == '/' ? strchr (path + 1, '/') : NULL;
  index_text = path[0] == '/' ? g_strndup (path + 1, name != NULL ? (gsize) (name - path - 1)
                                                                  : strlen (path + 1))
                              : NULL;
  if (index_text == NULL
      || !g_ascii_string_to_unsigned (index_text, 10, 0, G_MAXUINT, &index, NULL))
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                   _("“%s” names no file of the torrent (torrent://INFO-HASH/FILE-NUMBER)"), uri);
      return FALSE;
    }
  if (name != NULL)
    name++;

  GST_OBJECT_LOCK (self);
  g_free (self->uri);
  self->uri = build_uri (hash, (guint) index, name);
  g_free (self->info_hash);
  self->info_hash = g_steal_pointer (&hash);
  self->file_index = (guint) index;
  GST_OBJECT_UNLOCK (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URI]);
  return TRUE;
}

static GstURIType
uri_handler_get_type (GType type)
{
  return GST_URI_SRC;
}

static const char * const *
uri_handler_get_protocols (GType type)
{
  static const char * const protocols[] = { "torrent", NULL };

  return protocols;
}

static char *
uri_handler_get_uri (GstURIHandler *handler)
{
  TsTorrentSrc *self = TS_TORRENT_SRC (handler);
  char *uri;

  GST_OBJECT_LOCK (self);
  uri = g_strdup (self->uri);
  GST_OBJECT_UNLOCK (self);
  return uri;
}

static gboolean
uri_handler_set_uri (GstURIHandler  *handler,
                     const char     *uri,
                     GError        **error)
{
  return ts_torrent_src_set_uri (TS_TORRENT_SRC (handler), uri, error);
}

static void
ts_torrent_src_uri_handler_init (gpointer g_iface,
                                 gpointer iface_data)
{
  GstURIHandlerInterface *iface = g_iface;

  iface->get_type = uri_handler_get_type;
  iface->get_protocols = uri_handler_get_protocols;
  iface->get_uri = uri_handler_get_uri;
  iface->set_uri = uri_handler_set_uri;
}

char *
ts_torrent_src_uri_for (TsTorrentFile *file)
{
  g_autofree char *escaped = NULL;
  TsTorrent *torrent;

  g_return_val_if_fail (TS_IS_TORRENT_FILE (file), NULL);

  torrent = ts_torrent_file_get_torrent (file);
  g_return_val_if_fail (torrent != NULL, NULL);

  escaped = g_uri_escape_string (ts_torrent_file_get_name (file), NULL, FALSE);
  return build_uri (ts_torrent_get_info_hash (torrent), ts_torrent_file_get_index (file),
                    escaped);
}

/* Object --------------------------------------------------------------------- */

static void
ts_torrent_src_finalize (GObject *object)
{
  TsTorrentSrc *self = TS_TORRENT_SRC (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->reader);
  g_free (self->uri);
  g_free (self->info_hash);
  g_free (self->query_uri);

  G_OBJECT_CLASS (ts_torrent_src_parent_class)->finalize (object);
}

static void
ts_torrent_src_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_URI:
      g_value_take_string (value, uri_handler_get_uri (GST_URI_HANDLER (object)));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_torrent_src_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_URI:
      {
        g_autoptr(GError) error = NULL;

        if (!ts_torrent_src_set_uri (TS_TORRENT_SRC (object), g_value_get_string (value), &error))
          g_warning ("%s", error->message);
      }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_torrent_src_class_init (TsTorrentSrcClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *base_src_class = GST_BASE_SRC_CLASS (klass);

  object_class->finalize = ts_torrent_src_finalize;
  object_class->get_property = ts_torrent_src_get_property;
  object_class->set_property = ts_torrent_src_set_property;

  base_src_class->start = ts_torrent_src_start;
  base_src_class->stop = ts_torrent_src_stop;
  base_src_class->get_size = ts_torrent_src_get_size;
  base_src_class->is_seekable = ts_torrent_src_is_seekable;
  base_src_class->create = ts_torrent_src_create;
  base_src_class->unlock = ts_torrent_src_unlock;
  base_src_class->unlock_stop = ts_torrent_src_unlock_stop;
  base_src_class->event = ts_torrent_src_event;
  base_src_class->query = ts_torrent_src_query;

  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
                                         "TorrentStream torrent source",
                                         "Source/File",
                                         "Reads a file of a torrent while it downloads",
                                         "TorrentStream");

  GST_DEBUG_CATEGORY_INIT (ts_torrent_src_debug, "torrentsrc", 0, "TorrentStream torrent source");
}

static void
ts_torrent_src_init (TsTorrentSrc *self)
{
  self->cancellable = g_cancellable_new ();
  gst_base_src_set_blocksize (GST_BASE_SRC (self), DEFAULT_BLOCKSIZE);
}

gboolean
ts_torrent_src_register (void)
{
  return gst_element_register (NULL, "torrentsrc", GST_RANK_PRIMARY, TS_TYPE_TORRENT_SRC);
}
