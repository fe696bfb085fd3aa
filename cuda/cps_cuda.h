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
  CPS_KERNEL_CAMERA_DOWNSCALE,
  CPS_KERNEL_CAMERA_DIFFERENCES,
  CPS_KERNEL_CAMERA_CELL_MAPS,
  CPS_KERNEL_CAMERA_SQUARE,
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
/* A device → device copy of @height rows of @width bytes between pitched
 * buffers. */
gboolean cps_cuda_copy_2d (CpsCuda * cuda, CUdeviceptr dst, gsize dst_pitch,
    CUdeviceptr src, gsize src_pitch, gsize width, gsize height);

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

/* The camera model's per-pixel stage on the device (cps_compute_cuda.c),
 * for cps_camera_model_new_with_pixels with a CpsCudaCamera as @impl: the
 * three frame slots are device copies of the Y planes (store() takes a
 * device pointer and its pitch), the differences, the cell maps and the
 * closing run as kernels, the noise level on the host from a downloaded
 * histogram; the maps written are device pointers. */
typedef struct _CpsCudaCamera CpsCudaCamera;
CpsCudaCamera *cps_cuda_camera_new (CpsCuda * cuda, int full_width,
    int full_height, int width, int height);
void cps_cuda_camera_free (CpsCudaCamera * camera);
extern const CpsCameraPixels cps_cuda_camera_pixels;

G_END_DECLS
#endif
