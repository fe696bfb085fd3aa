/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Drawing a window's selection for people (cpsviz): patches painted onto
 * a canvas, or the selected areas of the source frame at full brightness
 * over the rest darkened, outlined, with a caption in a built-in font.
 * All images are packed RGB, 3 bytes a pixel, @stride bytes a row.
 */
#ifndef CPS_VIZ_H
#define CPS_VIZ_H

#include <stddef.h>
#include <stdint.h>
#include "cps_algo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One patch value as an 8-bit sample: rounded to nearest, clamped. */
uint8_t cps_viz_sample (const void *data, size_t i, CpsDtype dtype);

/* Copies a channels-first 3 × @p × @p patch of @dtype into a packed RGB
 * canvas (@stride bytes per row) with its top-left corner at (@x, @y). */
void cps_viz_paint_patch (const void *patch, CpsDtype dtype, int p,
    uint8_t * canvas, size_t stride, int x, int y);

/* @dst = @src scaled by @level (0–1), @n bytes. */
void cps_viz_dim (const uint8_t * src, uint8_t * dst, size_t n, float level);

/* The size cpsviz draws a @src_width × @src_height frame at: at most
 * @max_width wide, never larger than the source, the shape kept, and each
 * side even once it is 2 or more (x264 and other 4:2:0 encoders need it). */
void cps_viz_output_size (int src_width, int src_height, int max_width,
    int *width, int *height);

/* The patch grid of the resized frame (grid_width × patch_size ≤
 * target_width) drawn over a whole out_width × out_height image. */
typedef struct {
  int grid_width, grid_height;
  int patch_size;
  int target_width, target_height;
  int out_width, out_height;
} CpsVizGrid;

typedef struct {
  int x0, y0, x1, y1;           /* [x0, x1) × [y0, y1) */
} CpsVizRect;

/* The output pixels of grid cell (@row, @col): the resized frame covers
 * the whole source frame, so the cell's place in it is scaled to the
 * output.  Neighbouring cells tile without gap or overlap. */
void cps_viz_cell_rect (const CpsVizGrid * grid, int row, int col,
    CpsVizRect * rect);

/* Copies @rect from @src to @dst (images of the same layout). */
void cps_viz_copy_rect (const uint8_t * src, uint8_t * dst, size_t stride,
    const CpsVizRect * rect);

/* Paints a patch as cps_viz_paint_patch, scaled to fill @rect (nearest
 * neighbour): the selection where the source frame is missing. */
void cps_viz_paint_patch_scaled (const void *patch, CpsDtype dtype, int p,
    uint8_t * canvas, size_t stride, const CpsVizRect * rect);

/* Draws the border of the selected area: @mask holds one byte per grid
 * cell (row-major, non-zero where selected); a line @thickness pixels wide
 * of colour @rgb runs inside the selected cells along every side that
 * faces an unselected cell or the edge of the frame. */
void cps_viz_outline (uint8_t * canvas, size_t stride,
    const CpsVizGrid * grid, const uint8_t * mask, int thickness,
    const uint8_t rgb[3]);

/* The caption of one drawn frame, for example
 * "WINDOW 3  FRAME 52  P  17 PATCHES", or "... I  ALL 264 PATCHES" when
 * @all (the whole grid was selected).  Truncated to @size − 1 bytes. */
void cps_viz_caption_text (char *buf, size_t size, uint64_t window,
    int64_t frame_id, int is_i, int n_patches, int all);

/* Pixels per font pixel for a frame @width wide: 1 below 640, 2 from
 * 640, 3 from 1280 (the 5 × 7 font stays readable but small). */
int cps_viz_caption_scale (int width);

/* Width and height in pixels of the caption box for @text at @scale:
 * the text's 5 × 7 glyphs with a column between them, a margin around. */
void cps_viz_caption_size (const char *text, int scale, int *width,
    int *height);

/* Draws @text (digits, A–Z, space and / - : .; anything else is left
 * blank) in white over a darkened box at the top-left corner.  Draws
 * nothing and returns 0 if the box does not fit a @width × @height image,
 * which would hide the picture; returns 1 otherwise. */
int cps_viz_draw_caption (uint8_t * canvas, size_t stride, int width,
    int height, const char *text, int scale);

#ifdef __cplusplus
}
#endif
#endif /* CPS_VIZ_H */
