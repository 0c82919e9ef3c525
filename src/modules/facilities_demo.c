/* facilities_demo.c — the demo city's facilities (演示数据): 40+ hospitals of every level
 * and type with campuses, departments and the six centres; a community health service
 * centre or township health centre in every street and town; stations in communities,
 * clinics in villages; CDCs, emergency stations, a blood station, childcare centres. Each
 * stands on a road node of the demo network near its area's point, and goes through the
 * same validation as the API (facilities_create_from_json). Deterministic. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/err.h"
#include "areas.h"
#include "facilities.h"
#include "roads.h"

typedef struct place {
    const char *area; /* 12-digit code */
    int slot;         /* which spot around the area's point (0 = the point itself) */
} place;

/* The road node nearest to the area's point shifted to its `slot` on a spiral of ~250 m
 * steps: facilities of one area stand apart, each on a real road. */
static bool locate(wj_conn *c, const place *p, double *lat, double *lon)
{
    areas_ref a;
    double alat, alon;
    const roads *r = roads_default();
    if (!r || !areas_find_by_code(c, p->area, &a) || !areas_location(c, a.id, &alat, &alon))
        return false;
    double ang = p->slot * 2.39996, rad = p->slot ? 0.0025 * sqrt((double)p->slot) : 0;
    double tlat = alat + rad * sin(ang), tlon = alon + rad * cos(ang) / cos(alat * M_PI / 180);
    double best = 1e18;
    for (size_t i = 0; i < r->nnodes; i++) {
        double dl = r->nodes[i].lat - tlat, dn = (r->nodes[i].lon - tlon) * cos(tlat * M_PI / 180);
        double d = dl * dl + dn * dn;
        if (d < best) {
            best = d;
            *lat = r->nodes[i].lat;
            *lon = r->nodes[i].lon;
        }
    }
    return true;
}

static bool create(wj_conn *c, json_t *doc, const place *p)
{
    double lat, lon;
    if (!locate(c, p, &lat, &lon)) {
        fprintf(stderr, "facilities demo: no point for area %s\n", p->area);
        json_decref(doc);
        return false;
    }
    json_object_set_new(doc, "area_code", json_string(p->area));
    json_object_set_new(doc, "lat", json_real(round(lat * 1e6) / 1e6));
    json_object_set_new(doc, "lon", json_real(round(lon * 1e6) / 1e6));
    /* A hospital's campuses without their own point stand where the hospital does. */
    json_t *camp;
    size_t i;
    json_array_foreach(json_object_get(doc, "campuses"), i, camp) if (!json_object_get(camp, "lat"))
    {
        double clat = lat, clon = lon;
        if (i > 0) {
            place other = {p->area, p->slot + 7 + (int)i};
            locate(c, &other, &clat, &clon);
        }
        json_object_set_new(camp, "lat", json_real(round(clat * 1e6) / 1e6));
        json_object_set_new(camp, "lon", json_real(round(clon * 1e6) / 1e6));
    }
    wj_error err = {0};
    int64_t id = facilities_create_from_json(c, doc, 0, &err);
    if (!id)
        fprintf(stderr, "facilities demo: %s: %s %s\n", json_string_value(json_object_get(doc, "name")), err.field,
                err.message);
    json_decref(doc);
    wj_error_clear(&err);
    return id != 0;
}

/* Departments (name, 诊疗科目 code) by kind of hospital. */
static const char *const general_depts[][2] = {
    {"急诊科", "20"},     {"心血管内科", "03.04"}, {"神经内科", "03.06"}, {"呼吸内科", "03.02"}, {"消化内科", "03.03"},
    {"内分泌科", "03.08"}, {"普通外科", "04.01"},  {"骨科", "04.06"},     {"妇产科", "05"},       {"儿科", "07"},
    {"眼科", "10"},       {"耳鼻咽喉科", "11"},    {"口腔科", "12"},      {"皮肤科", "13"},       {"医学影像科", "32"},
    {"检验科", "30"},     {"康复医学科", "21"},    {"老年病科", "03.12"},
};
static const char *const tcm_depts[][2] = {{"中医内科", "50.01"}, {"针灸科", "50.07"}, {"推拿科", "50.08"},
                                           {"中医骨伤科", "50.05"}, {"中医妇科", "50.03"}, {"治未病科", "50.20"}};
static const char *const mch_depts[][2] = {{"产科", "05.02"}, {"妇科", "05.01"}, {"新生儿科", "07.06"},
                                           {"儿童保健科", "08"}, {"妇女保健科", "06"}};

static json_t *departments(const char *const (*d)[2], size_t n, size_t first, size_t count)
{
    json_t *a = json_array();
    for (size_t i = 0; i < count && i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "name", d[(first + i) % n][0], "code", d[(first + i) % n][1]));
    return a;
}

/* A JSON array of capability codes from "a,b,c". */
static json_t *caps_from(const char *list)
{
    json_t *caps = json_array();
    char buf[128];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(caps, json_string(t));
    return caps;
}

/* Departments suited to a hospital type: `count` of them, starting at `first`. */
static json_t *departments_for(const char *type, size_t first, size_t count)
{
    if (strcmp(type, "tcm_hospital") == 0)
        return departments(tcm_depts, 6, first, count);
    if (strcmp(type, "maternal_child") == 0)
        return departments(mch_depts, 5, 0, count);
    return departments(general_depts, 18, first, count);
}

static json_t *hospital(const char *name, const char *level, const char *grade, const char *type, int beds,
                        json_t *campuses, json_t *caps, const char *address)
{
    json_t *d = json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:s}", "name", name, "level", level, "type", type, "beds",
                          beds, "campuses", campuses, "capabilities", caps ? caps : json_array(), "address", address);
    if (grade)
        json_object_set_new(d, "grade", json_string(grade));
    return d;
}

/* The city's own hospitals and centres (市级), in the central districts. */
static bool city_level(wj_conn *c)
{
    json_t *first = hospital(
        FACILITIES_DEMO_HOSPITAL, "tertiary", "a", "general_hospital", 1600,
        json_pack("[{s:s, s:s, s:o}, {s:s, s:s, s:o}]", "name", "本部", "address", "历下区青年东路5号", "departments",
                  departments(general_depts, 18, 0, 14), "name", "东院区", "address", "历下区经十路16号",
                  "departments", departments(general_depts, 18, 14, 4)),
        json_pack("[s,s,s,s]", "chest_pain", "stroke", "trauma", "thrombolysis"), "历下区青年东路5号");
    json_object_set_new(first, "phone", json_string("0531-86001120"));
    if (!create(c, first, &(place){"370102001001", 0}))
        return false;
    static const struct {
        const char *name, *level, *grade, *type, *area, *caps;
        int beds, depts;
    } h[] = {
        {"济南市第二人民医院", "tertiary", "a", "general_hospital", "370104001001", "chest_pain,stroke,thrombolysis", 1200, 16},
        {"济南市第三人民医院", "tertiary", "b", "general_hospital", "370105001001", "chest_pain,trauma", 900, 14},
        {"济南市第四人民医院", "secondary", "a", "general_hospital", "370103002001", "stroke", 600, 12},
        {"济南市中医医院", "tertiary", "a", "tcm_hospital", "370103001001", "stroke", 900, 6},
        {"济南市妇幼保健院", "tertiary", "a", "maternal_child", "370102002001", "critical_maternal,critical_child", 700, 5},
        {"济南市儿童医院", "tertiary", "a", "specialized_hospital", "370104002001", "critical_child", 800, 6},
        {"济南市传染病医院", "tertiary", "b", "specialized_hospital", "370105002001", "", 500, 5},
        {"济南市精神卫生中心", "tertiary", "b", "specialized_hospital", "370112001001", "", 600, 4},
        {"济南市口腔医院", "secondary", "a", "specialized_hospital", "370103003001", "", 120, 3},
        {"济南市肿瘤医院", "tertiary", "b", "specialized_hospital", "370104003001", "", 700, 8},
        {"济南市康复医院", "secondary", "b", "specialized_hospital", "370105003001", "", 300, 4},
    };
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
        json_t *caps = caps_from(h[i].caps);
        json_t *depts = departments_for(h[i].type, strcmp(h[i].type, "tcm_hospital") == 0 ? 0 : i, (size_t)h[i].depts);
        char addr[128];
        snprintf(addr, sizeof addr, "%s院前街%zu号", h[i].name + 9, 10 + i * 7);
        json_t *d = hospital(h[i].name, h[i].level, h[i].grade, h[i].type, h[i].beds,
                             json_pack("[{s:s, s:o}]", "name", "本部", "departments", depts), caps, addr);
        if (!create(c, d, &(place){h[i].area, 1}))
            return false;
    }
    static const struct {
        const char *name, *type, *area;
    } centres[] = {
        {"济南市疾病预防控制中心", "cdc", "370103001000"},
        {"济南市急救中心", "emergency_center", "370102002000"},
        {"济南市中心血站", "blood_station", "370104001000"},
    };
    for (size_t i = 0; i < sizeof centres / sizeof centres[0]; i++) {
        json_t *d = json_pack("{s:s, s:s, s:s, s:s}", "name", centres[i].name, "level", "unrated", "type",
                              centres[i].type, "address", "演示地址");
        if (!create(c, d, &(place){centres[i].area, 2}))
            return false;
    }
    return true;
}

/* Each district's hospitals and centres (区级). */
static bool district_level(wj_conn *c, const areas_ref *d, int k)
{
    char name[160], area[16], first_street[16];
    snprintf(first_street, sizeof first_street, "%.6s001000", d->code);
    snprintf(area, sizeof area, "%.6s001001", d->code);
    static const struct {
        const char *suffix, *level, *grade, *type, *caps;
        int beds;
    } h[] = {
        {"人民医院", "secondary", "a", "general_hospital", "chest_pain,stroke,thrombolysis", 650},
        {"中医医院", "secondary", "a", "tcm_hospital", "", 300},
        {"妇幼保健院", "secondary", "b", "maternal_child", "", 150},
        {"第二人民医院", "secondary", "b", "general_hospital", "", 300},
        {"骨科医院", "primary", NULL, "specialized_hospital", "", 80},
    };
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
        snprintf(name, sizeof name, "%s%s", d->name, h[i].suffix);
        json_t *caps = caps_from(h[i].caps);
        bool general = strcmp(h[i].type, "general_hospital") == 0 || strcmp(h[i].type, "specialized_hospital") == 0;
        json_t *depts = departments_for(h[i].type, general ? (size_t)k * 3 + i : (size_t)k, general ? 8 : 4);
        char addr[160];
        snprintf(addr, sizeof addr, "%s健康路%zu号", d->name, 1 + i * 11);
        json_t *doc = hospital(name, h[i].level, h[i].grade, h[i].type, h[i].beds,
                               json_pack("[{s:s, s:o}]", "name", "本部", "departments", depts), caps, addr);
        if (!create(c, doc, &(place){area, 3 + (int)i}))
            return false;
    }
    static const struct {
        const char *suffix, *type;
    } centres[] = {{"疾病预防控制中心", "cdc"}, {"急救站", "emergency_station"}, {"托育服务中心", "childcare"}};
    for (size_t i = 0; i < sizeof centres / sizeof centres[0]; i++) {
        snprintf(name, sizeof name, "%s%s", d->name, centres[i].suffix);
        json_t *doc = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "level", "unrated", "type", centres[i].type,
                                "address", "演示地址");
        if (!create(c, doc, &(place){first_street, 3 + (int)i}))
            return false;
    }
    return true;
}

/* A centre in every street (社区卫生服务中心) or town (乡镇卫生院); stations in every other
 * community; a clinic in every village; a childcare centre in every fifth street. */
static bool primary_level(wj_conn *c, const areas_ref *street, int n)
{
    bool town = strstr(street->name, "镇") != NULL;
    char name[200];
    snprintf(name, sizeof name, "%s%s", town ? street->name : street->name,
             town ? "卫生院" : "社区卫生服务中心");
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:i, s:[{s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}]}", "name",
                            name, "level", "primary", "type", town ? "township_hc" : "chc", "address", "演示地址",
                            "beds", town ? 40 : 20, "campuses", "name", "本部", "departments", "name", "全科医疗科",
                            "code", "02", "name", "预防保健科", "code", "01", "name", "中医科", "code", "50");
    if (!create(c, doc, &(place){street->code, 0}))
        return false;
    if (n % 5 == 4) {
        snprintf(name, sizeof name, "%s托育园", street->name);
        doc = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "level", "unrated", "type", "childcare", "address",
                        "演示地址");
        if (!create(c, doc, &(place){street->code, 2}))
            return false;
    }
    db_rows *rows;
    if (db_query(c, "SELECT code, name FROM areas WHERE parent_id = ? ORDER BY code", DBP(DB_I(street->id)), &rows) !=
        DB_OK)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < rows->nrows; i++) {
        const char *cname = db_text(rows, i, 1);
        bool village = strstr(cname, "村") != NULL && !strstr(cname, "社区");
        if (!village && i % 2 == 1)
            continue;
        char code[16];
        snprintf(code, sizeof code, "%s", db_text(rows, i, 0));
        snprintf(name, sizeof name, "%s%s", cname, village ? "卫生室" : "卫生服务站");
        doc = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "level", village ? "unrated" : "primary", "type",
                        village ? "village_clinic" : "chs", "address", "演示地址");
        ok = create(c, doc, &(place){code, 1});
    }
    db_rows_free(rows);
    return ok;
}

bool facilities_demo(wj_conn *c)
{
    if (!city_level(c))
        return false;
    db_rows *districts;
    if (db_query(c, "SELECT code FROM areas WHERE level = 'district' ORDER BY code", DBP_NONE, &districts) != DB_OK)
        return false;
    bool ok = true;
    int street_no = 0;
    for (int d = 0; ok && d < districts->nrows; d++) {
        areas_ref dist;
        ok = areas_find_by_code(c, db_text(districts, d, 0), &dist) && district_level(c, &dist, d);
        db_rows *streets;
        if (!ok || db_query(c, "SELECT code FROM areas WHERE parent_id = ? ORDER BY code", DBP(DB_I(dist.id)),
                            &streets) != DB_OK)
            break;
        for (int s = 0; ok && s < streets->nrows; s++) {
            areas_ref st;
            ok = areas_find_by_code(c, db_text(streets, s, 0), &st) && primary_level(c, &st, street_no++);
        }
        db_rows_free(streets);
    }
    db_rows_free(districts);
    return ok;
}
