/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "ts-application.h"
#include "ts-headless.h"
#include "ts-renderer.h"

/* --headless and --serve must be seen before GTK starts: those modes need
 * no display. */
static gboolean
wants_headless (int    argc,
                char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_strcmp0 (argv[i], "--") == 0)
        break;
      if (g_strcmp0 (argv[i], "--headless") == 0
          || g_strcmp0 (argv[i], "--serve") == 0
          || g_str_has_prefix (argv[i], "--serve="))
        return TRUE;
    }

  return FALSE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TsApplication) app = NULL;

#ifdef __GLIBC__
  /* Posters and video frames are large buffers made and freed all the
   * time, many on worker threads. glibc raises its mmap threshold after
   * the first such free, and from then on they come from the heaps, where
   * freed memory is seldom given back: RSS kept growing while scrolling a
   * long catalog. A fixed threshold keeps them mmapped. */
  mallopt (M_MMAP_THRESHOLD, 64 * 1024);
#endif

  /* Asked by the app itself, in a process of its own (ts-renderer.h). */
  if (argc == 2 && g_strcmp0 (argv[1], TS_RENDERER_PROBE_ARG) == 0)
    return ts_renderer_probe_main ();

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (wants_headless (argc, argv))
    {
      g_set_prgname ("torrentstream");
      return ts_headless_main (argc, argv);
    }

  g_set_application_name (_("TorrentStream"));
  app = ts_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
