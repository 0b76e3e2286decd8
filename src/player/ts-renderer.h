/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The argument that makes a program's main() answer a probe: it returns
 * ts_renderer_probe_main() when its only argument is this. */
#define TS_RENDERER_PROBE_ARG "--ts-probe-gl-renderer"

/* Whether @renderer (GL_RENDERER) names a GL that draws on the CPU. */
gboolean ts_renderer_is_software_gl (const char *renderer);

/* The probe: opens the display, prints its GL_RENDERER on a line of its
 * own (an empty line without GL) and returns the exit status. */
int      ts_renderer_probe_main     (void);

/* Call before GTK opens the display. Where GL is drawn in software
 * (llvmpipe, softpipe: a virtual machine, a desktop without a GPU driver)
 * GTK 4.8's GL renderer costs about twice the CPU of cairo while the window
 * plays a 720p film (play-bench), and loading the software GL alone costs
 * ~65 MB (browse-bench): then the cairo renderer is set and GDK's GL turned
 * off. A renderer the user chose (GSK_RENDERER, GDK_DEBUG=gl-disable) is
 * left alone.
 *
 * Which GL a display has is asked in another process, @probe_argv (a
 * program that answers TS_RENDERER_PROBE_ARG), so that this one never
 * loads a GL it does not use; the answer is remembered per display in the
 * user's cache. When it came from there, *@from_cache is set: call
 * ts_renderer_refresh_async() once the window is up, so a new GPU driver is
 * seen on the next start. TRUE when it chose cairo. */
gboolean ts_renderer_choose         (const char * const *probe_argv,
                                     gboolean           *from_cache);

void     ts_renderer_refresh_async  (const char * const *probe_argv,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data);
gboolean ts_renderer_refresh_finish (GAsyncResult       *result,
                                     GError            **error);

/* Programs this one starts get the environment as the user set it, not
 * the renderer chosen here (a file manager, another player). */
void     ts_renderer_restore_environment (GAppLaunchContext *context);

G_END_DECLS
