/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Host side of the CUDA kernels: loading the embedded module through
 * libgstcuda's loader (libcuda is dlopened, never linked, so everything
 * here fails cleanly on a host without a driver), copies and launches.
 */
#ifndef __CPS_CUDA_H__
#define __CPS_CUDA_H__

#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API
#endif
#include <gst/gst.h>
#include <gst/cuda/gstcudaloader.h>
#include <gst/cuda/gstcudacontext.h>

#include "cps_compute.h"

G_BEGIN_DECLS

typedef struct _CpsCuda CpsCuda;

/* The kernels of cuda/cps_kernels.cu, by name. */
typedef enum {
  CPS_KERNEL_DOWNSCALE_LUMA,
  CPS_KERNEL_MOTION_RESIDUAL,
  CPS_KERNEL_ENERGY_FUSE,
  CPS_KERNEL_SCORES_COLUMNS,
  CPS_KERNEL_SCORES_ROWS,
  CPS_KERNEL_RESIZE_TO_RGB,
  CPS_KERNEL_EXTRACT_PATCHES,
  CPS_N_KERNELS
} CpsKernel;

/* Loads libcuda (through gst_cuda_load_library), opens @device_id (or
 * wraps @context when not NULL) and loads the kernels.  NULL with
 * @error set where there is no driver, no such device, or no binary for
 * its architecture. */
CpsCuda *cps_cuda_open (gint device_id, GstCudaContext * context,
    GError ** error);
void cps_cuda_close (CpsCuda * cuda);
GstCudaContext *cps_cuda_get_context (CpsCuda * cuda);

/* Device memory, and 1-D copies (the 1.22 loader has only cuMemcpy2D);
 * the calls push the context themselves. */
CUdeviceptr cps_cuda_alloc (CpsCuda * cuda, gsize size);
void cps_cuda_free (CpsCuda * cuda, CUdeviceptr ptr);
gboolean cps_cuda_upload (CpsCuda * cuda, CUdeviceptr dst, gconstpointer src,
    gsize size);
gboolean cps_cuda_download (CpsCuda * cuda, gpointer dst, CUdeviceptr src,
    gsize size);

/* Launches @kernel over @width × @height threads (16 × 16 blocks; a
 * height of 1 gives 256-thread 1-D blocks) on @stream, with the kernel's
 * arguments as pointers to their values. */
gboolean cps_cuda_launch (CpsCuda * cuda, CpsKernel kernel, guint width,
    guint height, CUstream stream, void **args);
gboolean cps_cuda_synchronize (CpsCuda * cuda, CUstream stream);

/* The compute interface over device memory (cps_compute_cuda.c): the
 * geometries' and energy_fuse's @device is a CpsCuda; images, maps, energy
 * and extracted patches are device pointers. */
extern const CpsComputeOps cps_compute_cuda;

G_END_DECLS
#endif
