/*
 * The outbox on PostgreSQL through the C ABI: fiskal_outbox_open with a postgres:// journal
 * (the library built with the cargo feature `postgres`), one open / enqueue / drain case
 * against the ATOL emulator, and the error paths: a server that cannot be reached (a storage
 * error naming the server, never the password given in the URL), a bad schema name (7007 with
 * the path of the setting as written, postgres.schema). The password the settings take from an
 * env var never appears in any output.
 *
 * Usage: test_pg <repository root>
 * Environment: FISKAL_TEST_PG_URL (scripts/test-pg starts a throw-away server and sets it),
 * FISKAL_TEST_ATOL_V5_URL (the ATOL emulator's v5 base URL, also started by scripts/test-pg).
 * Missing: the test fails (nothing is skipped).
 * Exit code: the number of failures (capped).
 */
#define _POSIX_C_SOURCE 200809L

#include "fiskal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        checks++;                                                           \
        if (!(cond)) {                                                      \
            failures++;                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                   \
            fprintf(stderr, "\n");                                          \
        }                                                                   \
    } while (0)

#define S(x) x, strlen(x)

/* Given as the journal's password (env var and URL); must never be printed. */
#define SECRET "hunter2-Do-Not-Print"

static char sentinel_;
#define OUTBOX_SENTINEL ((fiskal_outbox *)(void *)&sentinel_)

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return NULL; }
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    char *buf = malloc((size_t)n + 1);
    if (!buf) { fclose(f); return NULL; }
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = '\0';
    return buf;
}

static char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(NULL, 0, format, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) return NULL;
    va_start(ap, format);
    vsnprintf(s, (size_t)n + 1, format, ap);
    va_end(ap);
    return s;
}

static char *last_error(void) {
    char *e = NULL;
    CHECK(fiskal_last_error(&e, NULL) == FISKAL_RESULT_OK && e != NULL, "fiskal_last_error");
    return e;
}

/* Outbox settings for the ATOL emulator with a `postgres` section (`extra` inside it). */
static char *settings(const char *atol_url, const char *postgres) {
    return fmt("{\"routes\":{\"atol\":{\"provider\":{\"provider\":\"atol\",\"api\":\"v5\","
               "\"preset\":\"test\",\"base_url\":\"%s\",\"password\":\"zUr0OxfI\","
               "\"report_interval_ms\":20}}},\"default_route\":\"atol\","
               "\"worker\":{\"concurrency\":4,\"lease_ms\":5000,\"call_timeout_ms\":2000,"
               "\"idle_wait_ms\":20,\"drain_timeout_ms\":2000},"
               "\"timing\":{\"poll_first_ms\":50,\"poll_max_ms\":200,\"retry_base_ms\":50},"
               "\"postgres\":{%s}}",
               atol_url, postgres);
}

/* Open, enqueue three receipts, drain until settled: every one done, in this very journal. */
static void test_open_enqueue_drain(const char *pg_url, const char *atol_url, const char *receipt,
                                    const char *run_id) {
    char *pg = fmt("\"schema\":\"c_pg_%s\",\"pool_size\":2,"
                   "\"password\":{\"env\":\"FISKAL_TEST_C_PG_PASSWORD\"}",
                   run_id);
    char *os = settings(atol_url, pg);
    free(pg);
    fiskal_outbox *o = NULL;
    CHECK(fiskal_outbox_open(S(pg_url), S(os), NULL, NULL, &o) == FISKAL_RESULT_OK && o,
          "open %s", pg_url);
    free(os);
    if (!o) {
        char *e = last_error();
        fprintf(stderr, "open: %s\n", e ? e : "");
        fiskal_string_free(e);
        return;
    }
    char *out = NULL;
    for (int i = 0; i < 3; i++) {
        char *req = fmt("{\"key\":\"c-pg-%s-%d\",\"receipt\":%s}", run_id, i, receipt);
        out = NULL;
        CHECK(fiskal_outbox_enqueue(o, S(req), &out, NULL) == FISKAL_RESULT_OK, "enqueue %d", i);
        CHECK(out && strstr(out, "\"created\":true") && strstr(out, "\"state\":\"queued\""),
              "entry %s", out ? out : "");
        fiskal_string_free(out);
        free(req);
    }
    bool settled = false;
    CHECK(fiskal_outbox_drain(o, 20000, &settled) == FISKAL_RESULT_OK && settled, "drain");
    for (int i = 0; i < 3; i++) {
        char *key = fmt("c-pg-%s-%d", run_id, i);
        out = NULL;
        CHECK(fiskal_outbox_get(o, S(key), &out, NULL) == FISKAL_RESULT_OK, "get %s", key);
        CHECK(out && strstr(out, "\"state\":\"done\"") && !strstr(out, SECRET), "done: %s",
              out ? out : "");
        fiskal_string_free(out);
        free(key);
    }
    out = NULL;
    CHECK(fiskal_outbox_stats(o, &out, NULL) == FISKAL_RESULT_OK, "stats");
    CHECK(out && strstr(out, "{\"state\":\"done\",\"count\":3,") && !strstr(out, SECRET),
          "stats %s", out ? out : "");
    fiskal_string_free(out);
    fiskal_outbox_free(o);
}

/* A server that cannot be reached: a 7xxx storage error that names it, without the password. */
static void test_unreachable(const char *atol_url) {
    const char *url = "postgres://shop:" SECRET "@127.0.0.1:1/fiskal?password=" SECRET;
    char *os = settings(atol_url, "\"connect_timeout_ms\":2000");
    fiskal_outbox *o = OUTBOX_SENTINEL;
    fiskal_result rc = fiskal_outbox_open(S(url), S(os), NULL, NULL, &o);
    free(os);
    CHECK(rc >= 7000 && rc < 8000, "unreachable: code %u", (unsigned)rc);
    CHECK(o == OUTBOX_SENTINEL, "out untouched on error");
    char *e = last_error();
    CHECK(e && !strstr(e, SECRET) && strstr(e, "127.0.0.1"), "last error %s", e ? e : "");
    fiskal_string_free(e);
}

/* A bad schema name: 7007, the path of the setting as written. */
static void test_bad_schema(const char *pg_url, const char *atol_url) {
    char *os = settings(atol_url, "\"schema\":\"Not-Valid\"");
    fiskal_outbox *o = OUTBOX_SENTINEL;
    fiskal_result rc = fiskal_outbox_open(S(pg_url), S(os), NULL, NULL, &o);
    free(os);
    CHECK(rc == FISKAL_RESULT_OUTBOX_INVALID_CONFIG, "bad schema: code %u", (unsigned)rc);
    CHECK(o == OUTBOX_SENTINEL, "out untouched on error");
    char *e = last_error();
    CHECK(e && strstr(e, "\"path\":\"postgres.schema\"") && !strstr(e, SECRET), "last error %s",
          e ? e : "");
    fiskal_string_free(e);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_pg <repository root>\n");
        return 2;
    }
    const char *pg_url = getenv("FISKAL_TEST_PG_URL");
    const char *atol_url = getenv("FISKAL_TEST_ATOL_V5_URL");
    CHECK(pg_url && pg_url[0], "FISKAL_TEST_PG_URL is set (run through scripts/test-pg)");
    CHECK(atol_url && atol_url[0], "FISKAL_TEST_ATOL_V5_URL is set");
    /* Trust authentication ignores it; it must still never be shown. */
    setenv("FISKAL_TEST_C_PG_PASSWORD", SECRET, 1);
    char run_id[32];
    snprintf(run_id, sizeof run_id, "%ld_%ld", (long)getpid(), (long)time(NULL));
    char *fixture = fmt("%s/crates/fiskal-outbox/tests/fixtures/receipt_sell_v5.json", argv[1]);
    char *receipt = read_file(fixture);
    free(fixture);
    CHECK(receipt != NULL, "read the receipt fixture");
    if (pg_url && pg_url[0] && atol_url && atol_url[0] && receipt) {
        test_open_enqueue_drain(pg_url, atol_url, receipt, run_id);
        test_unreachable(atol_url);
        test_bad_schema(pg_url, atol_url);
    }
    free(receipt);
    printf("%d checks, %d failed\n", checks, failures);
    return failures > 100 ? 100 : failures;
}
