/* log.h — structured log lines on stderr: one JSON object per line, values escaped, so a
 * database message with quotes or newlines cannot break the log stream. */
#ifndef WJ_LOG_H
#define WJ_LOG_H

/* Writes {"level":…,"msg":…,k1:v1,…}; the pairs are strings, terminated by NULL. A NULL
 * value is written as null. */
void wj_log(const char *level, const char *msg, ...) __attribute__((sentinel));

#endif
