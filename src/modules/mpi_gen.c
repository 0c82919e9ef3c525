/* mpi_gen.c — see mpi_gen.h. A synthetic population: names from weighted tables of real
 * surnames and common given-name characters (sex- and era-flavoured), birth dates from an
 * age pyramid, 11-digit mobiles, addresses in the given communities, valid ID numbers
 * (GB 11643) whose division, birth date and sex agree with the person, card numbers, and
 * registrations at the given hospitals. Then duplicates (a second registration at another
 * hospital without ID card, with one perturbation) and hard negatives (namesakes, twins)
 * at the configured rates.
 *
 * Everything is drawn from one xoshiro256** stream seeded by splitmix64, so the output is
 * a function of the configuration. Card numbers are bijective scrambles of a counter (no
 * two people share one); ID numbers are kept unique with a hash set of their first 17
 * digits. A duplicate is written a random 1–5000 rows after its first registration. */
#include "mpi_gen.h"

#include <opencc/opencc.h>
#include <stdlib.h>
#include <string.h>

#include "../core/idcard.h"
#include "../core/util.h"
#include "facilities.h"
#include "mpi_match.h"

/* ---- random numbers ---- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* Uniform in [0, n). */
static uint64_t rng_below(rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* Uniform in [0, 1). */
static double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static bool rng_chance(rng *r, double p)
{
    return rng_unit(r) < p;
}

/* A weighted choice: cumulative weights cum[0..n), total cum[n-1]. */
static int pick_cum(rng *r, const uint32_t *cum, int n)
{
    uint64_t x = rng_below(r, cum[n - 1]);
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (x < cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* ---- names ---- */

/* Surnames with their frequency (per 10,000 people, rounded; the 2020 census order), and
 * a few compound ones. */
static const struct {
    const char *s;
    uint32_t w;
} surnames[] = {
    {"王", 712}, {"李", 700}, {"张", 674}, {"刘", 510}, {"陈", 461}, {"杨", 322}, {"黄", 245}, {"赵", 229},
    {"吴", 205}, {"周", 200}, {"徐", 145}, {"孙", 138}, {"马", 129}, {"朱", 126}, {"胡", 116}, {"郭", 115},
    {"何", 106}, {"林", 101}, {"高", 100}, {"罗", 95},  {"郑", 87},  {"梁", 85},  {"谢", 76},  {"宋", 70},
    {"唐", 69},  {"许", 66},  {"韩", 65},  {"冯", 64},  {"邓", 64},  {"曹", 63},  {"彭", 59},  {"曾", 58},
    {"肖", 56},  {"田", 55},  {"董", 54},  {"袁", 52},  {"潘", 51},  {"于", 51},  {"蒋", 50},  {"蔡", 49},
    {"余", 48},  {"杜", 47},  {"叶", 46},  {"程", 45},  {"苏", 43},  {"魏", 43},  {"吕", 42},  {"丁", 41},
    {"任", 40},  {"沈", 39},  {"姚", 38},  {"卢", 37},  {"姜", 36},  {"崔", 35},  {"钟", 34},  {"谭", 33},
    {"陆", 32},  {"汪", 31},  {"范", 30},  {"金", 30},  {"石", 29},  {"廖", 28},  {"贾", 28},  {"夏", 27},
    {"韦", 27},  {"付", 26},  {"方", 26},  {"白", 25},  {"邹", 25},  {"孟", 24},  {"熊", 24},  {"秦", 23},
    {"邱", 23},  {"江", 22},  {"尹", 22},  {"薛", 21},  {"闫", 21},  {"段", 20},  {"雷", 20},  {"侯", 19},
    {"龙", 19},  {"史", 18},  {"陶", 17},  {"黎", 17},  {"贺", 17},  {"顾", 16},  {"毛", 16},  {"郝", 16},
    {"龚", 15},  {"邵", 15},  {"万", 14},  {"钱", 14},  {"严", 13},  {"覃", 13},  {"武", 13},  {"戴", 13},
    {"莫", 12},  {"孔", 12},  {"向", 11},  {"汤", 11},  {"欧阳", 3}, {"司马", 1}, {"上官", 1}, {"诸葛", 1},
    {"司徒", 1}, {"皇甫", 1}, {"令狐", 1},
};

enum { SEX_M = 1, SEX_F = 2, SEX_N = 3 };        /* which sexes a character suits */
enum { ERA_ANY, ERA_OLD, ERA_YOUNG };             /* born before 1975, after 1995 */

/* Common given-name characters: weight, the sexes they suit, and whether they belong to a
 * generation. Many share a toneless reading (丽 莉 立 力 利), which is what homophone
 * errors at a registration desk are made of. */
static const struct {
    const char *c;
    uint8_t w, sex, era;
} given[] = {
    /* mostly men */
    {"伟", 10, SEX_M, 0}, {"强", 8, SEX_M, 0},  {"磊", 8, SEX_M, 0},  {"军", 8, SEX_M, 1},  {"勇", 7, SEX_M, 0},
    {"杰", 8, SEX_M, 0},  {"涛", 6, SEX_M, 0},  {"斌", 5, SEX_M, 0},  {"超", 6, SEX_M, 0},  {"明", 8, SEX_M, 0},
    {"刚", 6, SEX_M, 1},  {"辉", 6, SEX_M, 0},  {"鹏", 6, SEX_M, 0},  {"飞", 5, SEX_M, 0},  {"鑫", 5, SEX_M, 0},
    {"波", 5, SEX_M, 0},  {"宇", 8, SEX_M, 2},  {"浩", 8, SEX_M, 2},  {"凯", 5, SEX_M, 0},  {"健", 5, SEX_M, 0},
    {"俊", 6, SEX_M, 0},  {"帅", 4, SEX_M, 0},  {"旭", 5, SEX_M, 0},  {"龙", 5, SEX_M, 0},  {"峰", 5, SEX_M, 0},
    {"建", 6, SEX_M, 1},  {"国", 6, SEX_M, 1},  {"志", 6, SEX_M, 1},  {"海", 6, SEX_M, 0},  {"东", 5, SEX_M, 0},
    {"博", 6, SEX_M, 2},  {"成", 5, SEX_M, 0},  {"亮", 5, SEX_M, 0},  {"兵", 4, SEX_M, 1},  {"彬", 4, SEX_M, 0},
    {"锋", 4, SEX_M, 0},  {"昊", 4, SEX_M, 2},  {"轩", 6, SEX_M, 2},  {"睿", 4, SEX_M, 2},  {"哲", 4, SEX_M, 2},
    {"铭", 4, SEX_M, 2},  {"泽", 5, SEX_M, 2},  {"航", 4, SEX_M, 2},  {"远", 4, SEX_M, 0},  {"德", 4, SEX_M, 1},
    {"忠", 3, SEX_M, 1},  {"福", 3, SEX_M, 1},  {"毅", 3, SEX_M, 0},  {"剑", 3, SEX_M, 0},  {"楷", 2, SEX_M, 2},
    {"韬", 2, SEX_M, 0},  {"玮", 3, SEX_M, 0},  {"坤", 3, SEX_M, 0},  {"振", 3, SEX_M, 1},  {"立", 4, SEX_M, 0},
    {"力", 3, SEX_M, 0},  {"靖", 3, SEX_M, 0},  {"威", 3, SEX_M, 0},  {"卫", 3, SEX_M, 1},  {"宏", 4, SEX_M, 1},
    {"鸿", 3, SEX_M, 0},  {"捷", 2, SEX_M, 0},  {"庭", 2, SEX_M, 0},  {"桦", 2, SEX_M, 0},  {"霖", 3, SEX_M, 2},
    {"煜", 3, SEX_M, 2},  {"新", 3, SEX_M, 1},  {"逸", 3, SEX_M, 2},  {"奕", 3, SEX_M, 2},  {"家", 3, SEX_M, 0},
    {"皓", 3, SEX_M, 2},  {"豪", 3, SEX_M, 2},  {"辰", 4, SEX_M, 2},  {"宸", 3, SEX_M, 2},  {"琛", 2, SEX_M, 2},
    {"晖", 2, SEX_M, 0},  {"朋", 2, SEX_M, 0},  {"恺", 2, SEX_M, 2},  {"坚", 2, SEX_M, 1},  {"永", 4, SEX_M, 1},
    {"洋", 3, SEX_M, 0},  {"扬", 3, SEX_M, 0},  {"诚", 3, SEX_M, 0},  {"民", 4, SEX_M, 1},  {"庆", 3, SEX_M, 1},
    {"学", 3, SEX_M, 1},  {"祺", 2, SEX_M, 2},  {"奇", 2, SEX_M, 0},  {"源", 2, SEX_M, 0},  {"路", 1, SEX_M, 0},
    {"钢", 2, SEX_M, 1},  {"智", 3, SEX_M, 0},  {"越", 2, SEX_M, 2},  {"天", 3, SEX_M, 2},  {"翔", 3, SEX_M, 0},
    {"祥", 3, SEX_M, 1},  {"滨", 2, SEX_M, 0},  {"勤", 2, SEX_M, 1},  {"瀚", 2, SEX_M, 2},  {"丰", 2, SEX_M, 1},
    /* mostly women */
    {"芳", 8, SEX_F, 0},  {"娜", 8, SEX_F, 0},  {"敏", 8, SEX_F, 0},  {"静", 8, SEX_F, 0},  {"丽", 9, SEX_F, 0},
    {"艳", 7, SEX_F, 0},  {"娟", 6, SEX_F, 0},  {"霞", 6, SEX_F, 1},  {"秀", 7, SEX_F, 1},  {"玲", 6, SEX_F, 0},
    {"燕", 6, SEX_F, 0},  {"婷", 7, SEX_F, 0},  {"雪", 6, SEX_F, 0},  {"慧", 6, SEX_F, 0},  {"颖", 6, SEX_F, 0},
    {"琳", 5, SEX_F, 0},  {"洁", 5, SEX_F, 0},  {"倩", 5, SEX_F, 0},  {"晶", 5, SEX_F, 0},  {"梅", 5, SEX_F, 1},
    {"兰", 5, SEX_F, 1},  {"红", 6, SEX_F, 1},  {"萍", 5, SEX_F, 1},  {"丹", 5, SEX_F, 0},  {"玉", 5, SEX_F, 1},
    {"莉", 5, SEX_F, 0},  {"佳", 6, SEX_F, 0},  {"欣", 7, SEX_F, 2},  {"怡", 7, SEX_F, 2},  {"雨", 6, SEX_F, 2},
    {"萱", 5, SEX_F, 2},  {"悦", 5, SEX_F, 2},  {"婉", 3, SEX_F, 0},  {"淑", 4, SEX_F, 1},  {"桂", 4, SEX_F, 1},
    {"凤", 4, SEX_F, 1},  {"琴", 4, SEX_F, 1},  {"云", 4, SEX_F, 0},  {"莹", 4, SEX_F, 0},  {"菲", 3, SEX_F, 2},
    {"薇", 3, SEX_F, 0},  {"彤", 4, SEX_F, 2},  {"妍", 4, SEX_F, 2},  {"璐", 3, SEX_F, 2},  {"露", 3, SEX_F, 0},
    {"瑶", 4, SEX_F, 2},  {"雯", 4, SEX_F, 0},  {"琪", 4, SEX_F, 2},  {"梦", 4, SEX_F, 2},  {"紫", 3, SEX_F, 2},
    {"婧", 3, SEX_F, 2},  {"虹", 3, SEX_F, 0},  {"亭", 2, SEX_F, 0},  {"雁", 2, SEX_F, 1},  {"灵", 2, SEX_F, 0},
    {"钰", 3, SEX_F, 2},  {"瑜", 3, SEX_F, 0},  {"语", 3, SEX_F, 2},  {"馨", 4, SEX_F, 2},  {"心", 3, SEX_F, 2},
    {"晗", 3, SEX_F, 2},  {"艺", 3, SEX_F, 2},  {"依", 3, SEX_F, 2},  {"宜", 2, SEX_F, 0},  {"惠", 3, SEX_F, 0},
    {"卉", 2, SEX_F, 0},  {"玫", 2, SEX_F, 0},  {"美", 3, SEX_F, 0},  {"岚", 3, SEX_F, 0},  {"瑛", 2, SEX_F, 1},
    {"蕊", 3, SEX_F, 2},  {"晴", 3, SEX_F, 2},  {"琦", 2, SEX_F, 0},  {"淇", 2, SEX_F, 2},  {"萌", 2, SEX_F, 2},
    {"蕾", 3, SEX_F, 0},  {"芸", 2, SEX_F, 0},  {"韵", 2, SEX_F, 0},  {"珍", 3, SEX_F, 1},  {"芹", 2, SEX_F, 1},
    {"笑", 2, SEX_F, 0},  {"诗", 4, SEX_F, 2},  {"珂", 2, SEX_F, 2},  {"月", 3, SEX_F, 0},  {"凝", 2, SEX_F, 2},
    {"芝", 2, SEX_F, 1},  {"媛", 3, SEX_F, 0},  {"冰", 3, SEX_F, 0},  {"甜", 2, SEX_F, 2},  {"香", 2, SEX_F, 1},
    {"娥", 2, SEX_F, 1},  {"华", 4, SEX_F, 1},
    /* either */
    {"文", 6, SEX_N, 0},  {"晓", 6, SEX_N, 0},  {"子", 6, SEX_N, 2},  {"一", 4, SEX_N, 2},  {"嘉", 4, SEX_N, 2},
    {"春", 4, SEX_N, 1},  {"平", 5, SEX_N, 1},  {"英", 5, SEX_N, 1},  {"晨", 5, SEX_N, 2},  {"阳", 5, SEX_N, 0},
    {"林", 4, SEX_N, 0},  {"宁", 4, SEX_N, 0},  {"帆", 4, SEX_N, 2},  {"然", 5, SEX_N, 2},  {"瑞", 4, SEX_N, 0},
    {"思", 5, SEX_N, 2},  {"涵", 6, SEX_N, 2},  {"梓", 4, SEX_N, 2},  {"方", 3, SEX_N, 0},  {"君", 3, SEX_N, 0},
    {"维", 2, SEX_N, 0},  {"利", 2, SEX_N, 1},  {"凌", 2, SEX_N, 0},  {"昕", 3, SEX_N, 2},  {"宣", 2, SEX_N, 0},
    {"寒", 2, SEX_N, 0},  {"冬", 3, SEX_N, 0},  {"枫", 2, SEX_N, 0},  {"青", 3, SEX_N, 0},  {"清", 3, SEX_N, 0},
    {"安", 4, SEX_N, 2},  {"可", 4, SEX_N, 2},  {"舒", 2, SEX_N, 0},  {"书", 2, SEX_N, 2},  {"桐", 2, SEX_N, 2},
    {"真", 2, SEX_N, 0},  {"凡", 3, SEX_N, 0},  {"遥", 2, SEX_N, 2},  {"夏", 2, SEX_N, 0},  {"斐", 1, SEX_N, 0},
};
#define NGIVEN ((int)WJ_ARRAY_LEN(given))

/* Age pyramid in 5-year bands 0–4 … 90–94 (per mille; more people 30–65). */
static const uint32_t age_bands[19] = {45, 55, 60, 53, 54, 65, 88, 72, 66, 82, 84, 72, 56, 52, 36, 24, 16, 9, 4};

static const char *const roads[] = {
    "经十路", "经七路", "经四路", "纬二路", "历山路", "解放路", "和平路", "文化东路", "文化西路", "山大路",
    "花园路", "工业南路", "工业北路", "二环东路", "二环西路", "北园大街", "泉城路", "舜耕路", "英雄山路", "旅游路",
    "奥体中路", "转山西路", "燕子山路", "洪家楼南路", "堤口路", "无影山路", "青年东路", "青年西路", "大明湖路",
    "趵突泉北路", "千佛山路", "建设路", "民生大街", "华山路", "桑梓路", "黄台南路", "济泺路", "清河北路",
    "田家庄路", "东关大街", "明湖东路", "朝山街", "县西巷", "按察司街", "花园庄东路", "二七新村南路", "玉函路",
    "阳光新路", "华龙路", "全福街", "闵子骞路", "山师东路", "窑头路", "七里山路", "马鞍山路", "顺河街", "大纬二路",
    "齐州路", "济齐路", "张庄路",
};

static const char *const mobile_prefixes[] = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "170", "173", "175", "176", "177", "178", "180", "181", "182", "183",
    "184", "185", "186", "187", "188", "189", "191", "198", "199",
};

/* ---- dates as day numbers (days since 1970-01-01) ---- */

static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* ---- people and rows ---- */

typedef struct person {
    long truth;
    char surname[8], given_name[8]; /* UTF-8: 1–2 and 1–2 characters */
    int sex;                        /* SEX_M or SEX_F */
    int y, m, d;                    /* birth date */
    int area;                       /* index into cfg->areas */
    char phone[12], address[128];
    int hospital;                   /* index of the first registration's hospital */
} person;

typedef struct row {
    long due, seq; /* duplicates wait in a heap ordered by (due, seq) */
    long truth;
    char name[32], birth[11], phone[12], address[128], area[13];
    int sex;
    char id_card[19], insurance[16], social[16], hospital_card[16], birth_cert[16];
    int64_t issuer;
} row;

/* Homophones: the pool's characters grouped by toneless reading. */
typedef struct sound {
    char pinyin[24];
    int members[12], n;
} sound;

#define RECENT 1024 /* people a namesake or a twin is drawn from */

typedef struct gen {
    const mpi_gen_config *cfg;
    rng r;
    FILE *csv, *truth;
    mpi_gen_stats *st;
    long today; /* day number */
    uint32_t surname_cum[WJ_ARRAY_LEN(surnames)];
    uint32_t given_cum[2][3][NGIVEN]; /* [male/female][era] */
    uint32_t age_cum[19];
    sound *sounds;
    int nsounds;
    int sound_of[NGIVEN]; /* index into sounds */
    opencc_t s2t;
    /* ID numbers given out: their first 17 digits, open addressing (0 = empty). */
    uint64_t *ids;
    size_t ids_cap, ids_n;
    /* keys of the card numbers' scrambles */
    uint64_t add_ins, add_soc, add_bc, add_card;
    long *card_next; /* per hospital: hospital cards issued */
    long bc_next, ins_next, soc_next;
    person recent[RECENT];
    long nrecent;
    row *heap;
    long nheap, heap_cap, seq;
    long rows;
    bool io_error;
} gen;

static void build_tables(gen *g)
{
    uint32_t t = 0;
    for (size_t i = 0; i < WJ_ARRAY_LEN(surnames); i++)
        g->surname_cum[i] = t += surnames[i].w;
    t = 0;
    for (int i = 0; i < 19; i++)
        g->age_cum[i] = t += age_bands[i];
    for (int s = 0; s < 2; s++)
        for (int era = 0; era < 3; era++) {
            t = 0;
            for (int i = 0; i < NGIVEN; i++) {
                uint32_t w = 0;
                if (given[i].sex & (s == 0 ? SEX_M : SEX_F)) {
                    w = given[i].w * 4u;
                    if (given[i].era && era)
                        w = given[i].era == era ? w * 3 : w / 4;
                    else if (given[i].era && !era)
                        w = w / 2;
                }
                g->given_cum[s][era][i] = t += w;
            }
        }
}

static bool build_sounds(gen *g)
{
    g->sounds = wj_xcalloc(NGIVEN, sizeof *g->sounds);
    for (int i = 0; i < NGIVEN; i++) {
        char simp[MPI_NAME_MAX], py[MPI_PINYIN_MAX];
        mpi_name_keys(given[i].c, simp, py);
        int k = 0;
        while (k < g->nsounds && strcmp(g->sounds[k].pinyin, py) != 0)
            k++;
        if (k == g->nsounds)
            snprintf(g->sounds[g->nsounds++].pinyin, sizeof g->sounds[0].pinyin, "%s", py);
        sound *s = &g->sounds[k];
        if (s->n < (int)WJ_ARRAY_LEN(s->members))
            s->members[s->n++] = i;
        g->sound_of[i] = k;
    }
    /* Without readings (no ICU) every character would be its own sound: no homophones. */
    return g->nsounds > 0;
}

static int era_of(int year)
{
    return year < 1975 ? ERA_OLD : year >= 1995 ? ERA_YOUNG : ERA_ANY;
}

static int given_char(gen *g, int sex, int year)
{
    return pick_cum(&g->r, g->given_cum[sex == SEX_M ? 0 : 1][era_of(year)], NGIVEN);
}

/* A given name of 1 (30 %) or 2 characters. */
static void given_name(gen *g, int sex, int year, char out[8])
{
    int a = given_char(g, sex, year);
    if (rng_chance(&g->r, 0.3)) {
        snprintf(out, 8, "%s", given[a].c);
        return;
    }
    int b = given_char(g, sex, year);
    for (int tries = 0; b == a && tries < 8 && !rng_chance(&g->r, 0.05); tries++)
        b = given_char(g, sex, year); /* 丽丽 and 婷婷 exist, but rarely */
    snprintf(out, 8, "%s%s", given[a].c, given[b].c);
}

/* Pool indexes of a given name's characters (-1 when not from the pool); returns how many. */
static int given_chars(const char *name, int idx[2])
{
    int n = 0;
    for (const char *p = name; *p && n < 2;) {
        size_t len = 1;
        while (((unsigned char)p[len] & 0xC0) == 0x80)
            len++;
        idx[n] = -1;
        for (int i = 0; i < NGIVEN; i++)
            if (strlen(given[i].c) == len && memcmp(given[i].c, p, len) == 0)
                idx[n] = i;
        n++;
        p += len;
    }
    return n;
}

static void birth_from_age(gen *g, person *p)
{
    int band = pick_cum(&g->r, g->age_cum, 19);
    double age = band * 5 + rng_unit(&g->r) * 5;
    long day = g->today - (long)(age * 365.2425);
    civil_from_days(day, &p->y, &p->m, &p->d);
}

static void new_phone(gen *g, char out[12])
{
    const char *pre = mobile_prefixes[rng_below(&g->r, WJ_ARRAY_LEN(mobile_prefixes))];
    snprintf(out, 12, "%s%08u", pre, (unsigned)rng_below(&g->r, 100000000));
}

static void new_address(gen *g, person *p)
{
    /* Each community has a few roads of its own. */
    const char *code = g->cfg->areas[p->area];
    uint64_t h = 1469598103934665603ull;
    for (const char *c = code; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ull;
    const char *road = roads[(h + rng_below(&g->r, 3)) % WJ_ARRAY_LEN(roads)];
    int floor = 1 + (int)rng_below(&g->r, 18);
    snprintf(p->address, sizeof p->address, "%s%d号%d栋%d单元%d%02d室", road, 1 + (int)rng_below(&g->r, 300),
             1 + (int)rng_below(&g->r, 30), 1 + (int)rng_below(&g->r, 6), floor, 1 + (int)rng_below(&g->r, 4));
}

static void new_person(gen *g, person *p)
{
    memset(p, 0, sizeof *p);
    p->truth = g->st->people + 1;
    snprintf(p->surname, sizeof p->surname, "%s", surnames[pick_cum(&g->r, g->surname_cum, (int)WJ_ARRAY_LEN(surnames))].s);
    p->sex = rng_chance(&g->r, 0.5) ? SEX_M : SEX_F;
    birth_from_age(g, p);
    given_name(g, p->sex, p->y, p->given_name);
    p->area = (int)rng_below(&g->r, (uint64_t)g->cfg->nareas);
    if (!rng_chance(&g->r, 0.02))
        new_phone(g, p->phone);
    new_address(g, p);
    p->hospital = (int)rng_below(&g->r, (uint64_t)g->cfg->nhospitals);
}

/* A namesake of `o`: same name and sex, born the same year on another day (never the
 * same month and day, nor those swapped), living elsewhere with another phone. */
static void namesake(gen *g, const person *o, person *p)
{
    new_person(g, p);
    snprintf(p->surname, sizeof p->surname, "%s", o->surname);
    snprintf(p->given_name, sizeof p->given_name, "%s", o->given_name);
    p->sex = o->sex;
    long first = days_from_civil(o->y, 1, 1), last = days_from_civil(o->y, 12, 31);
    if (last > g->today)
        last = g->today;
    for (int tries = 0; tries < 50; tries++) {
        civil_from_days(first + (long)rng_below(&g->r, (uint64_t)(last - first + 1)), &p->y, &p->m, &p->d);
        if (!(p->m == o->m && p->d == o->d) && !(p->m == o->d && p->d == o->m))
            break;
    }
}

/* The twin of `o`: same surname, birth date, address and phone; another given name,
 * often sharing a character with the sibling's, never sounding the same. */
static void twin(gen *g, const person *o, person *p)
{
    new_person(g, p);
    snprintf(p->surname, sizeof p->surname, "%s", o->surname);
    p->y = o->y, p->m = o->m, p->d = o->d;
    p->area = o->area;
    p->hospital = o->hospital;
    memcpy(p->phone, o->phone, sizeof p->phone);
    memcpy(p->address, o->address, sizeof p->address);
    p->sex = rng_chance(&g->r, 0.5) ? o->sex : (o->sex == SEX_M ? SEX_F : SEX_M);
    int oc[2], on = given_chars(o->given_name, oc);
    for (int tries = 0; tries < 50; tries++) {
        if (on == 2 && oc[0] >= 0 && rng_chance(&g->r, 0.6)) {
            int c = given_char(g, p->sex, p->y);
            snprintf(p->given_name, sizeof p->given_name, "%s%s", given[oc[0]].c, given[c].c);
        } else {
            given_name(g, p->sex, p->y, p->given_name);
        }
        char full_o[32], full_p[32], so[MPI_NAME_MAX], sp[MPI_NAME_MAX], po[MPI_PINYIN_MAX], pp[MPI_PINYIN_MAX];
        snprintf(full_o, sizeof full_o, "%s%s", o->surname, o->given_name);
        snprintf(full_p, sizeof full_p, "%s%s", p->surname, p->given_name);
        mpi_name_keys(full_o, so, po);
        mpi_name_keys(full_p, sp, pp);
        if (strcmp(po, pp) != 0)
            break;
    }
}

/* A bijection on the numbers of `digits` digits (1..18), keyed: a mix of xor-shifts and
 * odd multiplications (each invertible) on the smallest power of two above 10^digits,
 * walked until it lands below it. Consecutive counters give unrelated-looking numbers. */
static uint64_t scramble(uint64_t x, uint64_t key, int digits)
{
    uint64_t m = 1;
    for (int i = 0; i < digits; i++)
        m *= 10;
    int bits = 1;
    while ((1ull << bits) < m)
        bits++;
    uint64_t mask = (1ull << bits) - 1;
    do {
        x = (x + key) & mask;
        x ^= x >> (bits / 2);
        x = (x * 0x9E3779B97F4A7C15ull) & mask;
        x ^= x >> (bits / 3 + 1);
        x = (x * 0xBF58476D1CE4E5B9ull) & mask;
        x ^= x >> (bits / 2);
    } while (x >= m);
    return x;
}

static bool id_taken(gen *g, uint64_t key)
{
    if (2 * (g->ids_n + 1) > g->ids_cap) {
        size_t cap = g->ids_cap ? 2 * g->ids_cap : 1 << 16;
        uint64_t *t = wj_xcalloc(cap, sizeof *t);
        for (size_t i = 0; i < g->ids_cap; i++)
            if (g->ids[i]) {
                size_t j = (size_t)(g->ids[i] * 0x9E3779B97F4A7C15ull >> 20) & (cap - 1);
                while (t[j])
                    j = (j + 1) & (cap - 1);
                t[j] = g->ids[i];
            }
        free(g->ids);
        g->ids = t;
        g->ids_cap = cap;
    }
    size_t j = (size_t)(key * 0x9E3779B97F4A7C15ull >> 20) & (g->ids_cap - 1);
    while (g->ids[j]) {
        if (g->ids[j] == key)
            return true;
        j = (j + 1) & (g->ids_cap - 1);
    }
    g->ids[j] = key;
    g->ids_n++;
    return false;
}

/* A valid ID number of p: its area's division, birth date, a sequence number odd for men
 * and even for women (10–999: 001–009 are left to hand-made demo persons), the check
 * character. Unique within the run. */
static void id_number(gen *g, const person *p, char out[19])
{
    char first17[18];
    for (;;) {
        int seq = 10 + 2 * (int)rng_below(&g->r, 495) + (p->sex == SEX_M ? 1 : 0);
        snprintf(first17, sizeof first17, "%.6s%04d%02d%02d%03d", g->cfg->areas[p->area], p->y, p->m, p->d, seq);
        if (!id_taken(g, strtoull(first17, NULL, 10)))
            break;
    }
    snprintf(out, 19, "%s%c", first17, wj_idcard_check_char(first17));
}

static void hospital_card(gen *g, int h, row *w)
{
    uint64_t n = (uint64_t)g->card_next[h]++;
    w->issuer = g->cfg->hospitals[h];
    snprintf(w->hospital_card, sizeof w->hospital_card, "%010llu",
             (unsigned long long)scramble(n, g->add_card + (uint64_t)h * 7919, 10));
}

static int age_of(const gen *g, const person *p)
{
    int ty, tm, td;
    civil_from_days(g->today, &ty, &tm, &td);
    return ty - p->y - (tm < p->m || (tm == p->m && td < p->d));
}

static void row_base(const person *p, const char *area, row *w)
{
    memset(w, 0, sizeof *w);
    w->truth = p->truth;
    snprintf(w->name, sizeof w->name, "%s%s", p->surname, p->given_name);
    w->sex = p->sex;
    snprintf(w->birth, sizeof w->birth, "%04d-%02d-%02d", p->y, p->m, p->d);
    memcpy(w->phone, p->phone, sizeof w->phone);
    memcpy(w->address, p->address, sizeof w->address);
    snprintf(w->area, sizeof w->area, "%s", area);
}

/* ---- output ---- */

static void emit(gen *g, const row *w)
{
    g->rows++;
    char issuer[24] = "";
    if (w->hospital_card[0])
        snprintf(issuer, sizeof issuer, "%lld", (long long)w->issuer);
    if (fprintf(g->csv, "%s,%s,%s,%s,%s,%s,CHN,%s,%s,%s,%s,%s,%s\n", w->name, w->sex == SEX_M ? "男" : "女", w->birth,
                w->phone, w->address, w->area, w->id_card, w->insurance, w->social, w->hospital_card, issuer,
                w->birth_cert) < 0)
        g->io_error = true;
    if (g->truth && fprintf(g->truth, "%ld,%ld\n", g->rows + 1, w->truth) < 0)
        g->io_error = true;
}

static bool row_before(const row *a, const row *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_push(gen *g, const row *w)
{
    if (g->nheap == g->heap_cap) {
        g->heap_cap = g->heap_cap ? 2 * g->heap_cap : 256;
        g->heap = realloc(g->heap, (size_t)g->heap_cap * sizeof *g->heap);
        if (!g->heap)
            abort();
    }
    long i = g->nheap++;
    g->heap[i] = *w;
    while (i > 0 && row_before(&g->heap[i], &g->heap[(i - 1) / 2])) {
        row t = g->heap[i];
        g->heap[i] = g->heap[(i - 1) / 2];
        g->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static void heap_pop(gen *g)
{
    g->heap[0] = g->heap[--g->nheap];
    long i = 0;
    for (;;) {
        long l = 2 * i + 1, r = l + 1, m = i;
        if (l < g->nheap && row_before(&g->heap[l], &g->heap[m]))
            m = l;
        if (r < g->nheap && row_before(&g->heap[r], &g->heap[m]))
            m = r;
        if (m == i)
            break;
        row t = g->heap[i];
        g->heap[i] = g->heap[m];
        g->heap[m] = t;
        i = m;
    }
}

/* Writes the duplicates that are due (all of them when `all`). */
static void flush_due(gen *g, bool all)
{
    while (g->nheap && (all || g->heap[0].due <= g->rows)) {
        emit(g, &g->heap[0]);
        heap_pop(g);
    }
}

/* ---- perturbations of a duplicate ---- */

enum { PERT_NAME, PERT_DOB, PERT_PHONE, PERT_CARD, NPERT };

/* The name in traditional script; false when s2t leaves it as it is. */
static bool traditional(gen *g, row *w)
{
    char *t = opencc_convert_utf8(g->s2t, w->name, strlen(w->name));
    bool changed = t && strcmp(t, w->name) != 0 && strlen(t) < sizeof w->name;
    if (changed)
        snprintf(w->name, sizeof w->name, "%s", t);
    if (t)
        opencc_convert_utf8_free(t);
    return changed;
}

/* One given-name character replaced by another that reads the same; false when none has
 * a homophone in the pool. */
static bool homophone(gen *g, const person *p, row *w)
{
    int idx[2], n = given_chars(p->given_name, idx), choices[2], nc = 0;
    for (int i = 0; i < n; i++)
        if (idx[i] >= 0 && g->sounds[g->sound_of[idx[i]]].n > 1)
            choices[nc++] = i;
    if (!nc)
        return false;
    int pos = choices[rng_below(&g->r, (uint64_t)nc)];
    const sound *s = &g->sounds[g->sound_of[idx[pos]]];
    int other;
    do
        other = s->members[rng_below(&g->r, (uint64_t)s->n)];
    while (other == idx[pos]);
    idx[pos] = other;
    snprintf(w->name, sizeof w->name, "%s%s%s", p->surname, given[idx[0]].c, n == 2 ? given[idx[1]].c : "");
    return true;
}

static void duplicate(gen *g, const person *p)
{
    const mpi_gen_config *cfg = g->cfg;
    row w;
    row_base(p, cfg->areas[p->area], &w);
    int h = (p->hospital + 1 + (int)rng_below(&g->r, (uint64_t)cfg->nhospitals - 1)) % cfg->nhospitals;
    hospital_card(g, h, &w);
    double share[NPERT] = {cfg->p_name, cfg->p_dob, cfg->p_phone, cfg->p_card};
    bool done = false;
    while (!done) {
        double total = 0;
        for (int i = 0; i < NPERT; i++)
            total += share[i];
        if (total <= 0) {
            g->st->dup_card++;
            break; /* nothing applies: card only */
        }
        double x = rng_unit(&g->r) * total;
        int k = 0;
        while (k < NPERT - 1 && (x -= share[k]) >= 0)
            k++;
        while (share[k] <= 0) /* rounding at the top end */
            k--;
        switch (k) {
        case PERT_NAME: {
            bool trad = rng_chance(&g->r, 0.5);
            if ((trad && traditional(g, &w)) || homophone(g, p, &w) || (!trad && traditional(g, &w))) {
                /* Which one happened: a traditional name reads the same and is another string. */
                char s1[MPI_NAME_MAX], s2[MPI_NAME_MAX], p1[MPI_PINYIN_MAX], p2[MPI_PINYIN_MAX], orig[32];
                snprintf(orig, sizeof orig, "%s%s", p->surname, p->given_name);
                mpi_name_keys(orig, s1, p1);
                mpi_name_keys(w.name, s2, p2);
                if (strcmp(s1, s2) == 0)
                    g->st->dup_traditional++;
                else
                    g->st->dup_homophone++;
                done = true;
            }
            break;
        }
        case PERT_DOB:
            if (p->d <= 12 && p->d != p->m) {
                snprintf(w.birth, sizeof w.birth, "%04d-%02d-%02d", p->y, p->d, p->m);
                g->st->dup_dob++;
                done = true;
            }
            break;
        case PERT_PHONE:
            if (p->phone[0]) {
                do
                    new_phone(g, w.phone);
                while (strcmp(w.phone, p->phone) == 0);
                g->st->dup_phone++;
                done = true;
            }
            break;
        default: g->st->dup_card++; done = true; break;
        }
        share[k] = 0; /* not possible for this person: another one */
    }
    /* Swapping may give a date after today for someone born this year: keep the true one. */
    int y, m, d;
    if (sscanf(w.birth, "%d-%d-%d", &y, &m, &d) == 3 && days_from_civil(y, m, d) > g->today)
        snprintf(w.birth, sizeof w.birth, "%04d-%02d-%02d", p->y, p->m, p->d);
    w.due = g->rows + 1 + (long)rng_below(&g->r, 5000);
    w.seq = g->seq++;
    heap_push(g, &w);
    g->st->duplicates++;
}

/* The first registration of a person: ID number (or a birth certificate for most
 * children), cards, a hospital card of their hospital. */
static void first_registration(gen *g, const person *p)
{
    const mpi_gen_config *cfg = g->cfg;
    row w;
    row_base(p, cfg->areas[p->area], &w);
    if (age_of(g, p) < 16 && rng_chance(&g->r, cfg->child_birth_certificate)) {
        static const char letters[] = "MNOPQ";
        snprintf(w.birth_cert, sizeof w.birth_cert, "%c%09llu", letters[rng_below(&g->r, 5)],
                 (unsigned long long)scramble((uint64_t)g->bc_next++, g->add_bc, 9));
    } else {
        id_number(g, p, w.id_card);
    }
    if (rng_chance(&g->r, cfg->insurance))
        snprintf(w.insurance, sizeof w.insurance, "37%010llu",
                 (unsigned long long)scramble((uint64_t)g->ins_next++, g->add_ins, 10));
    if (rng_chance(&g->r, cfg->social))
        snprintf(w.social, sizeof w.social, "J%09llu",
                 (unsigned long long)scramble((uint64_t)g->soc_next++, g->add_soc, 9));
    hospital_card(g, p->hospital, &w);
    emit(g, &w);
}

void mpi_gen_defaults(mpi_gen_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = 1;
    cfg->duplicates = 0.10;
    cfg->namesakes = 0.02;
    cfg->twins = 0.01;
    cfg->child_birth_certificate = 0.8;
    cfg->insurance = 0.85;
    cfg->social = 0.30;
    cfg->p_name = 0.30;
    cfg->p_dob = 0.20;
    cfg->p_phone = 0.30;
    cfg->p_card = 0.20;
}

bool mpi_gen_write(const mpi_gen_config *cfg, FILE *csv, FILE *truth, mpi_gen_stats *stats, char *err,
                   size_t errlen)
{
    mpi_gen_stats local;
    gen g = {.cfg = cfg, .csv = csv, .truth = truth, .st = stats ? stats : &local};
    memset(g.st, 0, sizeof *g.st);
    int ty, tm, td;
    if (!cfg->today || sscanf(cfg->today, "%4d-%2d-%2d", &ty, &tm, &td) != 3) {
        snprintf(err, errlen, "today must be a date YYYY-MM-DD");
        return false;
    }
    if (cfg->count > 0 && cfg->nareas <= 0) {
        snprintf(err, errlen, "no areas to place people in (load the demo city first)");
        return false;
    }
    for (int i = 0; i < cfg->nareas; i++)
        if (strlen(cfg->areas[i]) != 12 || !wj_all_digits(cfg->areas[i], 12)) {
            snprintf(err, errlen, "area code \"%.20s\" is not 12 digits", cfg->areas[i]);
            return false;
        }
    if (cfg->count > 0 && cfg->nhospitals < (cfg->duplicates > 0 ? 2 : 1)) {
        snprintf(err, errlen, "%s", cfg->duplicates > 0 ? "duplicates need at least two hospitals"
                                                         : "no hospital to register people at");
        return false;
    }
    if (cfg->count > 100000000) {
        snprintf(err, errlen, "at most 100,000,000 people");
        return false;
    }
    g.today = days_from_civil(ty, tm, td);
    rng_seed(&g.r, cfg->seed);
    g.add_ins = rng_next(&g.r);
    g.add_soc = rng_next(&g.r);
    g.add_bc = rng_next(&g.r);
    g.add_card = rng_next(&g.r);
    build_tables(&g);
    bool ok = true;
    g.s2t = opencc_open("s2t.json");
    if (g.s2t == (opencc_t)-1) {
        snprintf(err, errlen, "cannot load the OpenCC configuration s2t.json: %s", opencc_error());
        return false;
    }
    if (!build_sounds(&g)) {
        snprintf(err, errlen, "no readings for the given-name characters (ICU)");
        ok = false;
        goto out;
    }
    g.card_next = wj_xcalloc((size_t)(cfg->nhospitals > 0 ? cfg->nhospitals : 1), sizeof *g.card_next);
    if (fputs("name,sex,birth_date,phone,address,area_code,nationality,id_card,insurance_card,social_security_card,"
              "hospital_card,hospital_card_issuer,birth_certificate\n",
              csv) < 0 ||
        (truth && fputs("line,truth_id\n", truth) < 0))
        g.io_error = true;
    for (long i = 0; i < cfg->count && !g.io_error; i++) {
        person p;
        const person *prev = g.nrecent ? &g.recent[(g.nrecent - 1) % RECENT] : NULL;
        double x = rng_unit(&g.r);
        if (prev && x < cfg->twins) {
            twin(&g, prev, &p);
            g.st->twins++;
        } else if (g.nrecent && x < cfg->twins + cfg->namesakes) {
            long span = g.nrecent < RECENT ? g.nrecent : RECENT;
            namesake(&g, &g.recent[rng_below(&g.r, (uint64_t)span)], &p);
            g.st->namesakes++;
        } else {
            new_person(&g, &p);
        }
        g.st->people++;
        g.recent[g.nrecent++ % RECENT] = p;
        flush_due(&g, false);
        first_registration(&g, &p);
        if (rng_chance(&g.r, cfg->duplicates))
            duplicate(&g, &p);
    }
    flush_due(&g, true);
    g.st->rows = g.rows;
    if (g.io_error || fflush(csv) != 0 || (truth && fflush(truth) != 0)) {
        snprintf(err, errlen, "cannot write the output");
        ok = false;
    }
out:
    opencc_close(g.s2t);
    free(g.sounds);
    free(g.ids);
    free(g.card_next);
    free(g.heap);
    return ok;
}

bool mpi_gen_places_load(wj_conn *c, int max_hospitals, mpi_gen_places *out)
{
    memset(out, 0, sizeof *out);
    db_rows *rows;
    if (db_query(c, "SELECT code FROM areas WHERE level = 'community' ORDER BY code", DBP_NONE, &rows) != DB_OK)
        return false;
    out->areas = wj_xcalloc((size_t)rows->nrows + 1, sizeof *out->areas);
    for (int i = 0; i < rows->nrows; i++)
        out->areas[out->nareas++] = wj_xstrdup(db_text(rows, i, 0));
    db_rows_free(rows);
    if (db_query(c,
                 "SELECT id FROM facilities WHERE active = 1 AND type IN ('general_hospital', 'tcm_hospital') "
                 "ORDER BY CASE WHEN name = ? THEN 0 ELSE 1 END, name, id",
                 DBP(DB_S(FACILITIES_DEMO_HOSPITAL)), &rows) != DB_OK) {
        mpi_gen_places_free(out);
        return false;
    }
    int n = max_hospitals > 0 && max_hospitals < rows->nrows ? max_hospitals : rows->nrows;
    out->hospitals = wj_xcalloc((size_t)n + 1, sizeof *out->hospitals);
    for (int i = 0; i < n; i++)
        out->hospitals[out->nhospitals++] = db_int(rows, i, 0);
    db_rows_free(rows);
    return true;
}

void mpi_gen_places_free(mpi_gen_places *p)
{
    for (int i = 0; i < p->nareas; i++)
        free(p->areas[i]);
    free(p->areas);
    free(p->hospitals);
    memset(p, 0, sizeof *p);
}
