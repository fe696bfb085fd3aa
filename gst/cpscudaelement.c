/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "cpscudaelement.h"

#include <string.h>

static gboolean cps_cuda_built (void);

GstCaps *
cps_cuda_template_caps (const gchar * cuda_caps, const gchar * system_caps)
{
  gchar *both;
  GstCaps *caps;

  if (!cps_cuda_built ())
    return gst_caps_from_string (system_caps);
  both = g_strdup_printf ("%s; %s", cuda_caps, system_caps);
  caps = gst_caps_from_string (both);
  g_free (both);
  return caps;
}

static gboolean
is_system_memory (GstCapsFeatures * features, GstStructure * s, gpointer x)
{
  return !gst_caps_features_contains (features, CPS_CUDA_MEMORY_FEATURE);
}

GstCaps *
cps_cuda_filter_caps (GstCaps * caps)
{
  if (!cps_cuda_unavailable () || gst_caps_is_any (caps))
    return caps;
  caps = gst_caps_make_writable (caps);
  gst_caps_filter_and_map_in_place (caps, is_system_memory, NULL);
  return caps;
}

void
cps_cuda_filter_caps_query (GstQuery * query)
{
  GstCaps *caps;

  if (GST_QUERY_TYPE (query) != GST_QUERY_CAPS)
    return;
  gst_query_parse_caps_result (query, &caps);
  if (!caps)
    return;
  caps = cps_cuda_filter_caps (gst_caps_ref (caps));
  gst_query_set_caps_result (query, caps);
  gst_caps_unref (caps);
}

void
cps_cuda_install_device_property (GObjectClass * klass, guint prop_id)
{
  g_object_class_install_property (klass, prop_id,
      g_param_spec_int ("cuda-device-id", "CUDA device id",
          "CUDA device to run on when CUDA memory is negotiated (-1: the "
          "pipeline's, or the first)", -1, G_MAXINT, -1,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
}

gboolean
cps_caps_are_cuda (const GstCaps * caps)
{
  GstCapsFeatures *f = caps && gst_caps_get_size (caps) ?
      gst_caps_get_features (caps, 0) : NULL;

  return f && gst_caps_features_contains (f, CPS_CUDA_MEMORY_FEATURE);
}

static const CpsComputeOps *cps_cuda_ops (void);

const CpsComputeOps *
cps_cuda_element_choose_ops (CpsCudaElement * ce, GstElement * element,
    const GstCaps * caps, gboolean * on_gpu)
{
  *on_gpu = cps_caps_are_cuda (caps);
  if (!*on_gpu)
    return &cps_compute_cpu;
  return cps_cuda_element_open (ce, element) ? cps_cuda_ops () : NULL;
}

#ifdef HAVE_CPS_CUDA

#include <gst/video/video.h>
#include <gst/cuda/gstcudabufferpool.h>
#include <gst/cuda/gstcudamemory.h>
#include <gst/cuda/gstcudautils.h>
#include "cps_cuda.h"

static gboolean
cps_cuda_built (void)
{
  return TRUE;
}

/* Read at every negotiation: the environment of this process decides. */
const gchar *
cps_cuda_unavailable (void)
{
  if (g_strcmp0 (g_getenv ("GST_CPS_CUDA"), "1") != 0)
    return "the CUDA path is experimental and offered only with "
        "GST_CPS_CUDA=1 in the environment";
  /* libgstcuda asserts on any call into a driver it could not load */
  if (!gst_cuda_load_library ())
    return "GST_CPS_CUDA=1 is set but this host has no CUDA driver "
        "(libcuda.so.1)";
  return NULL;
}

void
cps_cuda_element_set_context (CpsCudaElement * ce, GstElement * element,
    GstContext * context)
{
  gst_cuda_handle_set_context (element, context, ce->device_id,
      (GstCudaContext **) & ce->context);
}

gboolean
cps_cuda_element_query (CpsCudaElement * ce, GstElement * element,
    GstQuery * query)
{
  return GST_QUERY_TYPE (query) == GST_QUERY_CONTEXT &&
      gst_cuda_handle_context_query (element, query,
      (GstCudaContext *) ce->context);
}

gboolean
cps_cuda_element_open (CpsCudaElement * ce, GstElement * element)
{
  GError *error = NULL;

  if (ce->device)
    return TRUE;
  /* libgstcuda asserts on any call into a driver it could not load */
  if (!gst_cuda_load_library ()) {
    GST_ELEMENT_ERROR (element, RESOURCE, NOT_FOUND,
        ("CUDA memory was negotiated but this host has no CUDA driver "
            "(libcuda.so.1)."), (NULL));
    return FALSE;
  }
  if (!gst_cuda_ensure_element_context (element, ce->device_id,
          (GstCudaContext **) & ce->context)) {
    GST_ELEMENT_ERROR (element, RESOURCE, NOT_FOUND,
        ("CUDA memory was negotiated but no CUDA context could be made "
            "(device %d)", ce->device_id), (NULL));
    return FALSE;
  }
  ce->device = cps_cuda_open (ce->device_id,
      (GstCudaContext *) ce->context, &error);
  if (!ce->device) {
    GST_ELEMENT_ERROR (element, LIBRARY, INIT,
        ("Could not load the cps CUDA kernels: %s", error->message), (NULL));
    g_clear_error (&error);
    return FALSE;
  }
  return TRUE;
}

void
cps_cuda_element_close (CpsCudaElement * ce)
{
  g_clear_pointer (&ce->device, cps_cuda_close);
  gst_clear_object (&ce->context);
}

static const CpsComputeOps *
cps_cuda_ops (void)
{
  return &cps_compute_cuda;
}

GstMapFlags
cps_cuda_map_flags (void)
{
  return GST_MAP_CUDA;
}

/* Device memory owned by a buffer: freed in its context when the buffer
 * goes, even after the element that made it. */
typedef struct {
  GstCudaContext *context;
  CUdeviceptr ptr;
} DeviceBlock;

static void
free_device_block (gpointer data)
{
  DeviceBlock *b = data;

  if (gst_cuda_context_push (b->context)) {
    CuMemFree (b->ptr);
    gst_cuda_context_pop (NULL);
  }
  gst_object_unref (b->context);
  g_free (b);
}

GstBuffer *
cps_cuda_element_alloc (CpsCudaElement * ce, gsize size)
{
  DeviceBlock *b = g_new0 (DeviceBlock, 1);

  b->ptr = cps_cuda_alloc (ce->device, size);
  if (!b->ptr) {
    g_free (b);
    return NULL;
  }
  b->context = gst_object_ref (ce->context);
  return gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_NO_SHARE,
      (gpointer) (uintptr_t) b->ptr, size, 0, size, b, free_device_block);
}

GstBufferPool *
cps_cuda_element_pool (CpsCudaElement * ce, gsize size)
{
  GstBufferPool *pool = gst_cuda_buffer_pool_new ((GstCudaContext *)
      ce->context);
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstVideoInfo info;
  GstCaps *caps;

  /* one row of @size bytes: GstCudaMemory is allocated for video frames */
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, (guint) size, 1);
  caps = gst_video_info_to_caps (&info);
  gst_caps_set_features (caps, 0,
      gst_caps_features_new (CPS_CUDA_MEMORY_FEATURE, NULL));
  gst_buffer_pool_config_set_params (config, caps, GST_VIDEO_INFO_SIZE (&info),
      2, 0);
  gst_caps_unref (caps);
  if (!gst_buffer_pool_set_config (pool, config) ||
      !gst_buffer_pool_set_active (pool, TRUE))
    gst_clear_object (&pool);
  return pool;
}

gboolean
cps_cuda_element_sync (CpsCudaElement * ce)
{
  return cps_cuda_synchronize (ce->device, NULL);
}

#else /* a build without the CUDA kernels: every answer is "no" */

static gboolean
cps_cuda_built (void)
{
  return FALSE;
}

const gchar *
cps_cuda_unavailable (void)
{
  return "this cps was built without its CUDA path";
}

void
cps_cuda_element_set_context (CpsCudaElement * ce, GstElement * element,
    GstContext * context)
{
}

gboolean
cps_cuda_element_query (CpsCudaElement * ce, GstElement * element,
    GstQuery * query)
{
  return FALSE;
}

gboolean
cps_cuda_element_open (CpsCudaElement * ce, GstElement * element)
{
  GST_ELEMENT_ERROR (element, CORE, NEGOTIATION,
      ("CUDA memory was negotiated but this cps was built without its "
          "CUDA path."), (NULL));
  return FALSE;
}

void
cps_cuda_element_close (CpsCudaElement * ce)
{
}

static const CpsComputeOps *
cps_cuda_ops (void)
{
  return NULL;
}

GstMapFlags
cps_cuda_map_flags (void)
{
  return 0;
}

GstBuffer *
cps_cuda_element_alloc (CpsCudaElement * ce, gsize size)
{
  return NULL;
}

GstBufferPool *
cps_cuda_element_pool (CpsCudaElement * ce, gsize size)
{
  return NULL;
}

gboolean
cps_cuda_element_sync (CpsCudaElement * ce)
{
  return FALSE;
}

#endif
