/* cps — what the GPU tests share: the device (real, or the kernels'
 * CPU emulation), the reason to skip when there is none, and the test
 * path prefix that says which of the two ran.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef CPS_GPU_TEST_H
#define CPS_GPU_TEST_H

#include <glib.h>
#include "cps_cuda.h"

#ifdef CPS_KERNELS_EMULATED
#define GPU_TEST_PREFIX "/kernels-on-cpu"
#else
#define GPU_TEST_PREFIX "/gpu"
#endif

static CpsCuda *cuda;
static gchar *no_gpu_reason;

/* Initialises GStreamer and opens device 0, or says why not. */
static inline void
gpu_test_open (void)
{
  GError *error = NULL;

  gst_init (NULL, NULL);
  cuda = cps_cuda_open (0, NULL, &error);
  if (!cuda) {
    no_gpu_reason = g_strdup_printf ("no GPU here: %s", error->message);
    g_clear_error (&error);
  }
}

static inline void
gpu_test_close (void)
{
  cps_cuda_close (cuda);
  g_free (no_gpu_reason);
}

#endif
