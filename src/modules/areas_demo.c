/* areas_demo.c — the demo city's area tree (演示数据). Codes follow the statistical division
 * code layout; 济阳区 carries the real 2018 change from 济阳县 370125 to 370115 in its history. */
#include <string.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "areas.h"

typedef struct demo_area {
    const char *code, *name, *level, *parent;
} demo_area;

static const demo_area tree[] = {
    {"370100000000", "济南市", "city", NULL},
    {"370102000000", "历下区", "district", "370100000000"},
    {"370102001000", "解放路街道", "street", "370102000000"},
    {"370102001001", "青年东路社区", "community", "370102001000"},
    {"370102001002", "和平新村社区", "community", "370102001000"},
    {"370102002000", "泉城路街道", "street", "370102000000"},
    {"370102002001", "芙蓉街社区", "community", "370102002000"},
    {"370103000000", "市中区", "district", "370100000000"},
    {"370103001000", "大观园街道", "street", "370103000000"},
    {"370103001001", "经四路社区", "community", "370103001000"},
    {"370115000000", "济阳区", "district", "370100000000"},
    {"370115001000", "济阳街道", "street", "370115000000"},
    {"370115001001", "城关社区", "community", "370115001000"},
    {"370115101000", "崔寨镇", "street", "370115000000"},
    {"370115101201", "崔寨村", "community", "370115101000"},
    {NULL, NULL, NULL, NULL},
};

bool areas_demo(wj_conn *c)
{
    for (const demo_area *d = tree; d->code; d++) {
        areas_ref parent = {0};
        if (d->parent && !areas_find_by_code(c, d->parent, &parent))
            return false;
        if (!areas_insert(c, d->code, d->name, d->level, parent.id, 0))
            return false;
    }
    /* 济阳: a county until 2018, then a district with a new code. The history row of the
     * county code ends when the district code begins, so the old code still resolves. */
    areas_ref jiyang;
    if (!areas_find_by_code(c, "370115000000", &jiyang))
        return false;
    int64_t change = 1539129600000LL; /* 2018-10-10, approval of 撤县设区 */
    return db_exec(c, "UPDATE area_history SET valid_from = ?, reason = ? WHERE area_id = ?",
                   DBP(DB_I(change), DB_S("撤县设区 (国函〔2018〕123号)"), DB_I(jiyang.id)), NULL) == DB_OK &&
           db_exec(c,
                   "INSERT INTO area_history (id, area_id, code, name, valid_from, valid_to, reason) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   DBP(DB_I(wj_id_new()), DB_I(jiyang.id), DB_S("370125000000"), DB_S("济阳县"),
                       DB_I(-631180800000LL), DB_I(change), DB_S("created")),
                   NULL) == DB_OK;
}
