/* cps — checks the reference luma's RGB step (cps_sws_yuv_to_rgb,
 * common/cps_reference_luma.h) against libswscale itself.  Not built by
 * meson and not part of cps: cps never links libswscale.
 *
 *   cc -O2 -Icommon tests/bench/swscale-check.c -o /tmp/swscale-check \
 *     $(pkg-config --cflags --libs libavformat libavcodec libswscale \
 *       libavutil glib-2.0)
 *   /tmp/swscale-check              # every (Y, U, V), random frames
 *   /tmp/swscale-check CLIP [c]     # every decoded frame of CLIP
 *
 * Without arguments: a 4096 × 4096 yuv420p frame holding all 2^24 (Y, U, V)
 * triples, and random yuv420p and yuv422p frames of even and odd widths,
 * converted by a plain libswscale context (same size, RGB24, SWS_BILINEAR,
 * as the reference does) and by cps_sws_yuv_to_rgb; prints the pixels
 * that differ.  With CLIP: the same for every frame decoded by libavcodec,
 * printing each frame's SHA-256 of the RGB24 bytes (compare them with the
 * reference's recorded per-frame hashes); "c" forces libswscale's portable
 * C converter (av_force_cpu_flags (0)) instead of its x86 SIMD one.
 *
 * RGB rows are padded to 64 bytes.  libswscale 5.1's SIMD converter works
 * on 8 pixels at a time and converts the last width mod 8 pixels of a row
 * with its C code when the padded row cannot hold a whole group of 8:
 * with unpadded rows (stride 3 × width) those pixels differ by up to 2
 * levels from cps's for widths that are not a multiple of 8.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cps_reference_luma.h"

#include <glib.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/cpu.h>
#include <libavutil/mem.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rows padded to 64 bytes; libswscale's SIMD loop may write up to 8
 * pixels past the last group of 8, hence 64 more bytes after the frame */
#define RGB_STRIDE(w) ((3 * (w) + 63) & ~63)

/* Converts with libswscale and with cps; returns the differing pixels. */
static long
compare (const uint8_t * const planes[3], const int strides[3], int w,
    int h, enum AVPixelFormat fmt, uint8_t * rgb, int rgb_stride)
{
  struct SwsContext *c = sws_getContext (w, h, fmt, w, h, AV_PIX_FMT_RGB24,
      SWS_BILINEAR, NULL, NULL, NULL);
  uint8_t *dst[4] = { rgb };
  int ds[4] = { rgb_stride }, vs = fmt == AV_PIX_FMT_YUV422P ? 0 : 1;
  long bad = 0;

  sws_scale (c, planes, strides, 0, h, dst, ds);
  sws_freeContext (c);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t ci = (size_t) (y >> vs) * strides[1] + (x >> 1);
      int r, g, b;
      const uint8_t *p = rgb + (size_t) y * rgb_stride + 3 * x;

      cps_sws_yuv_to_rgb (planes[0][(size_t) y * strides[0] + x],
          planes[1][ci], planes[2][ci], &r, &g, &b);
      bad += p[0] != r || p[1] != g || p[2] != b;
    }
  return bad;
}

static long
synthetic (int w, int h, enum AVPixelFormat fmt, int every_triple)
{
  int cw = (w + 1) / 2, ch = fmt == AV_PIX_FMT_YUV422P ? h : (h + 1) / 2;
  uint8_t *y = av_malloc ((size_t) w * h + 64);
  uint8_t *u = av_malloc ((size_t) cw * ch + 64);
  uint8_t *v = av_malloc ((size_t) cw * ch + 64);
  uint8_t *rgb = av_malloc ((size_t) RGB_STRIDE (w) * h + 64);
  const uint8_t *planes[3] = { y, u, v };
  int strides[3] = { w, cw, cw };
  GRand *rand = g_rand_new_with_seed (w * 7 + h);
  long bad;

  /* every triple: chroma sample k holds (U, V) = (k >> 8, k) mod 256 and
   * its 2 × 2 luma pixels 4 of the 256 Y values, 64 samples per (U, V) */
  for (size_t k = 0; k < (size_t) cw * ch; k++) {
    u[k] = every_triple ? (k >> 8) & 255 : g_rand_int_range (rand, 0, 256);
    v[k] = every_triple ? k & 255 : g_rand_int_range (rand, 0, 256);
  }
  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      y[(size_t) r * w + c] = every_triple ?
          (((size_t) (r >> 1) * cw + (c >> 1)) >> 16) * 4 + (r & 1) * 2 +
          (c & 1) : g_rand_int_range (rand, 0, 256);
  bad = compare (planes, strides, w, h, fmt, rgb, RGB_STRIDE (w));
  printf ("%dx%d %s%s: %ld pixels differ\n", w, h,
      av_get_pix_fmt_name (fmt), every_triple ? " (every Y, U, V)" : "", bad);
  g_rand_free (rand);
  av_free (y);
  av_free (u);
  av_free (v);
  av_free (rgb);
  return bad;
}

static long
clip (const char *path)
{
  AVFormatContext *fc = NULL;
  const AVCodec *codec;
  AVCodecContext *cc;
  AVPacket *pkt = av_packet_alloc ();
  AVFrame *f = av_frame_alloc ();
  uint8_t *rgb = NULL;
  long bad = 0;
  int si, n = 0, flushing = 0;

  if (avformat_open_input (&fc, path, NULL, NULL) < 0 ||
      avformat_find_stream_info (fc, NULL) < 0) {
    fprintf (stderr, "cannot read %s\n", path);
    return -1;
  }
  si = av_find_best_stream (fc, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
  codec = avcodec_find_decoder (fc->streams[si]->codecpar->codec_id);
  cc = avcodec_alloc_context3 (codec);
  avcodec_parameters_to_context (cc, fc->streams[si]->codecpar);
  avcodec_open2 (cc, codec, NULL);
  for (;;) {
    if (!flushing) {
      if (av_read_frame (fc, pkt) < 0) {
        flushing = 1;
        avcodec_send_packet (cc, NULL);
      } else {
        if (pkt->stream_index == si)
          avcodec_send_packet (cc, pkt);
        av_packet_unref (pkt);
      }
    }
    while (avcodec_receive_frame (cc, f) == 0) {
      int w = f->width, h = f->height;
      long frame_bad;
      gchar *sha;

      GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);

      rgb = rgb ? rgb : av_malloc ((size_t) RGB_STRIDE (w) * h + 64);
      frame_bad = compare ((const uint8_t * const *) f->data, f->linesize,
          w, h, f->format, rgb, RGB_STRIDE (w));
      for (int r = 0; r < h; r++)       /* the frame's bytes, unpadded */
        g_checksum_update (sum, rgb + (size_t) r * RGB_STRIDE (w), 3 * w);
      sha = g_strdup (g_checksum_get_string (sum));
      g_checksum_free (sum);
      printf ("frame %d %s %s: %ld pixels differ\n", n++, sha,
          av_get_pix_fmt_name (f->format), frame_bad);
      g_free (sha);
      bad += frame_bad;
    }
    if (flushing)
      break;
  }
  av_free (rgb);
  av_frame_free (&f);
  av_packet_free (&pkt);
  avcodec_free_context (&cc);
  avformat_close_input (&fc);
  return bad;
}

int
main (int argc, char **argv)
{
  static const int sizes[][2] = { {1920, 1080}, {640, 360}, {1000, 562},
  {130, 66}, {322, 180}, {1282, 720}, {100, 50}
  };
  long bad = 0;

  if (argc > 2 && !strcmp (argv[2], "c"))
    av_force_cpu_flags (0);
  if (argc > 1) {
    bad = clip (argv[1]);
  } else {
    bad += synthetic (4096, 4096, AV_PIX_FMT_YUV420P, 1);
    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
      bad += synthetic (sizes[i][0], sizes[i][1], AV_PIX_FMT_YUV420P, 0);
      bad += synthetic (sizes[i][0], sizes[i][1], AV_PIX_FMT_YUV422P, 0);
    }
  }
  printf ("%s\n", bad ? "DIFFERENT" : "bit-exact");
  return bad != 0;
}
