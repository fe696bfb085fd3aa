/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Sampling a file by its packet index (docs/architecture.md, "Sampling a
 * file").  The index pass builds the same uridecodebin as the run, with a
 * probe on the video decoder's sink pad that records each packet (PTS,
 * DTS, duration, key flag) and drops it, so nothing is decoded; the
 * packets are exactly those the run's decoder will receive, in the same
 * order.  The frames the decoder outputs are the packets whose PTS lies in
 * the segment (an MP4 edit list's pre-roll lies before it), and a frame's
 * id is its rank by PTS among them.  The pass and the plan run in a thread
 * of their own while the run's pipeline starts (plugin loading, typefinding,
 * caps negotiation); the run's probes wait for the plan.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cpsmeta.h"
#include "extract-index.h"

typedef struct {
  GstClockTime pts, dts, duration;
  gboolean key;
} Packet;

struct _ExtractIndex {
  GArray *packets;              /* Packet, in decode order */
  GstSegment segment;
  gint fps_n, fps_d;            /* the parsed caps' frame rate, 0/1 unknown
                                 * or variable */
  gboolean have_caps;
  gboolean all_pts;             /* every packet has a PTS */
  guint64 n_frames;             /* N: the frames the decoder outputs */

  /* the plan, per packet */
  gint64 *frame_id;             /* -1: not output (outside the segment) */
  gint8 *sample;                /* -1 cpsmotion decides, 0 no, 1 yes */
  gboolean *feed;               /* given to the decoder */
  guint64 n_fed;

  /* the pass and the plan run in a thread of their own while the run's
   * pipeline starts; the run's probes wait for them (ready) */
  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean ready;
  gchar *failure;               /* the pass's or the plan's error */
  gchar *uri, *start, *end;
  ExtractIndexSetup setup;
  gpointer user_data;
  CpsSampleParams params;
  gboolean decode_all, quiet;

  /* the run, in the decoder's streaming thread */
  GstElement *decoder;
  guint64 next;
  gboolean discont, mismatch;
};

/* ---- the index pass ------------------------------------------------- */

typedef struct {
  ExtractIndex *index;
  GstElement *pipeline;
  GstElement *decoder;          /* the first video decoder */
} Pass;

static gboolean
is_video_decoder (GstElement * element)
{
  GstElementFactory *f = gst_element_get_factory (element);

  return f && gst_element_factory_list_is_type (f,
      GST_ELEMENT_FACTORY_TYPE_DECODER | GST_ELEMENT_FACTORY_TYPE_MEDIA_VIDEO);
}

static void
record_buffer (ExtractIndex * index, GstBuffer * buf)
{
  Packet p = {
    GST_BUFFER_PTS (buf), GST_BUFFER_DTS (buf), GST_BUFFER_DURATION (buf),
    !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT)
  };

  g_array_append_val (index->packets, p);
}

static gboolean
record_list_item (GstBuffer ** buf, guint idx, gpointer index)
{
  record_buffer (index, *buf);
  return TRUE;
}

static GstPadProbeReturn
record_packet (GstPad * pad, GstPadProbeInfo * info, Pass * pass)
{
  ExtractIndex *index = pass->index;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    record_buffer (index, GST_PAD_PROBE_INFO_BUFFER (info));
    return GST_PAD_PROBE_DROP;
  }
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info),
        record_list_item, index);
    return GST_PAD_PROBE_DROP;
  }
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

    switch (GST_EVENT_TYPE (event)) {
      case GST_EVENT_SEGMENT:{
        const GstSegment *segment;

        gst_event_parse_segment (event, &segment);
        /* one segment per file: a second one would make ids ambiguous */
        if (index->packets->len == 0)
          gst_segment_copy_into (segment, &index->segment);
        break;
      }
      case GST_EVENT_CAPS:{
        GstCaps *caps;
        gint n = 0, d = 1;

        /* a rate that changes (qtdemux guesses one per fragment of a
         * fragmented MP4) is a variable rate: 0/1, the PTS span counts */
        gst_event_parse_caps (event, &caps);
        if (!gst_structure_get_fraction (gst_caps_get_structure (caps, 0),
                "framerate", &n, &d) || n <= 0 || d <= 0) {
          n = 0;
          d = 1;
        }
        if (!index->have_caps || (gint64) n * index->fps_d !=
            (gint64) index->fps_n * d) {
          index->fps_n = index->have_caps ? 0 : n;
          index->fps_d = index->have_caps ? 1 : d;
        }
        index->have_caps = TRUE;
        /* the decoder is never opened: its packets are dropped anyway */
        return GST_PAD_PROBE_DROP;
      }
      case GST_EVENT_EOS:
        gst_element_post_message (pass->pipeline,
            gst_message_new_application (NULL,
                gst_structure_new_empty ("cps-index-done")));
        return GST_PAD_PROBE_DROP;
      default:
        break;
    }
  }
  return GST_PAD_PROBE_OK;
}

static void
pass_element_added (GstBin * bin, GstBin * sub_bin, GstElement * element,
    Pass * pass)
{
  GstPad *pad;

  if (pass->decoder || !is_video_decoder (element))
    return;
  pass->decoder = element;
  pad = gst_element_get_static_pad (element, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      (GstPadProbeCallback) record_packet, pass, NULL);
  gst_object_unref (pad);
}

void
extract_end_pad (GstElement * pipeline, GstPad * pad)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstPad *sinkpad;

  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
}

/* audio and other streams: ended here, as the run does */
static void
pass_pad_added (GstElement * decodebin, GstPad * pad, Pass * pass)
{
  extract_end_pad (pass->pipeline, pad);
}

static gboolean
index_build (ExtractIndex * index, const gchar * uri, ExtractIndexSetup setup,
    gpointer user_data, gchar ** error)
{
  Pass pass = { index, gst_pipeline_new ("cps-index"), NULL };
  GstElement *decodebin = gst_element_factory_make ("uridecodebin", NULL);
  GstBus *bus = gst_element_get_bus (pass.pipeline);
  GstMessage *msg;
  gboolean done = FALSE;

  g_object_set (decodebin, "uri", uri, NULL);
  if (setup)
    setup (decodebin, user_data);
  g_signal_connect (decodebin, "pad-added", G_CALLBACK (pass_pad_added),
      &pass);
  g_signal_connect (pass.pipeline, "deep-element-added",
      G_CALLBACK (pass_element_added), &pass);
  gst_bin_add (GST_BIN (pass.pipeline), decodebin);
  if (gst_element_set_state (pass.pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    *error = g_strdup ("could not start the index pass");
  while (!done && !*error) {
    msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_APPLICATION);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err = NULL;

      gst_message_parse_error (msg, &err, NULL);
      *error = g_strdup_printf ("index pass: %s", err->message);
      g_clear_error (&err);
    } else {
      /* our message, or the end of a file without video */
      done = TRUE;
    }
    gst_message_unref (msg);
  }
  gst_element_set_state (pass.pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pass.pipeline);
  if (!*error && (!pass.decoder || index->packets->len == 0))
    *error = g_strdup ("index pass: no video packets");
  if (*error)
    return FALSE;
  index->all_pts = TRUE;
  for (guint i = 0; i < index->packets->len; i++)
    if (!GST_CLOCK_TIME_IS_VALID (g_array_index (index->packets, Packet,
                i).pts))
      index->all_pts = FALSE;
  return TRUE;
}

static gchar *index_plan (ExtractIndex * index, const CpsSampleParams * p,
    const gchar * start, const gchar * end, gboolean decode_all,
    gchar ** error);

static gpointer
index_thread (ExtractIndex * index)
{
  gchar *error = NULL, *line = NULL;

  if (index_build (index, index->uri, index->setup, index->user_data, &error))
    line = index_plan (index, &index->params, index->start, index->end,
        index->decode_all, &error);
  if (line && !index->quiet)
    fprintf (stderr, "cps-extract: %s\n", line);
  g_free (line);
  g_mutex_lock (&index->lock);
  index->failure = error;
  index->ready = TRUE;
  g_cond_broadcast (&index->cond);
  g_mutex_unlock (&index->lock);
  return NULL;
}

ExtractIndex *
extract_index_start (const gchar * uri, ExtractIndexSetup setup,
    gpointer user_data, const CpsSampleParams * p, const gchar * start,
    const gchar * end, gboolean decode_all, gboolean quiet)
{
  ExtractIndex *index = g_new0 (ExtractIndex, 1);

  index->packets = g_array_new (FALSE, FALSE, sizeof (Packet));
  index->fps_d = 1;
  gst_segment_init (&index->segment, GST_FORMAT_TIME);
  g_mutex_init (&index->lock);
  g_cond_init (&index->cond);
  index->uri = g_strdup (uri);
  index->setup = setup;
  index->user_data = user_data;
  index->params = *p;
  index->start = g_strdup (start);
  index->end = g_strdup (end);
  index->decode_all = decode_all;
  index->quiet = quiet;
  index->thread = g_thread_new ("cps-index", (GThreadFunc) index_thread,
      index);
  return index;
}

/* Waits for the plan, while @pad (if any) is not flushing: TRUE when it is
 * there and good. */
static gboolean
index_wait (ExtractIndex * index, GstPad * pad)
{
  gboolean ok;

  g_mutex_lock (&index->lock);
  while (!index->ready && !(pad && GST_PAD_IS_FLUSHING (pad))) {
    gint64 until = g_get_monotonic_time () + 20 * G_TIME_SPAN_MILLISECOND;

    g_cond_wait_until (&index->cond, &index->lock, until);
  }
  ok = index->ready && !index->failure;
  g_mutex_unlock (&index->lock);
  return ok;
}

gboolean
extract_index_ready (ExtractIndex * index)
{
  gboolean ready;

  g_mutex_lock (&index->lock);
  ready = index->ready && !index->failure;
  g_mutex_unlock (&index->lock);
  return ready;
}

const gchar *
extract_index_failure (ExtractIndex * index)
{
  const gchar *failure;

  g_mutex_lock (&index->lock);
  failure = index->ready ? index->failure : NULL;
  g_mutex_unlock (&index->lock);
  return failure;
}

void
extract_index_free (ExtractIndex * index)
{
  if (!index)
    return;
  g_thread_join (index->thread);
  g_mutex_clear (&index->lock);
  g_cond_clear (&index->cond);
  g_free (index->failure);
  g_free (index->uri);
  g_free (index->start);
  g_free (index->end);
  g_array_unref (index->packets);
  g_free (index->frame_id);
  g_free (index->sample);
  g_free (index->feed);
  g_free (index);
}

/* ---- the plan ------------------------------------------------------- */

static const Packet *
packet (ExtractIndex * index, guint i)
{
  return &g_array_index (index->packets, Packet, i);
}

/* Whether the decoder outputs packet @i's frame: GstVideoDecoder clips
 * [PTS, PTS + duration) to the segment. */
static gboolean
is_output (ExtractIndex * index, guint i)
{
  const Packet *p = packet (index, i);
  GstClockTime stop = GST_CLOCK_TIME_NONE;

  if (GST_CLOCK_TIME_IS_VALID (p->duration))
    stop = p->pts + p->duration;
  else if (index->fps_n > 0)
    stop = p->pts + gst_util_uint64_scale_int (GST_SECOND, index->fps_d,
        index->fps_n);
  return gst_segment_clip (&index->segment, GST_FORMAT_TIME, p->pts, stop,
      NULL, NULL);
}

static gint
compare_by_pts (gconstpointer a, gconstpointer b, gpointer index)
{
  GstClockTime pa = packet (index, *(const guint *) a)->pts;
  GstClockTime pb = packet (index, *(const guint *) b)->pts;

  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

/* The first id at or after bound @value (seconds from frame 0's PTS, or a
 * frame number). */
static guint64
bound_to_id (ExtractIndex * index, const guint * order, guint64 n,
    gdouble value, gboolean frames)
{
  GstClockTime base, t;
  guint64 lo = 0, hi = n;

  if (frames)
    return value < (gdouble) n ? (guint64) value : n;
  base = packet (index, order[0])->pts;
  t = base + (GstClockTime) llround (value * GST_SECOND);
  while (lo < hi) {             /* the first frame whose PTS is >= t */
    guint64 mid = (lo + hi) / 2;

    if (packet (index, order[mid])->pts < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static gchar *
index_plan (ExtractIndex * index, const CpsSampleParams * p,
    const gchar * start, const gchar * end, gboolean decode_all,
    gchar ** error)
{
  guint n_packets = index->packets->len;
  guint *order;
  guint64 n = 0, first, stop, count, n_targets, *targets, t;
  guint64 n_gops = 0, gops_fed = 0, sampled = 0;
  gdouble seconds, start_v = 0, end_v = -1;
  gint start_frames = 0, end_frames = 0;
  guint *gop, *last;
  gboolean *needed, *whole;

  if ((start && !cps_parse_range_bound (start, &start_v, &start_frames)) ||
      (end && !cps_parse_range_bound (end, &end_v, &end_frames))) {
    *error = g_strdup_printf ("start=%s end=%s: a bound is seconds (12.5 or "
        "12.5s) or a frame number (300f)", start ? start : "none",
        end ? end : "none");
    return NULL;
  }
  if (!index->all_pts) {
    /* without timestamps the presentation order is the decoder's to tell:
     * cpsmotion counts the frames, and N is the packet count */
    index->n_frames = n_packets;
    index->n_fed = n_packets;
    return g_strdup_printf ("%u frames (counted from the packets, which "
        "carry no timestamps): decoding every frame", n_packets);
  }

  /* N and each frame's id: its rank by PTS among the frames output */
  order = g_new (guint, n_packets);
  for (guint i = 0; i < n_packets; i++)
    if (is_output (index, i))
      order[n++] = i;
  g_qsort_with_data (order, n, sizeof (guint), compare_by_pts, index);
  index->n_frames = n;
  index->frame_id = g_new (gint64, n_packets);
  index->sample = g_new (gint8, n_packets);
  index->feed = g_new0 (gboolean, n_packets);
  for (guint i = 0; i < n_packets; i++) {
    index->frame_id[i] = -1;
    index->sample[i] = 0;
  }
  for (guint64 r = 0; r < n; r++)
    index->frame_id[order[r]] = r;

  /* the range, then the sampled frames within it */
  first = n ? bound_to_id (index, order, n, start_v, start_frames) : 0;
  stop = n && end_v >= 0 ? bound_to_id (index, order, n, end_v, end_frames) :
      n;
  count = stop > first ? stop - first : 0;
  if (n && !count) {
    /* nothing would be decoded, and the run would end without a window */
    *error = g_strdup_printf ("start=%s end=%s: no frame in the range (the "
        "video's %" G_GUINT64_FORMAT " frames are at 0-%.2f s)",
        start ? start : "none", end ? end : "none", n,
        (gdouble) (packet (index, order[n - 1])->pts -
            packet (index, order[0])->pts) / GST_SECOND);
    g_free (order);
    return NULL;
  }
  if (count && index->fps_n > 0)
    seconds = (gdouble) count * index->fps_d / index->fps_n;
  else if (count > 1)           /* a variable rate: the PTS span */
    seconds = (gdouble) (packet (index, order[stop - 1])->pts -
        packet (index, order[first])->pts) / GST_SECOND * count / (count - 1);
  else
    seconds = 0;
  n_targets = cps_sample_count (p, count, seconds);
  targets = g_new (guint64, MAX (n_targets, 1));
  if (p->mode == CPS_SAMPLE_RATE) {
    for (guint64 r = first; r < stop; r++)
      index->sample[order[r]] = -1;     /* cpsmotion's rate decides */
    sampled = count;
  } else {
    sampled = cps_sample_ids (p, first, count, seconds, targets);
    for (t = 0; t < sampled; t++)
      index->sample[order[targets[t]]] = 1;
  }
  g_free (targets);

  /* GOPs in decode order; a GOP is fed when it holds a frame that may be
   * sampled, and so is the one before it when such a frame precedes its
   * key frame (an open GOP's leading B-frames refer to it) */
  gop = g_new (guint, n_packets);
  for (guint i = 0; i < n_packets; i++) {
    if (i > 0 && packet (index, i)->key)
      n_gops++;
    gop[i] = n_gops;
  }
  n_gops++;
  /* within a GOP, decoding stops after the last packet that may be sampled
   * (its references precede it in decode order); a GOP whose successor's
   * leading frames refer to it is decoded whole */
  needed = g_new0 (gboolean, n_gops);
  whole = g_new0 (gboolean, n_gops);
  last = g_new0 (guint, n_gops);
  for (guint i = 0, key = 0; i < n_packets; i++) {
    if (packet (index, i)->key)
      key = i;
    if (index->sample[i] == 0)
      continue;
    needed[gop[i]] = TRUE;
    last[gop[i]] = i;
    if (gop[i] > 0 && packet (index, i)->pts < packet (index, key)->pts)
      needed[gop[i] - 1] = whole[gop[i] - 1] = TRUE;
  }
  for (guint64 g = 0; g < n_gops; g++)
    gops_fed += needed[g] || decode_all;
  index->n_fed = 0;
  for (guint i = 0; i < n_packets; i++) {
    guint g = gop[i];

    index->feed[i] = decode_all || (needed[g] && (whole[g] || i <= last[g]));
    index->n_fed += index->feed[i];
  }
  g_free (needed);
  g_free (whole);
  g_free (last);
  g_free (gop);
  g_free (order);
  if (decode_all)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
        " sampled: decoding every frame (--decode-all)", n, sampled);
  if (gops_fed == n_gops && index->n_fed == n_packets)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
        " sampled: every GOP holds a sampled frame (dense sampling), "
        "decoding through", n, sampled);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
      " sampled: decoding the %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
      " GOPs that hold them (%" G_GUINT64_FORMAT " packets of %u)", n,
      sampled, gops_fed, n_gops, index->n_fed, n_packets);
}

guint64
extract_index_frames (ExtractIndex * index)
{
  return index->n_frames;
}

guint64
extract_index_fed (ExtractIndex * index)
{
  return index->n_fed;
}

gboolean
extract_index_has_ids (ExtractIndex * index)
{
  return index->frame_id != NULL;
}

/* ---- the run -------------------------------------------------------- */

/* Packet @buf, the next the decoder receives: FALSE to drop it, else
 * marked with its id and sampling decision. */
static gboolean
plan_buffer (ExtractIndex * index, GstBuffer ** buf)
{
  guint64 i = index->next++;
  const Packet *p;
  CpsKeyUnitMeta *meta;

  if (index->mismatch)
    return TRUE;
  p = i < index->packets->len ? packet (index, i) : NULL;
  if (!p || p->pts != GST_BUFFER_PTS (*buf) ||
      p->dts != GST_BUFFER_DTS (*buf)) {
    /* cannot happen with the same file and elements; ids would be wrong */
    index->mismatch = TRUE;
    GST_ELEMENT_ERROR (index->decoder, STREAM, FAILED,
        ("The video packets differ from the index pass's (packet %"
            G_GUINT64_FORMAT "); run with --decode-all.", i), (NULL));
    return TRUE;
  }
  if (!index->feed[i]) {
    index->discont = TRUE;
    return FALSE;
  }
  *buf = gst_buffer_make_writable (*buf);
  meta = cps_buffer_get_key_unit_meta (*buf);
  if (!meta)
    meta = cps_buffer_add_key_unit_meta (*buf, p->key);
  meta->frame_id = index->frame_id[i];
  meta->sample = index->sample[i];
  if (index->discont) {
    GST_BUFFER_FLAG_SET (*buf, GST_BUFFER_FLAG_DISCONT);
    index->discont = FALSE;
  }
  return TRUE;
}

static gboolean
plan_list_item (GstBuffer ** buf, guint idx, gpointer index)
{
  if (!plan_buffer (index, buf))
    gst_clear_buffer (buf);     /* removed from the list */
  return TRUE;
}

static GstPadProbeReturn
plan_packet (GstPad * pad, GstPadProbeInfo * info, ExtractIndex * index)
{
  if (!index_wait (index, pad) && !index->failure)
    return GST_PAD_PROBE_DROP;  /* flushing: shutting down before the plan */
  if (index->failure) {
    if (!index->mismatch)
      GST_ELEMENT_ERROR (index->decoder, STREAM, FAILED, ("%s",
              index->failure), (NULL));
    index->mismatch = TRUE;
    return GST_PAD_PROBE_DROP;
  }
  if (!index->frame_id)
    return GST_PAD_PROBE_REMOVE;        /* cpsmotion counts the frames */
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

    if (!plan_buffer (index, &buf))
      return GST_PAD_PROBE_DROP;
    GST_PAD_PROBE_INFO_DATA (info) = buf;
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);

    list = gst_buffer_list_make_writable (list);
    gst_buffer_list_foreach (list, plan_list_item, index);
    GST_PAD_PROBE_INFO_DATA (info) = list;
  }
  return GST_PAD_PROBE_OK;
}

void
extract_index_attach_decoder (ExtractIndex * index, GstElement * decoder)
{
  GstPad *pad;

  if (index->decoder)
    return;
  index->decoder = decoder;
  pad = gst_element_get_static_pad (decoder, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, (GstPadProbeCallback) plan_packet,
      index, NULL);
  gst_object_unref (pad);
}

static GstPadProbeReturn
answer_duration (GstPad * pad, GstPadProbeInfo * info, ExtractIndex * index)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  GstFormat format;

  if (GST_QUERY_TYPE (query) != GST_QUERY_DURATION)
    return GST_PAD_PROBE_OK;
  gst_query_parse_duration (query, &format, NULL);
  /* only cpsmotion asks in frames; time queries (progress) never wait */
  if (format != GST_FORMAT_DEFAULT || !index_wait (index, pad))
    return GST_PAD_PROBE_OK;
  gst_query_set_duration (query, GST_FORMAT_DEFAULT, index->n_frames);
  return GST_PAD_PROBE_HANDLED;
}

void
extract_index_attach_motion (ExtractIndex * index, GstElement * motion)
{
  GstPad *pad = gst_element_get_static_pad (motion, "sink");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM,
      (GstPadProbeCallback) answer_duration, index, NULL);
  gst_object_unref (pad);
}
