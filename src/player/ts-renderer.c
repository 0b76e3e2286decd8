/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ts-player"

#include "config.h"

#include <epoxy/gl.h>
#include <string.h>

#include "ts-renderer.h"

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

gboolean
ts_renderer_avoid_software_gl (GdkDisplay *display)
{
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *renderer = NULL;

  g_return_val_if_fail (GDK_IS_DISPLAY (display), FALSE);

  if (g_getenv ("GSK_RENDERER") != NULL)
    return FALSE;

  /* Without GL at all GTK takes cairo by itself. */
  context = gdk_display_create_gl_context (display, &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    {
      g_debug ("No GL to look at: %s", error->message);
      return FALSE;
    }
  gdk_gl_context_make_current (context);
  renderer = g_strdup ((const char *) glGetString (GL_RENDERER));
  gdk_gl_context_clear_current ();

  if (!ts_renderer_is_software_gl (renderer))
    return FALSE;

  /* GSK reads it when it makes the first window's renderer. */
  g_debug ("GL is drawn in software (%s): using the cairo renderer", renderer);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  return TRUE;
}
