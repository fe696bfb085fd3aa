/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cps_viz.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static uint8_t
clamp_u8 (float v)
{
  v = rintf (v);
  return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t) v;
}

uint8_t
cps_viz_sample (const void *data, size_t i, CpsDtype dtype)
{
  switch (dtype) {
    case CPS_DTYPE_BF16:
      return clamp_u8 (cps_bf16_to_float (((const uint16_t *) data)[i]));
    case CPS_DTYPE_FP16:
      return clamp_u8 (cps_fp16_to_float (((const uint16_t *) data)[i]));
    case CPS_DTYPE_FP32:
      return clamp_u8 (((const float *) data)[i]);
    case CPS_DTYPE_U8:
    default:
      return ((const uint8_t *) data)[i];
  }
}

void
cps_viz_paint_patch (const void *patch, CpsDtype dtype, int p,
    uint8_t * canvas, size_t stride, int x, int y)
{
  CpsVizRect rect = { x, y, x + p, y + p };

  cps_viz_paint_patch_scaled (patch, dtype, p, canvas, stride, &rect);
}

void
cps_viz_dim (const uint8_t * src, uint8_t * dst, size_t n, float level)
{
  for (size_t i = 0; i < n; i++)
    dst[i] = (uint8_t) (src[i] * level + 0.5f);
}

static int
even_down (int v)
{
  return v >= 2 ? v & ~1 : v;
}

void
cps_viz_output_size (int src_width, int src_height, int max_width,
    int *width, int *height)
{
  int w = src_width < max_width ? src_width : max_width;
  int h = (int) (((int64_t) src_height * w + src_width / 2) / src_width);

  *width = even_down (w);
  *height = even_down (h < 1 ? 1 : h > src_height ? src_height : h);
}

/* Where resized-frame coordinate @v of a @target-pixel side lands on an
 * @out-pixel side, rounded to nearest. */
static int
scale_coord (int v, int target, int out)
{
  return (int) (((int64_t) 2 * v * out + target) / (2 * (int64_t) target));
}

void
cps_viz_cell_rect (const CpsVizGrid * grid, int row, int col,
    CpsVizRect * rect)
{
  int p = grid->patch_size;

  rect->x0 = scale_coord (col * p, grid->target_width, grid->out_width);
  rect->x1 = scale_coord ((col + 1) * p, grid->target_width, grid->out_width);
  rect->y0 = scale_coord (row * p, grid->target_height, grid->out_height);
  rect->y1 = scale_coord ((row + 1) * p, grid->target_height,
      grid->out_height);
}

void
cps_viz_copy_rect (const uint8_t * src, uint8_t * dst, size_t stride,
    const CpsVizRect * rect)
{
  size_t offset = (size_t) rect->x0 * 3, len;

  if (rect->x1 <= rect->x0)
    return;
  len = (size_t) (rect->x1 - rect->x0) * 3;
  for (int y = rect->y0; y < rect->y1; y++)
    memcpy (dst + (size_t) y * stride + offset,
        src + (size_t) y * stride + offset, len);
}

void
cps_viz_paint_patch_scaled (const void *patch, CpsDtype dtype, int p,
    uint8_t * canvas, size_t stride, const CpsVizRect * rect)
{
  size_t plane = (size_t) p * p;
  int w = rect->x1 - rect->x0, h = rect->y1 - rect->y0;

  for (int y = 0; y < h; y++) {
    size_t row = (size_t) (y * p / h) * p;
    uint8_t *dst = canvas + (size_t) (rect->y0 + y) * stride +
        (size_t) rect->x0 * 3;

    for (int x = 0; x < w; x++) {
      size_t i = row + (size_t) (x * p / w);

      for (int c = 0; c < 3; c++)
        dst[x * 3 + c] = cps_viz_sample (patch, c * plane + i, dtype);
    }
  }
}

static void
fill_rect (uint8_t * canvas, size_t stride, int x0, int y0, int x1, int y1,
    const uint8_t rgb[3])
{
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      memcpy (canvas + (size_t) y * stride + (size_t) x * 3, rgb, 3);
}

static int
is_selected (const CpsVizGrid * grid, const uint8_t * mask, int row, int col)
{
  return row >= 0 && row < grid->grid_height && col >= 0 &&
      col < grid->grid_width && mask[row * grid->grid_width + col];
}

static int
min_int (int a, int b)
{
  return a < b ? a : b;
}

static int
max_int (int a, int b)
{
  return a > b ? a : b;
}

void
cps_viz_outline (uint8_t * canvas, size_t stride, const CpsVizGrid * grid,
    const uint8_t * mask, int thickness, const uint8_t rgb[3])
{
  for (int row = 0; row < grid->grid_height; row++)
    for (int col = 0; col < grid->grid_width; col++) {
      CpsVizRect r;

      if (!is_selected (grid, mask, row, col))
        continue;
      cps_viz_cell_rect (grid, row, col, &r);
      if (!is_selected (grid, mask, row - 1, col))
        fill_rect (canvas, stride, r.x0, r.y0, r.x1,
            min_int (r.y0 + thickness, r.y1), rgb);
      if (!is_selected (grid, mask, row + 1, col))
        fill_rect (canvas, stride, r.x0, max_int (r.y1 - thickness, r.y0),
            r.x1, r.y1, rgb);
      if (!is_selected (grid, mask, row, col - 1))
        fill_rect (canvas, stride, r.x0, r.y0,
            min_int (r.x0 + thickness, r.x1), r.y1, rgb);
      if (!is_selected (grid, mask, row, col + 1))
        fill_rect (canvas, stride, max_int (r.x1 - thickness, r.x0), r.y0,
            r.x1, r.y1, rgb);
    }
}

void
cps_viz_caption_text (char *buf, size_t size, uint64_t window,
    int64_t frame_id, int is_i, int n_patches, int all)
{
  snprintf (buf, size, "WINDOW %llu  FRAME %lld  %s  %s%d PATCH%s",
      (unsigned long long) window, (long long) frame_id, is_i ? "I" : "P",
      all ? "ALL " : "", n_patches, n_patches == 1 ? "" : "ES");
}

int
cps_viz_caption_scale (int width)
{
  return width < 640 ? 1 : width < 1280 ? 2 : 3;
}

/* A 5 × 7 font: one byte per row, bit 4 the leftmost column. */
#define GLYPH_W 5
#define GLYPH_H 7
static const char font_chars[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/-:.";
static const uint8_t font_rows[][GLYPH_H] = {
  {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E},   /* 0 */
  {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},
  {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F},
  {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},
  {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02},
  {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},
  {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E},
  {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
  {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E},
  {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},   /* 9 */
  {0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11},   /* A */
  {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E},
  {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E},
  {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C},
  {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F},
  {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10},
  {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F},
  {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11},
  {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E},
  {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C},
  {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11},
  {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F},
  {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11},
  {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11},
  {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E},
  {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10},
  {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D},
  {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11},
  {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E},
  {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04},
  {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E},
  {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04},
  {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A},
  {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11},
  {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04},
  {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F},   /* Z */
  {0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x10},   /* / */
  {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00},   /* - */
  {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00},   /* : */
  {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C},   /* . */
};

static const uint8_t *
glyph (char c)
{
  const char *at = c ? strchr (font_chars, c) : NULL;

  return at ? font_rows[at - font_chars] : NULL;
}

void
cps_viz_caption_size (const char *text, int scale, int *width, int *height)
{
  int n = (int) strlen (text);

  /* glyphs with one blank column between them, a 2-pixel margin */
  *width = (n * (GLYPH_W + 1) - 1 + 4) * scale;
  *height = (GLYPH_H + 4) * scale;
}

static void
draw_glyph (uint8_t * canvas, size_t stride, int x, int y,
    const uint8_t * rows, int scale)
{
  static const uint8_t white[3] = { 255, 255, 255 };

  for (int gy = 0; gy < GLYPH_H; gy++)
    for (int gx = 0; gx < GLYPH_W; gx++)
      if (rows[gy] & (0x10 >> gx))
        fill_rect (canvas, stride, x + gx * scale, y + gy * scale,
            x + (gx + 1) * scale, y + (gy + 1) * scale, white);
}

int
cps_viz_draw_caption (uint8_t * canvas, size_t stride, int width,
    int height, const char *text, int scale)
{
  int box_w, box_h, x = 2 * scale;

  cps_viz_caption_size (text, scale, &box_w, &box_h);
  if (box_w > width || box_h > height)
    return 0;
  /* a quarter of the picture's brightness: white text reads on any frame */
  for (int y = 0; y < box_h; y++)
    for (int i = 0; i < box_w * 3; i++)
      canvas[(size_t) y * stride + i] /= 4;
  for (const char *c = text; *c; c++, x += (GLYPH_W + 1) * scale) {
    const uint8_t *rows = glyph (*c);

    if (rows)
      draw_glyph (canvas, stride, x, 2 * scale, rows, scale);
  }
  return 1;
}
