/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A writer for the safetensors format (https://huggingface.co/docs/
 * safetensors): an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the tensors' bytes back
 * to back.  GLib and json-glib, no GStreamer.
 */
#ifndef CPS_SAFETENSORS_H
#define CPS_SAFETENSORS_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

#define CPS_ST_MAX_DIMS 4

typedef struct {
  const char *name;
  const char *dtype;            /* safetensors name: "BF16", "F32", "I64" … */
  int n_dims;
  int64_t shape[CPS_ST_MAX_DIMS];
  const void *data;
  size_t n_bytes;               /* must equal the product of shape × size */
} CpsStTensor;

typedef struct {
  const char *key;
  const char *value;
} CpsStMetadata;

/* Builds the header: the JSON object, padded with spaces to a multiple of 8
 * bytes so that the data starts aligned.  The header is UTF-8, as the
 * format requires: bytes of a key, value or name that are not UTF-8 become
 * U+FFFD (callers with a lossless representation, such as percent-escaping
 * for URIs, apply it first).  Returns a string to free with g_free() (its
 * length in @length), or NULL on bad input (a tensor whose byte count does
 * not match its shape, too many dimensions, a tensor named __metadata__ or
 * like another).  Of metadata with the same key, the last value is kept. */
char *cps_safetensors_header (const CpsStTensor * tensors, size_t n_tensors,
    const CpsStMetadata * metadata, size_t n_metadata, size_t *length);

/* Writes the whole file to @path atomically and durably
 * (g_file_set_contents_full() with G_FILE_SET_CONTENTS_CONSISTENT: a
 * temporary file next to it, synced and renamed over @path), so a reader
 * never sees a partial file under the final name.  Returns FALSE with
 * @error set (a GFileError) on failure. */
gboolean cps_safetensors_write_file (const char *path,
    const CpsStTensor * tensors, size_t n_tensors,
    const CpsStMetadata * metadata, size_t n_metadata, GError ** error);

/* Expands a multifilesink-style @pattern holding exactly one integer
 * conversion (%d, %i, %u, %x, %X with optional flags "0-+ #", a field width
 * of at most 32 and an optional l or ll; "%%" is a literal percent) with
 * @index.  Returns a malloc'd string, or NULL if the pattern breaks one of
 * these rules; cps_location_problem() says which. */
char *cps_format_location (const char *pattern, uint64_t index);

/* NULL when cps_format_location() accepts @pattern, else a sentence naming
 * the rule it breaks (a static string). */
const char *cps_location_problem (const char *pattern);

G_END_DECLS
#endif /* CPS_SAFETENSORS_H */
