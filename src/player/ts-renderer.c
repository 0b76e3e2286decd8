/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ts-player"

#include "config.h"

#include <epoxy/gl.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "ts-renderer.h"

/* A probe opens the display and loads its GL: 0.3 s. One that hangs (a
 * broken driver) must not keep the app from starting. */
#define PROBE_TIMEOUT_MS 5000

/* What ts_renderer_choose() changed, to give programs we start the
 * environment as the user set it. */
static gboolean chose_cairo;
static char *user_gdk_debug;

gboolean
ts_renderer_is_software_gl (const char *renderer)
{
  static const char * const software[] = { "llvmpipe", "softpipe", "swrast",
                                           "Software Rasterizer" };

  for (guint i = 0; renderer != NULL && i < G_N_ELEMENTS (software); i++)
    if (strstr (renderer, software[i]) != NULL)
      return TRUE;
  return FALSE;
}

int
ts_renderer_probe_main (void)
{
  g_autoptr(GdkGLContext) context = NULL;
  const char *renderer = NULL;

  if (!gtk_init_check ())
    return 1;

  context = gdk_display_create_gl_context (gdk_display_get_default (), NULL);
  if (context != NULL && gdk_gl_context_realize (context, NULL))
    {
      gdk_gl_context_make_current (context);
      renderer = (const char *) glGetString (GL_RENDERER);
    }
  g_print ("%s\n", renderer != NULL ? renderer : "");
  return 0;
}

/* One answer per display the user runs the app on: the display's name,
 * escaped to be a file name. NULL without a display. */
static char *
cache_path (void)
{
  const char *backend = g_getenv ("GDK_BACKEND");
  const char *wayland = g_getenv ("WAYLAND_DISPLAY");
  const char *x11 = g_getenv ("DISPLAY");
  g_autofree char *key = NULL;
  g_autofree char *name = NULL;

  if ((wayland == NULL || *wayland == '\0') && (x11 == NULL || *x11 == '\0'))
    return NULL;
  key = g_strdup_printf ("%s %s %s", backend != NULL ? backend : "",
                         wayland != NULL ? wayland : "", x11 != NULL ? x11 : "");
  name = g_uri_escape_string (key, NULL, FALSE);
  return g_build_filename (g_get_user_cache_dir (), "torrentstream", "gl-renderer", name, NULL);
}

static gboolean
cache_store (const char  *path,
             const char  *renderer,
             GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not make the folder %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  return g_file_set_contents (path, renderer, -1, error);
}

static void
probe_communicate_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GSubprocess *subprocess = G_SUBPROCESS (source);
  g_autoptr(GTask) task = user_data;
  g_autofree char *output = NULL;
  GError *error = NULL;

  if (!g_subprocess_communicate_utf8_finish (subprocess, result, &output, NULL, &error))
    {
      g_subprocess_force_exit (subprocess);
      g_task_return_error (task, error);
      return;
    }
  if (!g_subprocess_get_successful (subprocess) || output == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The program that looks at the display’s OpenGL failed"));
      return;
    }

  output[strcspn (output, "\n")] = '\0';
  g_task_return_pointer (task, g_steal_pointer (&output), g_free);
}

/* Runs @argv (a program answering TS_RENDERER_PROBE_ARG) with the
 * environment the user set, and returns its GL_RENDERER ("" without GL). */
static void
probe_async (const char * const  *argv,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, probe_async);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  if (chose_cairo)
    {
      g_subprocess_launcher_unsetenv (launcher, "GSK_RENDERER");
      if (user_gdk_debug != NULL)
        g_subprocess_launcher_setenv (launcher, "GDK_DEBUG", user_gdk_debug, TRUE);
      else
        g_subprocess_launcher_unsetenv (launcher, "GDK_DEBUG");
    }
  /* It shows nothing: no accessibility bus to connect to. */
  g_subprocess_launcher_setenv (launcher, "GTK_A11Y", "none", TRUE);

  subprocess = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (subprocess == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_subprocess_communicate_utf8_async (subprocess, NULL, cancellable, probe_communicate_cb,
                                       g_steal_pointer (&task));
}

static char *
probe_finish (GAsyncResult  *result,
              GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
probe_timeout_cb (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return G_SOURCE_REMOVE;
}

static void
probe_sync_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static char *
probe_sync (const char * const  *argv,
            GError             **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSource) timeout = g_timeout_source_new (PROBE_TIMEOUT_MS);
  g_autoptr(GAsyncResult) result = NULL;
  char *renderer;

  g_main_context_push_thread_default (context);
  g_source_set_callback (timeout, probe_timeout_cb, cancellable, NULL);
  g_source_attach (timeout, context);
  probe_async (argv, cancellable, probe_sync_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  renderer = probe_finish (result, error);
  g_main_context_pop_thread_default (context);
  return renderer;
}

static gboolean
user_disabled_gl (void)
{
  const char *debug = g_getenv ("GDK_DEBUG");

  return debug != NULL && strstr (debug, "gl-disable") != NULL;
}

gboolean
ts_renderer_choose (const char * const *probe_argv,
                    gboolean           *from_cache)
{
  g_autofree char *path = NULL;
  g_autofree char *renderer = NULL;
  g_autofree char *gdk_debug = NULL;
  g_autoptr(GError) error = NULL;
  const char *user_debug;

  g_return_val_if_fail (probe_argv != NULL && probe_argv[0] != NULL, FALSE);

  if (from_cache != NULL)
    *from_cache = FALSE;
  if (chose_cairo || g_getenv ("GSK_RENDERER") != NULL || user_disabled_gl ())
    return FALSE;
  /* Without a display GTK says so itself. */
  path = cache_path ();
  if (path == NULL)
    return FALSE;

  /* A few bytes, before the display opens. */
  if (g_file_get_contents (path, &renderer, NULL, NULL))
    {
      if (from_cache != NULL)
        *from_cache = TRUE;
    }
  else
    {
      renderer = probe_sync (probe_argv, &error);
      if (renderer == NULL)
        {
          g_debug ("Could not tell which GL the display has: %s", error->message);
          return FALSE;
        }
      if (!cache_store (path, renderer, &error))
        g_debug ("Could not remember the display's GL: %s", error->message);
    }

  if (!ts_renderer_is_software_gl (renderer))
    return FALSE;

  /* GDK reads GDK_DEBUG when it starts, GSK GSK_RENDERER when it makes the
   * first window's renderer. */
  g_debug ("GL is drawn in software (%s): using the cairo renderer, no GL", renderer);
  user_debug = g_getenv ("GDK_DEBUG");
  user_gdk_debug = g_strdup (user_debug);
  gdk_debug = user_debug != NULL && *user_debug != '\0'
              ? g_strconcat (user_debug, ",gl-disable", NULL)
              : g_strdup ("gl-disable");
  g_setenv ("GDK_DEBUG", gdk_debug, TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  chose_cairo = TRUE;
  return TRUE;
}

typedef struct {
  char *path;
  char *renderer;
} Refresh;

static void
refresh_free (Refresh *refresh)
{
  g_free (refresh->path);
  g_free (refresh->renderer);
  g_free (refresh);
}

static void
refresh_store_thread (GTask        *task,
                      gpointer      source,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  Refresh *refresh = task_data;
  GError *error = NULL;

  if (!cache_store (refresh->path, refresh->renderer, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
refresh_probe_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Refresh *refresh = g_task_get_task_data (task);
  GError *error = NULL;

  refresh->renderer = probe_finish (result, &error);
  if (refresh->renderer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_run_in_thread (task, refresh_store_thread);
}

void
ts_renderer_refresh_async (const char * const  *probe_argv,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Refresh *refresh;

  g_return_if_fail (probe_argv != NULL && probe_argv[0] != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_renderer_refresh_async);
  refresh = g_new0 (Refresh, 1);
  refresh->path = cache_path ();
  g_task_set_task_data (task, refresh, (GDestroyNotify) refresh_free);
  if (refresh->path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("There is no display to look at"));
      return;
    }
  probe_async (probe_argv, cancellable, refresh_probe_cb, g_steal_pointer (&task));
}

gboolean
ts_renderer_refresh_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ts_renderer_restore_environment (GAppLaunchContext *context)
{
  g_return_if_fail (G_IS_APP_LAUNCH_CONTEXT (context));

  if (!chose_cairo)
    return;
  g_app_launch_context_unsetenv (context, "GSK_RENDERER");
  if (user_gdk_debug != NULL)
    g_app_launch_context_setenv (context, "GDK_DEBUG", user_gdk_debug);
  else
    g_app_launch_context_unsetenv (context, "GDK_DEBUG");
}
