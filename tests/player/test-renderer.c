/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which GSK renderer the app takes: cairo where GL is drawn in software,
 * unless the user chose one. Each case in a process of its own (GSK reads
 * GSK_RENDERER once), on a display (xvfb-run: Mesa's llvmpipe). */
#include "config.h"

#include <epoxy/gl.h>
#include <gtk/gtk.h>

#include "ts-renderer.h"

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

/* The GL_RENDERER of this display, or NULL without GL. */
static char *
display_gl_renderer (void)
{
  g_autoptr(GdkGLContext) context = NULL;
  char *renderer;

  context = gdk_display_create_gl_context (gdk_display_get_default (), NULL);
  if (context == NULL || !gdk_gl_context_realize (context, NULL))
    return NULL;
  gdk_gl_context_make_current (context);
  renderer = g_strdup ((const char *) glGetString (GL_RENDERER));
  gdk_gl_context_clear_current ();
  return renderer;
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

static void
test_software_gl (void)
{
  g_autofree char *renderer = display_gl_renderer ();

  if (renderer == NULL || !ts_renderer_is_software_gl (renderer))
    {
      g_test_skip_printf ("this display's GL is not drawn in software: %s",
                          renderer != NULL ? renderer : "no GL");
      return;
    }
  g_test_message ("GL_RENDERER: %s", renderer);

  g_assert_true (ts_renderer_avoid_software_gl (gdk_display_get_default ()));
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "cairo");
  g_assert_cmpstr (window_renderer (), ==, "GskCairoRenderer");
}

static void
test_user_choice (void)
{
  g_autofree char *renderer = display_gl_renderer ();

  if (renderer == NULL)
    {
      g_test_skip ("no GL on this display");
      return;
    }

  g_setenv ("GSK_RENDERER", "gl", TRUE);
  g_assert_false (ts_renderer_avoid_software_gl (gdk_display_get_default ()));
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "gl");
  g_assert_cmpstr (window_renderer (), ==, "GskGLRenderer");
}

int
main (int   argc,
      char *argv[])
{
  /* The test environment picks cairo and turns GL off for every test: not
   * here. */
  g_unsetenv ("GSK_RENDERER");
  g_unsetenv ("GDK_DEBUG");
  /* No session bus here for the accessibility bridge. */
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gtk_init ();

  g_test_add_func ("/player/renderer/names", test_names);
  g_test_add_func ("/player/renderer/software-gl", test_software_gl);
  g_test_add_func ("/player/renderer/user-choice", test_user_choice);
  return g_test_run ();
}
