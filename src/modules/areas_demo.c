/* areas_demo.c — the demo city's area tree (演示数据): 济南市 with 6 districts, 60
 * streets and towns, 400 communities and villages, laid over a real road network (the
 * OpenStreetMap extract of roads.h). The network's nodes are split into 6 districts, each
 * into 10 streets, each street's nodes give its communities' points, so every area sits on
 * a real road. Deterministic: the same input file always gives the same city.
 *
 * Codes follow the statistical division layout; the districts are 济南's real GB/T 2260
 * codes, and 济阳区 carries the real 2018 change from 济阳县 370125 to 370115 in its
 * history. Street, community and village names are invented. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/ids.h"
#include "areas.h"
#include "roads.h"

#define DISTRICTS 6
#define STREETS_PER_DISTRICT 10

typedef struct district {
    const char *code6, *name;
    bool rural; /* half its streets are towns (镇) with villages (村) */
    /* Streets whose names the tests and docs rely on, in order; the rest are generated. */
    const char *fixed_streets[3];
} district;

static const district districts[DISTRICTS] = {
    {"370102", "历下区", false, {"解放路街道", "泉城路街道", NULL}},
    {"370103", "市中区", false, {"大观园街道", NULL}},
    {"370104", "槐荫区", false, {NULL}},
    {"370105", "天桥区", false, {NULL}},
    {"370112", "历城区", true, {NULL}},
    {"370115", "济阳区", true, {"济阳街道", NULL}},
};

/* Fixed communities: (street code, community code, name). */
static const struct {
    const char *street, *code, *name;
} fixed_communities[] = {
    {"370102001000", "370102001001", "青年东路社区"}, {"370102001000", "370102001002", "和平新村社区"},
    {"370102002000", "370102002001", "芙蓉街社区"},   {"370103001000", "370103001001", "经四路社区"},
    {"370115001000", "370115001001", "城关社区"},     {"370115101000", "370115101201", "崔寨村"},
};

static const char *const street_words[] = {
    "文化", "建设", "和平", "幸福", "光明", "东风", "新华", "胜利", "民主", "团结", "友谊", "长青", "春晖",
    "阳光", "锦绣", "泉景", "舜华", "燕山", "千佛山", "龙泉", "环山", "甸柳", "姚家", "智远", "文东", "洪楼",
    "华山", "鲍山", "东城", "西城", "南关", "北园", "工人新村", "段店", "道德街", "营市街", "青年公园", "五里沟",
    "振兴街", "中大槐树", "张庄路", "匡山", "美里湖", "无影山", "天桥东街", "北坦", "制锦市", "堤口路", "宝华街",
    "官扎营", "纬北路", "药山", "桑梓店", "大桥", "山大路", "全福", "王舍人", "荷花路", "港沟", "郭店",
};

/* Towns of the two rural districts, in street-code order (济阳's first is 崔寨镇). */
static const char *const towns[2][5] = {
    {"唐王", "董家", "遥墙", "柳埠", "仲宫"},
    {"崔寨", "孙耿", "曲堤", "仁风", "垛石"},
};

/* Community names: one of 20 × 20 syllable pairs (东苑, 西园, …), so 400 are all distinct;
 * village names: a surname and a settlement word (王家村, 李庄村, …). */
static const char *const first_syl[] = {"东", "西", "南", "北", "新", "华", "文", "和", "福", "康",
                                        "安", "泰", "嘉", "明", "清", "绿", "金", "锦", "丰", "盛"};
static const char *const second_syl[] = {"苑", "园", "城", "景", "居", "湖", "桥", "府", "庭", "林",
                                         "岭", "泉", "山", "河", "里", "坊", "湾", "台", "阁", "源"};
static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "孙", "马",
                                       "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐"};
static const char *const settlements[] = {"家", "庄", "屯", "寨", "营", "集", "店", "楼"};

static void community_name(char *out, size_t n, bool village, unsigned k)
{
    if (village)
        snprintf(out, n, "%s%s村", surnames[k % 24], settlements[(k / 24) % 8]);
    else
        snprintf(out, n, "%s%s社区", first_syl[k % 20], second_syl[(k / 20 + k) % 20]);
}

typedef struct pt {
    double lat, lon;
} pt;

static int by_lon(const void *a, const void *b)
{
    double x = ((const pt *)a)->lon, y = ((const pt *)b)->lon;
    return (x > y) - (x < y);
}

static int by_lat(const void *a, const void *b)
{
    double x = ((const pt *)a)->lat, y = ((const pt *)b)->lat;
    return (x > y) - (x < y);
}

/* Splits pts[0..n) into k consecutive slices along one axis; slice i is [cut[i], cut[i+1]). */
static void slices(pt *pts, size_t n, int k, bool lon, size_t *cut)
{
    qsort(pts, n, sizeof *pts, lon ? by_lon : by_lat);
    for (int i = 0; i <= k; i++)
        cut[i] = n * (size_t)i / (size_t)k;
}

static bool add(wj_conn *c, const char *code, const char *name, const char *level, int64_t parent, pt at,
                int64_t *id)
{
    *id = areas_insert(c, code, name, level, parent, 0);
    return *id && areas_set_location(c, *id, at.lat, at.lon);
}

/* Communities of one street: `n` points spread along its nodes. */
static bool add_communities(wj_conn *c, const char *street_code, int64_t street_id, bool town, pt *pts, size_t npts,
                            int n, unsigned *word)
{
    int fixed = 0;
    for (size_t f = 0; f < sizeof fixed_communities / sizeof fixed_communities[0]; f++)
        if (strcmp(fixed_communities[f].street, street_code) == 0) {
            int64_t id;
            if (!add(c, fixed_communities[f].code, fixed_communities[f].name, "community", street_id,
                     pts[npts * (size_t)fixed / (size_t)n], &id))
                return false;
            fixed++;
        }
    qsort(pts, npts, sizeof *pts, by_lon);
    for (int i = fixed; i < n; i++) {
        char code[16], name[64];
        /* 居委会 codes 001–199, 村委会 201–399, after any fixed ones. */
        snprintf(code, sizeof code, "%.9s%03d", street_code, (town ? 200 : 0) + i + 1);
        community_name(name, sizeof name, town, (*word)++);
        int64_t id;
        if (!add(c, code, name, "community", street_id, pts[npts * (size_t)i / (size_t)n + npts / (size_t)(2 * n)], &id))
            return false;
    }
    return true;
}

bool areas_demo(wj_conn *c)
{
    const roads *r = roads_default();
    if (!r) {
        fprintf(stderr, "areas demo: no road network at %s (set WEIJIAN_ROADS)\n", roads_default_path());
        return false;
    }
    pt *pts = malloc(r->nnodes * sizeof *pts);
    if (!pts)
        return false;
    for (size_t i = 0; i < r->nnodes; i++)
        pts[i] = (pt){r->nodes[i].lat, r->nodes[i].lon};
    int64_t city;
    size_t dcut[4], half[3], scut[6];
    bool ok = add(c, "370100000000", "济南市", "city", 0, pts[r->nnodes / 2], &city);
    /* Districts: three bands west to east, each split south and north. */
    slices(pts, r->nnodes, 3, true, dcut);
    unsigned sword = 0, cword = 0, vword = 0;
    for (int d = 0; ok && d < DISTRICTS; d++) {
        pt *dp = pts + dcut[d / 2];
        size_t dn = dcut[d / 2 + 1] - dcut[d / 2];
        slices(dp, dn, 2, false, half);
        dp += half[d % 2];
        dn = half[d % 2 + 1] - half[d % 2];
        const district *ds = &districts[d];
        char code[16];
        snprintf(code, sizeof code, "%s000000", ds->code6);
        int64_t did;
        ok = add(c, code, ds->name, "district", city, dp[dn / 2], &did);
        /* Streets: the district's nodes in two rows of five. */
        for (int row = 0; ok && row < 2; row++) {
            slices(dp, dn, 2, false, half);
            pt *rp = dp + half[row];
            size_t rn = half[row + 1] - half[row];
            slices(rp, rn, 5, true, scut);
            for (int col = 0; ok && col < 5; col++) {
                int s = row * 5 + col;
                bool town = ds->rural && s >= 5;
                char scode[16], sname[64];
                if (town) {
                    snprintf(scode, sizeof scode, "%s%03d000", ds->code6, 101 + s - 5);
                    snprintf(sname, sizeof sname, "%s镇", towns[d == 5][s - 5]);
                } else {
                    snprintf(scode, sizeof scode, "%s%03d000", ds->code6, s + 1);
                    if (s < 3 && ds->fixed_streets[s])
                        snprintf(sname, sizeof sname, "%s", ds->fixed_streets[s]);
                    else
                        snprintf(sname, sizeof sname, "%s街道",
                                 street_words[sword++ % (sizeof street_words / sizeof street_words[0])]);
                }
                pt *sp = rp + scut[col];
                size_t sn = scut[col + 1] - scut[col];
                int64_t sid;
                ok = add(c, scode, sname, "street", did, sp[sn / 2], &sid);
                /* 400 communities over 60 streets: 7 in the first 40, 6 in the last 20. */
                int ncomm = (d * STREETS_PER_DISTRICT + s) < 40 ? 7 : 6;
                ok = ok && add_communities(c, scode, sid, town, sp, sn, ncomm, town ? &vword : &cword);
            }
        }
    }
    free(pts);
    if (!ok)
        return false;
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
