/* ids.h — opaque 64-bit identifiers.
 *
 * An id is positive and fits in a signed 64-bit column on both backends. The top bits are
 * milliseconds since 2024-01-01 so ids sort roughly by creation (good B-tree locality and a
 * natural default order for keyset paging); the low 22 bits are random so that the CLI and
 * the server can both create rows without coordinating. Clients treat ids as opaque strings:
 * JSON carries them as decimal strings because JavaScript numbers lose precision past 2^53. */
#ifndef WJ_IDS_H
#define WJ_IDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

int64_t wj_id_new(void);
/* The smallest id a process could have created `ms_ago` milliseconds ago (wall clock):
 * rows with ids from it on were created since then. For catching up with other writers. */
int64_t wj_id_since(int64_t ms_ago);
/* Formats an id as decimal (at most 20 chars + NUL). */
void wj_id_format(int64_t id, char out[24]);
/* Parses a decimal id; false unless it is a positive int64 with no junk. */
bool wj_id_parse(const char *s, int64_t *id);
/* An id as JSON: its decimal string, null for 0. */
json_t *wj_id_json(int64_t id);

#endif
