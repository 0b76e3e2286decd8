/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which GSK renderer the app takes: cairo, and no GL at all, where GL is
 * drawn in software, unless the user chose one; what the display has is
 * asked in a probe process and remembered. Each case in a process of its
 * own (GDK and GSK read their variables once), on a display (xvfb-run:
 * Mesa's llvmpipe), with its own XDG_CACHE_HOME. */
#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "ts-renderer.h"

/* This test answers the probe itself (main()), as the app does. */
static const char *probe_argv[] = { NULL, TS_RENDERER_PROBE_ARG, NULL };

static void
test_names (void)
{
  g_assert_true (ts_renderer_is_software_gl ("llvmpipe (LLVM 15.0.6, 256 bits)"));
  g_assert_true (ts_renderer_is_software_gl ("softpipe"));
  g_assert_true (ts_renderer_is_software_gl ("Mesa X11 (swrast)"));
  g_assert_false (ts_renderer_is_software_gl ("Mesa Intel(R) UHD Graphics 620 (KBL GT2)"));
  g_assert_false (ts_renderer_is_software_gl ("AMD Radeon RX 6600 (navi23, LLVM 15.0.6, DRM 3.49)"));
  g_assert_false (ts_renderer_is_software_gl (NULL));
}

/* What @program answers the probe: one line, without its newline. */
static char *
probe_answer (const char *program)
{
  const char *argv[] = { program, TS_RENDERER_PROBE_ARG, NULL };
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &output, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strchr (output, '\n'));
  *strchr (output, '\n') = '\0';
  return g_steal_pointer (&output);
}

/* The display's GL_RENDERER, asked the way the app asks ("" without GL),
 * so that this process loads no GL either. */
static char *
display_gl_renderer (void)
{
  return probe_answer (probe_argv[0]);
}

/* The one answer remembered (XDG_CACHE_HOME is this test's), or NULL. */
static char *
remembered (void)
{
  g_autofree char *folder = g_build_filename (g_get_user_cache_dir (), "torrentstream",
                                              "gl-renderer", NULL);
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  g_autofree char *path = NULL;
  const char *name;
  char *contents = NULL;

  if (dir == NULL || (name = g_dir_read_name (dir)) == NULL)
    return NULL;
  path = g_build_filename (folder, name, NULL);
  g_assert_null (g_dir_read_name (dir));
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  return contents;
}

static const char *
window_renderer (void)
{
  GtkWidget *window = gtk_window_new ();
  const char *name;

  gtk_widget_realize (window);
  name = G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window)));
  gtk_window_destroy (GTK_WINDOW (window));
  return name;
}

static gboolean
gl_library_loaded (void)
{
  g_autofree char *maps = NULL;

  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  /* Mesa's drivers, and the LLVM that llvmpipe compiles with. */
  return strstr (maps, "_dri.so") != NULL || strstr (maps, "libLLVM") != NULL;
}

static void
test_software_gl (void)
{
  g_autofree char *renderer = display_gl_renderer ();
  g_autofree char *saved = NULL;
  g_autoptr(GAppLaunchContext) context = NULL;
  g_auto(GStrv) environment = NULL;
  g_autoptr(GError) error = NULL;
  gboolean from_cache = TRUE;

  if (!ts_renderer_is_software_gl (renderer))
    {
      g_test_skip_printf ("this display's GL is not drawn in software: “%s”", renderer);
      return;
    }
  g_test_message ("GL_RENDERER: %s", renderer);

  g_assert_true (ts_renderer_choose (probe_argv, &from_cache));
  g_assert_false (from_cache);
  saved = remembered ();
  g_assert_cmpstr (saved, ==, renderer);
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "cairo");
  g_assert_cmpstr (g_getenv ("GDK_DEBUG"), ==, "gl-disable");

  gtk_init ();
  g_assert_cmpstr (window_renderer (), ==, "GskCairoRenderer");
  g_assert_null (gdk_display_create_gl_context (gdk_display_get_default (), &error));
  g_assert_nonnull (error);
  g_assert_false (gl_library_loaded ());

  /* Programs the app starts get the user's environment. */
  context = G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (gdk_display_get_default ()));
  ts_renderer_restore_environment (context);
  environment = g_app_launch_context_get_environment (context);
  g_assert_null (g_environ_getenv (environment, "GSK_RENDERER"));
  g_assert_null (g_environ_getenv (environment, "GDK_DEBUG"));
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
refresh (const char * const  *argv,
         GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ts_renderer_refresh_async (argv, NULL, refreshed_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return ts_renderer_refresh_finish (result, error);
}

static void
test_remembered (void)
{
  const char * const software[] = { "/bin/sh", "-c", "echo 'llvmpipe (LLVM 15.0.6, 256 bits)'", NULL };
  const char * const hardware[] = { "/bin/sh", "-c", "echo 'AMD Radeon RX 6600'", NULL };
  const char * const failing[] = { "/bin/false", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;
  gboolean from_cache = FALSE;

  g_assert_true (refresh (software, &error));
  g_assert_no_error (error);
  saved = remembered ();
  g_assert_cmpstr (saved, ==, "llvmpipe (LLVM 15.0.6, 256 bits)");

  /* The answer remembered is taken without asking again: this probe fails. */
  g_assert_true (ts_renderer_choose (failing, &from_cache));
  g_assert_true (from_cache);
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "cairo");

  /* A probe that fails changes nothing; a new answer replaces the old. */
  g_assert_false (refresh (failing, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_clear_pointer (&saved, g_free);
  saved = remembered ();
  g_assert_cmpstr (saved, ==, "llvmpipe (LLVM 15.0.6, 256 bits)");

  g_assert_true (refresh (hardware, &error));
  g_assert_no_error (error);
  g_clear_pointer (&saved, g_free);
  saved = remembered ();
  g_assert_cmpstr (saved, ==, "AMD Radeon RX 6600");
}

static void
test_probe_fails (void)
{
  const char * const failing[] = { "/bin/false", NULL };
  const char * const hanging[] = { "/bin/sh", "-c", "exec sleep 60", NULL };
  gboolean from_cache = TRUE;
  gint64 start;

  /* Nothing is known then, and nothing is remembered: GTK chooses. */
  g_assert_false (ts_renderer_choose (failing, &from_cache));
  g_assert_false (from_cache);
  g_assert_null (g_getenv ("GSK_RENDERER"));
  g_assert_null (remembered ());

  /* A probe that hangs (a broken driver) does not hold the start for long. */
  start = g_get_monotonic_time ();
  g_assert_false (ts_renderer_choose (hanging, &from_cache));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_null (g_getenv ("GSK_RENDERER"));
  g_assert_null (remembered ());
}

static void
test_user_choice (void)
{
  g_autofree char *renderer = display_gl_renderer ();

  if (*renderer == '\0')
    {
      g_test_skip ("no GL on this display");
      return;
    }

  g_setenv ("GSK_RENDERER", "gl", TRUE);
  g_assert_false (ts_renderer_choose (probe_argv, NULL));
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "gl");
  g_assert_null (g_getenv ("GDK_DEBUG"));
  /* Not even asked. */
  g_assert_null (remembered ());

  gtk_init ();
  g_assert_cmpstr (window_renderer (), ==, "GskGLRenderer");
}

/* The app answers the probe it starts (main.c). */
static void
test_app_probe (void)
{
  g_autofree char *app = g_build_filename (g_getenv ("TS_BUILD_ROOT"), "src", "torrentstream", NULL);
  g_autofree char *ours = display_gl_renderer ();
  g_autofree char *answer = probe_answer (app);

  g_assert_cmpstr (answer, ==, ours);
}

static void
test_user_disabled_gl (void)
{
  g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
  g_assert_false (ts_renderer_choose (probe_argv, NULL));
  g_assert_null (g_getenv ("GSK_RENDERER"));
  g_assert_null (remembered ());
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 2 && g_strcmp0 (argv[1], TS_RENDERER_PROBE_ARG) == 0)
    return ts_renderer_probe_main ();

  /* The test environment picks cairo and turns GL off for every test: not
   * here. */
  g_unsetenv ("GSK_RENDERER");
  g_unsetenv ("GDK_DEBUG");
  /* No session bus here for the accessibility bridge. */
  g_setenv ("GTK_A11Y", "none", TRUE);
  probe_argv[0] = "/proc/self/exe";
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/player/renderer/names", test_names);
  g_test_add_func ("/player/renderer/software-gl", test_software_gl);
  g_test_add_func ("/player/renderer/remembered", test_remembered);
  g_test_add_func ("/player/renderer/probe-fails", test_probe_fails);
  g_test_add_func ("/player/renderer/user-choice", test_user_choice);
  g_test_add_func ("/player/renderer/app-probe", test_app_probe);
  g_test_add_func ("/player/renderer/user-disabled-gl", test_user_disabled_gl);
  return g_test_run ();
}
