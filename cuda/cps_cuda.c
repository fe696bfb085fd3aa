/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cps_cuda.h"

#include <gst/cuda/gstcudautils.h>

/* cps_kernels.fatbin, embedded by cuda/embed.py */
extern const unsigned char cps_kernels_fatbin[];
extern const size_t cps_kernels_fatbin_size;

static const gchar *kernel_names[CPS_N_KERNELS] = {
  "cpsk_downscale_luma", "cpsk_motion_residual", "cpsk_energy_fuse",
  "cpsk_scores_columns", "cpsk_scores_rows", "cpsk_resize_to_rgb",
  "cpsk_extract_patches", "cpsk_camera_downscale", "cpsk_camera_differences",
  "cpsk_camera_cell_maps", "cpsk_camera_square",
};

struct _CpsCuda {
  GstCudaContext *context;
  CUmodule module;
  CUfunction functions[CPS_N_KERNELS];
};

static gboolean
check (CUresult result, const gchar * what, GError ** error)
{
  const gchar *name = NULL;

  if (result == CUDA_SUCCESS)
    return TRUE;
  CuGetErrorName (result, &name);
  g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_FAILED,
      "%s failed: %s", what, name ? name : "unknown CUDA error");
  return FALSE;
}

CpsCuda *
cps_cuda_open (gint device_id, GstCudaContext * context, GError ** error)
{
  CpsCuda *cuda;
  gboolean ok;

  if (!gst_cuda_load_library ()) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT,
        "no CUDA driver on this host (libcuda.so.1 could not be loaded)");
    return NULL;
  }
  cuda = g_new0 (CpsCuda, 1);
  cuda->context = context ? gst_object_ref (context) :
      gst_cuda_context_new (MAX (device_id, 0));
  if (!cuda->context) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT,
        "no CUDA device %d", MAX (device_id, 0));
    g_free (cuda);
    return NULL;
  }
  if (!gst_cuda_context_push (cuda->context)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT,
        "could not make the CUDA context current");
    cps_cuda_close (cuda);
    return NULL;
  }
  ok = check (CuModuleLoadData (&cuda->module, cps_kernels_fatbin),
      "loading the cps kernels (no binary for this GPU's architecture?)",
      error);
  for (guint k = 0; ok && k < CPS_N_KERNELS; k++)
    ok = check (CuModuleGetFunction (&cuda->functions[k], cuda->module,
            kernel_names[k]), kernel_names[k], error);
  gst_cuda_context_pop (NULL);
  if (!ok) {
    cps_cuda_close (cuda);
    return NULL;
  }
  return cuda;
}

void
cps_cuda_close (CpsCuda * cuda)
{
  if (!cuda)
    return;
  if (cuda->module && gst_cuda_context_push (cuda->context)) {
    CuModuleUnload (cuda->module);
    gst_cuda_context_pop (NULL);
  }
  gst_clear_object (&cuda->context);
  g_free (cuda);
}

GstCudaContext *
cps_cuda_get_context (CpsCuda * cuda)
{
  return cuda->context;
}

CUdeviceptr
cps_cuda_alloc (CpsCuda * cuda, gsize size)
{
  CUdeviceptr ptr = 0;

  if (gst_cuda_context_push (cuda->context)) {
    if (CuMemAlloc (&ptr, MAX (size, 1)) != CUDA_SUCCESS)
      ptr = 0;
    gst_cuda_context_pop (NULL);
  }
  return ptr;
}

void
cps_cuda_free (CpsCuda * cuda, CUdeviceptr ptr)
{
  if (ptr && gst_cuda_context_push (cuda->context)) {
    CuMemFree (ptr);
    gst_cuda_context_pop (NULL);
  }
}

/* @height rows of @width bytes, with the memory types and pitches given;
 * one row is the 1-D copy the 1.22 loader lacks. */
static gboolean
copy_rows (CpsCuda * cuda, CUDA_MEMCPY2D * p, gsize width, gsize height)
{
  gboolean ok;

  if (width == 0 || height == 0)
    return TRUE;
  p->WidthInBytes = width;
  p->Height = height;
  if (!gst_cuda_context_push (cuda->context))
    return FALSE;
  ok = CuMemcpy2D (p) == CUDA_SUCCESS;
  gst_cuda_context_pop (NULL);
  return ok;
}

gboolean
cps_cuda_upload (CpsCuda * cuda, CUdeviceptr dst, gconstpointer src,
    gsize size)
{
  CUDA_MEMCPY2D p = { 0 };

  p.srcMemoryType = CU_MEMORYTYPE_HOST;
  p.srcHost = src;
  p.srcPitch = size;
  p.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  p.dstDevice = dst;
  p.dstPitch = size;
  return copy_rows (cuda, &p, size, 1);
}

gboolean
cps_cuda_download (CpsCuda * cuda, gpointer dst, CUdeviceptr src, gsize size)
{
  CUDA_MEMCPY2D p = { 0 };

  p.srcMemoryType = CU_MEMORYTYPE_DEVICE;
  p.srcDevice = src;
  p.srcPitch = size;
  p.dstMemoryType = CU_MEMORYTYPE_HOST;
  p.dstHost = dst;
  p.dstPitch = size;
  return copy_rows (cuda, &p, size, 1);
}

gboolean
cps_cuda_copy_2d (CpsCuda * cuda, CUdeviceptr dst, gsize dst_pitch,
    CUdeviceptr src, gsize src_pitch, gsize width, gsize height)
{
  CUDA_MEMCPY2D p = { 0 };

  p.srcMemoryType = CU_MEMORYTYPE_DEVICE;
  p.srcDevice = src;
  p.srcPitch = src_pitch;
  p.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  p.dstDevice = dst;
  p.dstPitch = dst_pitch;
  return copy_rows (cuda, &p, width, height);
}

gboolean
cps_cuda_launch (CpsCuda * cuda, CpsKernel kernel, guint width, guint height,
    CUstream stream, void **args)
{
  guint bx = height > 1 ? 16 : 256, by = height > 1 ? 16 : 1;
  gboolean ok;

  if (width == 0 || height == 0)
    return TRUE;
  if (!gst_cuda_context_push (cuda->context))
    return FALSE;
  ok = CuLaunchKernel (cuda->functions[kernel], (width + bx - 1) / bx,
      (height + by - 1) / by, 1, bx, by, 1, 0, stream, args,
      NULL) == CUDA_SUCCESS;
  gst_cuda_context_pop (NULL);
  return ok;
}

gboolean
cps_cuda_synchronize (CpsCuda * cuda, CUstream stream)
{
  gboolean ok;

  if (!gst_cuda_context_push (cuda->context))
    return FALSE;
  ok = CuStreamSynchronize (stream) == CUDA_SUCCESS;
  gst_cuda_context_pop (NULL);
  return ok;
}
