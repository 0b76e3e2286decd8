/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>

#include "player-test-util.h"

static char *test_dir;

void
player_test_make_media (const char *description,
                        const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *launch = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstMessage) message = NULL;

  g_auto(GStrv) parts = g_strsplit (description, "@PATH@", -1);

  launch = g_strjoinv (path, parts);
  pipeline = gst_parse_launch (launch, &error);
  g_assert_no_error (error);
  gst_object_ref_sink (pipeline);

  bus = gst_element_get_bus (pipeline);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  message = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
                                        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (message == NULL)
    g_error ("Making %s took more than 60 s", path);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) gst_error = NULL;

      gst_message_parse_error (message, &gst_error, NULL);
      g_error ("Making %s failed: %s", path, gst_error->message);
    }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

static gboolean
timeout_cb (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
player_test_wait (gboolean (*condition) (gpointer data),
                  gpointer   data,
                  guint      timeout_ms)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  gboolean timed_out = FALSE;
  GSource *timeout;

  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);

  return condition (data);
}

void
player_test_assert_finalized (gpointer object)
{
  gpointer weak = object;
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);

  while (weak != NULL && g_get_monotonic_time () < deadline)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10 * 1000);
    }

  if (weak != NULL)
    g_error ("%s %p was not finalized (%u references left)",
             G_OBJECT_TYPE_NAME (weak), weak, G_OBJECT (weak)->ref_count);
}

const char *
player_test_dir (void)
{
  if (test_dir == NULL)
    {
      g_autoptr(GError) error = NULL;

      test_dir = g_dir_make_tmp ("ts-player-test-XXXXXX", &error);
      g_assert_no_error (error);
    }
  return test_dir;
}

void
player_test_cleanup (void)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (test_dir == NULL)
    return;

  dir = g_dir_open (test_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (test_dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (test_dir);
  g_clear_pointer (&test_dir, g_free);
}
