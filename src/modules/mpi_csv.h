/* mpi_csv.h — shared by mpi_csv.c and mpi_demo.c only: the import's row loop on a
 * connection the caller holds. Others use mpi_import_csv (mpi.h). */
#ifndef WJ_MPI_CSV_H
#define WJ_MPI_CSV_H

#include "mpi.h"

/* Registers the rows of a CSV file (UTF-8 or GB18030, as mpi_import_csv reads it) inside
 * the caller's write transaction, without committing: one pass, each row validated and
 * registered. A rejected row is skipped (undone under a savepoint) when
 * imp->skip_bad_rows; otherwise false is returned after the first one and the remaining
 * rows are only checked, so that the report lists every rejected row (a row refused at
 * registration, 409, stops the loop there). False also on a file or database error;
 * imp->first_error says why, and the caller rolls back. imp->batch is not used. */
bool mpi_import_csv_conn(wj_conn *c, const char *data, size_t len, mpi_import *imp);

#endif
