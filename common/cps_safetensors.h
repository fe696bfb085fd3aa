/* cps — codec patch selection
 * Copyright (C) 2026 the cps developers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A writer for the safetensors format (https://huggingface.co/docs/
 * safetensors): an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the tensors' bytes back
 * to back.  Plain C, no GStreamer.
 */
#ifndef CPS_SAFETENSORS_H
#define CPS_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

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
 * bytes so that the data starts aligned.  Returns a malloc'd string (its
 * length in @length) or NULL on bad input (a tensor whose byte count does
 * not match its shape, or too many dimensions). */
char *cps_safetensors_header (const CpsStTensor * tensors, size_t n_tensors,
    const CpsStMetadata * metadata, size_t n_metadata, size_t *length);

/* Writes the whole file to @path atomically: into a temporary file next to
 * it, flushed and renamed over @path, so a reader never sees a partial
 * file under the final name.  Returns 0, or an errno value. */
int cps_safetensors_write_file (const char *path,
    const CpsStTensor * tensors, size_t n_tensors,
    const CpsStMetadata * metadata, size_t n_metadata);

/* Expands a multifilesink-style @pattern holding exactly one integer
 * conversion (%d, %u, %05d, %lu, …; "%%" is a literal percent) with
 * @index.  Returns a malloc'd string, or NULL if the pattern has no
 * conversion, more than one, an unsupported one, or a field width above
 * 32. */
char *cps_format_location (const char *pattern, uint64_t index);

#ifdef __cplusplus
}
#endif
#endif /* CPS_SAFETENSORS_H */
