/* facilities_demo.c — the demo city's facilities (演示数据): hospitals of every level with
 * campuses, departments and the six centres, community and township facilities. Written as
 * the same JSON documents the API takes, through the same validation. */
#include <stdio.h>

#include "../core/err.h"
#include "facilities.h"

static const char *const documents[] = {
    "{\"name\":\"" FACILITIES_DEMO_HOSPITAL "\",\"level\":\"tertiary\",\"grade\":\"a\",\"type\":\"general_hospital\","
    "\"area_code\":\"370102001001\",\"address\":\"历下区青年东路5号\",\"lat\":36.6656,\"lon\":117.0321,\"beds\":1600,"
    "\"phone\":\"0531-86001120\",\"capabilities\":[\"chest_pain\",\"stroke\",\"trauma\",\"thrombolysis\"],"
    "\"campuses\":[{\"name\":\"本部\",\"address\":\"历下区青年东路5号\",\"lat\":36.6656,\"lon\":117.0321,"
    "\"departments\":[{\"name\":\"急诊科\",\"code\":\"20\"},{\"name\":\"心血管内科\",\"code\":\"03.04\"},"
    "{\"name\":\"神经内科\",\"code\":\"03.06\"},{\"name\":\"普通外科\",\"code\":\"04.01\"},{\"name\":\"妇产科\",\"code\":\"05\"},"
    "{\"name\":\"儿科\",\"code\":\"07\"},{\"name\":\"医学影像科\",\"code\":\"32\"}]},"
    "{\"name\":\"东院区\",\"address\":\"历下区经十路16号\",\"lat\":36.6512,\"lon\":117.0889,"
    "\"departments\":[{\"name\":\"康复医学科\",\"code\":\"21\"},{\"name\":\"老年病科\",\"code\":\"03.12\"}]}]}",

    "{\"name\":\"济南市中医医院\",\"level\":\"tertiary\",\"grade\":\"a\",\"type\":\"tcm_hospital\","
    "\"area_code\":\"370103001001\",\"address\":\"市中区经四路76号\",\"lat\":36.6597,\"lon\":116.9912,\"beds\":900,"
    "\"phone\":\"0531-86012345\",\"capabilities\":[\"stroke\"],"
    "\"campuses\":[{\"name\":\"本部\",\"departments\":[{\"name\":\"针灸科\",\"code\":\"50.07\"},"
    "{\"name\":\"中医内科\",\"code\":\"50.01\"},{\"name\":\"推拿科\",\"code\":\"50.08\"}]}]}",

    "{\"name\":\"济南市妇幼保健院\",\"level\":\"tertiary\",\"grade\":\"a\",\"type\":\"maternal_child\","
    "\"area_code\":\"370102002001\",\"address\":\"历下区芙蓉街2号\",\"lat\":36.6672,\"lon\":117.0213,\"beds\":700,"
    "\"capabilities\":[\"critical_maternal\",\"critical_child\"],"
    "\"campuses\":[{\"name\":\"本部\",\"departments\":[{\"name\":\"产科\",\"code\":\"05.02\"},"
    "{\"name\":\"新生儿科\",\"code\":\"07.06\"},{\"name\":\"儿童保健科\",\"code\":\"08\"}]}]}",

    "{\"name\":\"济阳区人民医院\",\"level\":\"secondary\",\"grade\":\"a\",\"type\":\"general_hospital\","
    "\"area_code\":\"370115001001\",\"address\":\"济阳区纬二路1号\",\"lat\":36.9785,\"lon\":117.1731,\"beds\":650,"
    "\"phone\":\"0531-84236120\",\"capabilities\":[\"chest_pain\",\"stroke\",\"thrombolysis\"],"
    "\"campuses\":[{\"name\":\"本部\",\"departments\":[{\"name\":\"急诊科\"},{\"name\":\"内科\"},{\"name\":\"外科\"}]}]}",

    "{\"name\":\"济南市疾病预防控制中心\",\"level\":\"unrated\",\"type\":\"cdc\",\"area_code\":\"370103001000\","
    "\"address\":\"市中区大观园街道纬二路8号\",\"lat\":36.6583,\"lon\":116.9987}",

    "{\"name\":\"济南市急救中心\",\"level\":\"unrated\",\"type\":\"emergency_center\",\"area_code\":\"370102002000\","
    "\"address\":\"历下区泉城路120号\",\"lat\":36.6689,\"lon\":117.0255,\"phone\":\"0531-86120120\"}",

    "{\"name\":\"济阳区急救站\",\"level\":\"unrated\",\"type\":\"emergency_station\",\"area_code\":\"370115001000\","
    "\"address\":\"济阳区纬二路3号\",\"lat\":36.9791,\"lon\":117.1742}",

    "{\"name\":\"解放路街道社区卫生服务中心\",\"level\":\"primary\",\"type\":\"chc\",\"area_code\":\"370102001002\","
    "\"address\":\"历下区和平路21号\",\"lat\":36.6631,\"lon\":117.0402,\"beds\":20,"
    "\"campuses\":[{\"name\":\"本部\",\"departments\":[{\"name\":\"全科医疗科\",\"code\":\"02\"},{\"name\":\"预防保健科\",\"code\":\"01\"}]}]}",

    "{\"name\":\"青年东路社区卫生服务站\",\"level\":\"primary\",\"type\":\"chs\",\"area_code\":\"370102001001\","
    "\"address\":\"历下区青年东路33号\",\"lat\":36.6668,\"lon\":117.0355}",

    "{\"name\":\"泉城路街道社区卫生服务中心\",\"level\":\"primary\",\"type\":\"chc\",\"area_code\":\"370102002001\","
    "\"address\":\"历下区芙蓉街45号\",\"lat\":36.6690,\"lon\":117.0190}",

    "{\"name\":\"大观园街道社区卫生服务中心\",\"level\":\"primary\",\"type\":\"chc\",\"area_code\":\"370103001001\","
    "\"address\":\"市中区经四路200号\",\"lat\":36.6601,\"lon\":116.9855}",

    "{\"name\":\"崔寨镇卫生院\",\"level\":\"primary\",\"type\":\"township_hc\",\"area_code\":\"370115101000\","
    "\"address\":\"济阳区崔寨镇政府街6号\",\"lat\":36.8722,\"lon\":117.1021,\"beds\":40}",

    "{\"name\":\"崔寨村卫生室\",\"level\":\"unrated\",\"type\":\"village_clinic\",\"area_code\":\"370115101201\","
    "\"address\":\"济阳区崔寨镇崔寨村\",\"lat\":36.8689,\"lon\":117.0987}",

    "{\"name\":\"历下区托育服务中心\",\"level\":\"unrated\",\"type\":\"childcare\",\"area_code\":\"370102001002\","
    "\"address\":\"历下区和平路60号\",\"lat\":36.6620,\"lon\":117.0431}",
    NULL,
};

bool facilities_demo(wj_conn *c)
{
    for (const char *const *d = documents; *d; d++) {
        json_error_t je;
        json_t *doc = json_loads(*d, 0, &je);
        if (!doc) {
            fprintf(stderr, "facilities demo: bad document: %s\n", je.text);
            return false;
        }
        wj_error err = {0};
        int64_t id = facilities_create_from_json(c, doc, 0, &err);
        json_decref(doc);
        if (!id) {
            fprintf(stderr, "facilities demo: %s: %s\n", err.field, err.message);
            wj_error_clear(&err);
            return false;
        }
    }
    return true;
}
