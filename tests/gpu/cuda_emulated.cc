/* cps — the CUDA kernels run on the CPU: cuda/cps_kernels.cu compiled as
 * C++ with the CUDA built-ins emulated, behind the same cps_cuda_* calls
 * as cuda/cps_cuda.c.  Linked with test_gpu_parity.c it checks the
 * kernels' indexing, bounds and arithmetic against common/ on any machine;
 * the real GPU run then checks the toolchain, the driver and the hardware.
 * Device pointers are host pointers here; launches walk the same grid of
 * 16 × 16 (or 256 × 1) blocks the GPU gets.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

/* ---- the CUDA built-ins the kernels use --------------------------------- */

struct EmulatedDim {
  unsigned x, y, z;
};
static EmulatedDim blockIdx, blockDim, threadIdx;

#define __global__
#define __device__

static inline float
__int_as_float (int i)
{
  float f;

  memcpy (&f, &i, sizeof f);
  return f;
}

static inline float
__uint_as_float (unsigned u)
{
  float f;

  memcpy (&f, &u, sizeof f);
  return f;
}

static inline unsigned
__float_as_uint (float f)
{
  unsigned u;

  memcpy (&u, &f, sizeof u);
  return u;
}

/* one thread at a time here, so a plain add is atomic */
static inline unsigned
atomicAdd (unsigned *address, unsigned value)
{
  unsigned old = *address;

  *address = old + value;
  return old;
}

#include "../../cuda/cps_kernels.cu"

/* ---- cps_cuda.h over host memory ---------------------------------------- */

#include "cps_cuda.h"

struct _CpsCuda {
  int unused;
};

/* Calls @f with its parameters read from @args, as cuLaunchKernel does. */
template < typename ... P, std::size_t ... I >
    static void
call_with (void (*f) (P ...), void **args, std::index_sequence < I ... >)
{
  f (*static_cast < P * >(args[I])...);
}

template < typename ... P > static void
launch_grid (void (*f) (P ...), unsigned width, unsigned height, void **args)
{
  unsigned bx = height > 1 ? 16 : 256, by = height > 1 ? 16 : 1;

  blockDim = { bx, by, 1 };
  for (unsigned gy = 0; gy < (height + by - 1) / by; gy++)
    for (unsigned gx = 0; gx < (width + bx - 1) / bx; gx++)
      for (unsigned ty = 0; ty < by; ty++)
        for (unsigned tx = 0; tx < bx; tx++) {
          blockIdx = { gx, gy, 0 };
          threadIdx = { tx, ty, 0 };
          call_with (f, args, std::index_sequence_for < P ... >{});
        }
}

extern "C" {

CpsCuda *
cps_cuda_open (gint device_id, GstCudaContext * context, GError ** error)
{
  return new CpsCuda ();
}

void
cps_cuda_close (CpsCuda * cuda)
{
  delete cuda;
}

GstCudaContext *
cps_cuda_get_context (CpsCuda * cuda)
{
  return NULL;
}

CUdeviceptr
cps_cuda_alloc (CpsCuda * cuda, gsize size)
{
  /* uninitialised, like cuMemAlloc: valgrind would see reads of it */
  return (CUdeviceptr) malloc (size ? size : 1);
}

void
cps_cuda_free (CpsCuda * cuda, CUdeviceptr ptr)
{
  free ((void *) ptr);
}

gboolean
cps_cuda_upload (CpsCuda * cuda, CUdeviceptr dst, gconstpointer src,
    gsize size)
{
  memcpy ((void *) dst, src, size);
  return TRUE;
}

gboolean
cps_cuda_download (CpsCuda * cuda, gpointer dst, CUdeviceptr src, gsize size)
{
  memcpy (dst, (const void *) src, size);
  return TRUE;
}

gboolean
cps_cuda_copy_2d (CpsCuda * cuda, CUdeviceptr dst, gsize dst_pitch,
    CUdeviceptr src, gsize src_pitch, gsize width, gsize height)
{
  for (gsize y = 0; y < height; y++)
    memcpy ((char *) dst + y * dst_pitch, (const char *) src + y * src_pitch,
        width);
  return TRUE;
}

gboolean
cps_cuda_launch (CpsCuda * cuda, CpsKernel kernel, guint width, guint height,
    CUstream stream, void **args)
{
  switch (kernel) {
    case CPS_KERNEL_DOWNSCALE_LUMA:
      launch_grid (cpsk_downscale_luma, width, height, args);
      break;
    case CPS_KERNEL_MOTION_RESIDUAL:
      launch_grid (cpsk_motion_residual, width, height, args);
      break;
    case CPS_KERNEL_ENERGY_FUSE:
      launch_grid (cpsk_energy_fuse, width, height, args);
      break;
    case CPS_KERNEL_SCORES_COLUMNS:
      launch_grid (cpsk_scores_columns, width, height, args);
      break;
    case CPS_KERNEL_SCORES_ROWS:
      launch_grid (cpsk_scores_rows, width, height, args);
      break;
    case CPS_KERNEL_RESIZE_TO_RGB:
      launch_grid (cpsk_resize_to_rgb, width, height, args);
      break;
    case CPS_KERNEL_EXTRACT_PATCHES:
      launch_grid (cpsk_extract_patches, width, height, args);
      break;
    case CPS_KERNEL_CAMERA_DOWNSCALE:
      launch_grid (cpsk_camera_downscale, width, height, args);
      break;
    case CPS_KERNEL_CAMERA_DIFFERENCES:
      launch_grid (cpsk_camera_differences, width, height, args);
      break;
    case CPS_KERNEL_CAMERA_CELL_MAPS:
      launch_grid (cpsk_camera_cell_maps, width, height, args);
      break;
    case CPS_KERNEL_CAMERA_SQUARE:
      launch_grid (cpsk_camera_square, width, height, args);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

gboolean
cps_cuda_synchronize (CpsCuda * cuda, CUstream stream)
{
  return TRUE;
}

}
