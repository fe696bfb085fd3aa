/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the elements need to run on CUDA memory: caps, the pipeline's
 * GstCudaContext, the compute table over device memory, device buffers.
 * In a build without the CUDA kernels the same calls exist and say "no",
 * so element code has no #ifdef.
 *
 * EXPERIMENTAL and unvalidated: no GPU was available when this was
 * written.  The CUDA caps are offered only where the environment variable
 * GST_CPS_CUDA=1 is set, so nothing changes for anyone else until the GPU
 * tests (tests/gpu/, cuda/README.md) have run on a real device.
 *
 * That is decided at negotiation time, never in the pad templates: the
 * registry caches templates, so a template that followed the environment
 * when the plugin was registered would keep that answer in every later
 * process.  A build with the CUDA path always lists CUDA memory in its
 * templates; caps queries and accept-caps drop or refuse it unless
 * cps_cuda_unavailable() says it is offered now.
 */
#ifndef __CPS_CUDA_ELEMENT_H__
#define __CPS_CUDA_ELEMENT_H__

#include <gst/gst.h>
#include "cps_compute.h"

G_BEGIN_DECLS

#define CPS_CUDA_MEMORY_FEATURE "memory:CUDAMemory"

/* One element's CUDA state. */
typedef struct {
  gint device_id;               /* the cuda-device-id property, -1 = any */
  GstObject *context;           /* the pipeline's GstCudaContext */
  gpointer device;              /* the CpsCuda: the compute table's device */
} CpsCudaElement;

/* NULL when the elements offer CUDA memory now: a build with the CUDA
 * kernels, GST_CPS_CUDA=1 in this process's environment and a CUDA driver
 * that loads.  Otherwise the reason, a sentence for error messages. */
const gchar *cps_cuda_unavailable (void);

/* Pad template caps: @system_caps, preceded by @cuda_caps in a build with
 * the CUDA path, whatever the environment (see above). */
GstCaps *cps_cuda_template_caps (const gchar * cuda_caps,
    const gchar * system_caps);

/* @caps (taken) without its CUDA memory structures unless CUDA is offered
 * now. */
GstCaps *cps_cuda_filter_caps (GstCaps * caps);

/* Filters the result of an answered CAPS query with
 * cps_cuda_filter_caps(); other queries are left alone. */
void cps_cuda_filter_caps_query (GstQuery * query);

gboolean cps_caps_are_cuda (const GstCaps * caps);

/* Context sharing with nvh264dec, cudaupload and the like. */
void cps_cuda_element_set_context (CpsCudaElement * ce, GstElement * element,
    GstContext * context);
gboolean cps_cuda_element_query (CpsCudaElement * ce, GstElement * element,
    GstQuery * query);

/* Finds or creates the context and loads the kernels on it; posts a
 * clear element error and returns FALSE where that is impossible. */
gboolean cps_cuda_element_open (CpsCudaElement * ce, GstElement * element);
void cps_cuda_element_close (CpsCudaElement * ce);

/* The compute table for @caps: the CUDA one (after opening the device)
 * for CUDA memory, the CPU one otherwise; sets @on_gpu.  NULL, with an
 * element error posted, where CUDA memory cannot be used. */
const CpsComputeOps *cps_cuda_element_choose_ops (CpsCudaElement * ce,
    GstElement * element, const GstCaps * caps, gboolean * on_gpu);

/* Map flags that give device pointers for CUDA memory. */
GstMapFlags cps_cuda_map_flags (void);

/* A buffer of @size bytes of device memory, freed with the buffer; its
 * "data" is a device pointer, for the metas' maps.  NULL on failure. */
GstBuffer *cps_cuda_element_alloc (CpsCudaElement * ce, gsize size);

/* A pool of @size-byte buffers of CUDA memory (GstCudaMemory, which a
 * plain map downloads), for cpstopk's patch buffers. */
GstBufferPool *cps_cuda_element_pool (CpsCudaElement * ce, gsize size);

/* Installs the cuda-device-id property (-1 = any) as @prop_id. */
void cps_cuda_install_device_property (GObjectClass * klass, guint prop_id);

/* Waits for the device work queued so far (before pushing). */
gboolean cps_cuda_element_sync (CpsCudaElement * ce);

G_END_DECLS
#endif
