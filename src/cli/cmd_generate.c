/* cmd_generate.c — `weijian generate persons`: a synthetic population of the database's
 * city as a CSV file in the import's format, with its ground truth (mpi_gen.c). The
 * database is only read, for the communities people live in and the hospitals they
 * register at. docs/mpi.md, "Demo and benchmark", has the rates. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../modules/mpi_gen.h"
#include "clock.h"
#include "cli.h"
#include "util.h"

static const char *help =
    "usage: weijian generate persons --count N [--seed S] [--duplicates RATE] [--namesakes RATE]\n"
    "                                [--twins RATE] [--hospitals N] [--today YYYY-MM-DD]\n"
    "                                [--out FILE] [--truth FILE] [--db PATH|URL]\n\n"
    "Writes N synthetic residents of the database's city (run weijian demo first) as a CSV\n"
    "file for weijian import persons: names by real surname frequencies, birth dates by an age\n"
    "pyramid, mobiles, addresses in the city's communities, valid ID numbers (most children\n"
    "have a birth certificate instead), insurance and social security cards, and a hospital\n"
    "card of one of the city's general and TCM hospitals. Then duplicates and hard negatives:\n\n"
    "  --duplicates RATE  people registered a second time at another hospital without ID card,\n"
    "                     with one change: 30% name (traditional script or a homophone), 20%\n"
    "                     day and month swapped, 30% another phone, 20% none (default 0.10)\n"
    "  --namesakes RATE   people with the name and birth year of someone else (default 0.02)\n"
    "  --twins RATE       people who are the twin of the one before (default 0.01)\n"
    "  --seed S           the same seed (and date, and database) gives the same file (default 1)\n"
    "  --hospitals N      register at the first N hospitals only (default: all)\n"
    "  --today DATE       count ages to this date (default: today in Asia/Shanghai)\n"
    "  --out FILE         the CSV (default: standard output)\n"
    "  --truth FILE       the ground truth: line,truth_id per CSV row (line: its line number in\n"
    "                     the CSV, the header being line 1; truth_id: the real person)\n\n"
    "A summary goes to standard error. Exit status: 0, 1 when the database or a file fails, 2 on\n"
    "a usage error.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("weijian generate: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n\n", stderr);
    fputs(help, stderr);
    return 2;
}

static bool parse_rate(const char *s, double *out)
{
    return wj_parse_double(s, out) && *out >= 0 && *out <= 1;
}

static int generate_persons(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, 0, 'n'},      {"seed", required_argument, 0, 's'},
        {"duplicates", required_argument, 0, 'D'}, {"namesakes", required_argument, 0, 'N'},
        {"twins", required_argument, 0, 'T'},      {"hospitals", required_argument, 0, 'H'},
        {"today", required_argument, 0, 't'},      {"out", required_argument, 0, 'o'},
        {"truth", required_argument, 0, 'r'},      {"db", required_argument, 0, 'd'},
        {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
    mpi_gen_config cfg;
    mpi_gen_defaults(&cfg);
    const char *dbflag = NULL, *out_path = NULL, *truth_path = NULL;
    char today[11];
    wj_today_shanghai(today);
    int64_t v, max_hospitals = 0;
    bool have_count = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'n':
            if (!wj_parse_i64(optarg, &v) || v < 0 || v > 100000000)
                return usage_error("--count takes a number 0..100000000, not \"%s\"", optarg);
            cfg.count = (long)v;
            have_count = true;
            break;
        case 's':
            if (!wj_parse_i64(optarg, &v) || v < 0)
                return usage_error("--seed takes a non-negative number, not \"%s\"", optarg);
            cfg.seed = (uint64_t)v;
            break;
        case 'D':
            if (!parse_rate(optarg, &cfg.duplicates))
                return usage_error("--duplicates takes a rate 0..1, not \"%s\"", optarg);
            break;
        case 'N':
            if (!parse_rate(optarg, &cfg.namesakes))
                return usage_error("--namesakes takes a rate 0..1, not \"%s\"", optarg);
            break;
        case 'T':
            if (!parse_rate(optarg, &cfg.twins))
                return usage_error("--twins takes a rate 0..1, not \"%s\"", optarg);
            break;
        case 'H':
            if (!wj_parse_i64(optarg, &max_hospitals) || max_hospitals < 1 || max_hospitals > 100000)
                return usage_error("--hospitals takes a number ≥ 1, not \"%s\"", optarg);
            break;
        case 't':
            if (!wj_date_valid(optarg))
                return usage_error("--today takes a date YYYY-MM-DD, not \"%s\"", optarg);
            snprintf(today, sizeof today, "%s", optarg);
            break;
        case 'o': out_path = optarg; break;
        case 'r': truth_path = optarg; break;
        case 'd': dbflag = optarg; break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return 2;
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument \"%s\"", argv[optind]);
    if (!have_count)
        return usage_error("how many? (--count N)");
    if (cfg.namesakes + cfg.twins > 1)
        return usage_error("--namesakes and --twins add up to more than 1");
    cfg.today = today;

    wj_db *db = cli_db_open_migrated(cli_db_url(dbflag), 1, false);
    if (!db)
        return 1;
    wj_conn *c = db_acquire(db);
    mpi_gen_places pl;
    bool loaded = mpi_gen_places_load(c, (int)max_hospitals, &pl);
    if (!loaded)
        fprintf(stderr, "weijian generate: database error: %s\n", db_errmsg(c));
    db_release(c);
    db_close(db);
    if (!loaded)
        return 1;
    cfg.areas = (const char *const *)pl.areas;
    cfg.nareas = pl.nareas;
    cfg.hospitals = pl.hospitals;
    cfg.nhospitals = pl.nhospitals;

    int rc = 1;
    FILE *out = out_path ? fopen(out_path, "w") : stdout;
    FILE *truth = truth_path ? fopen(truth_path, "w") : NULL;
    if (!out || (truth_path && !truth)) {
        fprintf(stderr, "weijian generate: cannot write %s: %s\n", !out ? out_path : truth_path, strerror(errno));
        goto done;
    }
    mpi_gen_stats st;
    char err[200];
    if (!mpi_gen_write(&cfg, out, truth, &st, err, sizeof err)) {
        fprintf(stderr, "weijian generate: %s\n", err);
        goto done;
    }
    fprintf(stderr,
            "generate: %ld people (%ld namesakes, %ld twins) in %ld rows; %ld duplicates: %ld traditional script, "
            "%ld homophone, %ld day/month swapped, %ld new phone, %ld card only; %d communities, %d hospitals\n",
            st.people, st.namesakes, st.twins, st.rows, st.duplicates, st.dup_traditional, st.dup_homophone,
            st.dup_dob, st.dup_phone, st.dup_card, pl.nareas, pl.nhospitals);
    rc = 0;
done:
    if (out && out != stdout && fclose(out) != 0 && rc == 0) {
        fprintf(stderr, "weijian generate: cannot write %s: %s\n", out_path, strerror(errno));
        rc = 1;
    }
    if (truth && fclose(truth) != 0 && rc == 0) {
        fprintf(stderr, "weijian generate: cannot write %s: %s\n", truth_path, strerror(errno));
        rc = 1;
    }
    mpi_gen_places_free(&pl);
    return rc;
}

int cmd_generate(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "persons") == 0)
        return generate_persons(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(help, stdout);
        return 0;
    }
    if (argc >= 2)
        fprintf(stderr, "weijian generate: nothing to generate as \"%s\" (only: persons)\n\n", argv[1]);
    fputs(help, stderr);
    return 2;
}
