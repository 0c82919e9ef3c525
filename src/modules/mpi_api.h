/* mpi_api.h — shared by the route files of the mpi module (mpi.c, mpi_review_api.c). */
#ifndef WJ_MPI_API_H
#define WJ_MPI_API_H

#include "../core/module.h"
#include "mpi_store.h"

/* The scope target of a person (resolved through merges) for a permission; 404 when there
 * is no such person. */
bool mpi_target_of(wj_req *r, const char *perm, int64_t id, wj_target *t);
/* Does the caller hold `perm` over this person? */
bool mpi_covers_person(wj_req *r, const char *perm, int64_t id);

/* mpi_review_api.c */
void mpi_reviews_list(wj_req *r);
void mpi_review_get(wj_req *r);
void mpi_review_decide(wj_req *r);
bool mpi_review_target(wj_req *r, wj_target *t);
void mpi_merge_post(wj_req *r);
bool mpi_merge_target(wj_req *r, wj_target *t);
void mpi_unmerge_post(wj_req *r);
bool mpi_unmerge_target(wj_req *r, wj_target *t);
void mpi_break_glass_list(wj_req *r);
void mpi_person_trail(wj_req *r);
extern const wj_param mpi_reviews_query[], mpi_break_glass_query[];
extern const wj_schema mpi_decision_schema, mpi_merge_schema, mpi_unmerge_schema;

#endif
