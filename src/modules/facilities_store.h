/* facilities_store.h — shared by the two files of the facilities module only (facilities.c,
 * the routes; facilities_store.c, the storage). Other modules use facilities.h. */
#ifndef WJ_FACILITIES_STORE_H
#define WJ_FACILITIES_STORE_H

#include "facilities.h"

/* The columns facilities_row_json reads, selected from `facilities f`, and their indexes. */
#define FACILITIES_COLS                                                                                                \
    "f.id, f.name, f.level, f.grade, f.type, f.area_id, f.address, f.lat, f.lon, f.beds, f.phone, f.active, "          \
    "f.version, f.created_at, f.updated_at"
enum {
    FC_ID,
    FC_NAME,
    FC_LEVEL,
    FC_GRADE,
    FC_TYPE,
    FC_AREA,
    FC_ADDRESS,
    FC_LAT,
    FC_LON,
    FC_BEDS,
    FC_PHONE,
    FC_ACTIVE,
    FC_VERSION,
    FC_CREATED,
    FC_UPDATED,
};

/* The JSON of row i of a FACILITIES_COLS result: the list item, or with `full` the whole
 * document (adds campuses with their departments). The caller owns it; NULL on a database
 * error. */
json_t *facilities_row_json(wj_conn *c, const db_rows *rows, int i, bool full);
/* The same for one facility by id; NULL when there is none or on a database error. */
json_t *facilities_row_by_id(wj_conn *c, int64_t id, bool full);

#endif
