/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <locale.h>

#include "ui-test-util.h"

/* The system data folders, from before the test isolated them. */
static GStrv system_data_dirs;

void
ui_test_init (int    *argc,
              char ***argv)
{
  g_autofree char *svg_type = NULL;

  system_data_dirs = g_strdupv ((char **) g_get_system_data_dirs ());
  svg_type = g_content_type_guess ("icon.svg", NULL, 0, NULL);

  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  setlocale (LC_ALL, "");

  gtk_init ();
  adw_init ();
}

void
ui_test_use_system_icons (void)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());

  for (guint i = 0; system_data_dirs != NULL && system_data_dirs[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (system_data_dirs[i], "icons", NULL);

      gtk_icon_theme_add_search_path (theme, path);
    }
}
