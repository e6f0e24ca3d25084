/*
 * Tests of the fiskal C ABI handles from C: fiskal_client (a cloud cash register) and
 * fiskal_outbox (the durable outbox). NULL arguments for every handle function, bad settings
 * (code and path in the last error), repeated use, many threads sharing one handle, and end to
 * end against the ATOL emulator: a client submit + status until done, and an outbox that
 * enqueues, runs its worker until every receipt is done, reports stats and observer events.
 *
 * Usage: test_handles <repository root>
 * Environment: FISKAL_TEST_ATOL_V5_URL, the emulator's ATOL v5 base URL (scripts/test-c starts
 * `fiskal-emulator atol --port 0` and sets it). Missing: the test fails (nothing is skipped).
 * Exit code: the number of failures (capped). Run under ASan + UBSan and under valgrind.
 */
#define _POSIX_C_SOURCE 200809L

#include "fiskal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures = 0;
static int checks = 0;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        int check_ok_ = (cond) ? 1 : 0;                                                    \
        pthread_mutex_lock(&count_lock);                                                   \
        checks++;                                                                          \
        if (!check_ok_) {                                                                  \
            failures++;                                                                    \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, "\n");                                                         \
        }                                                                                  \
        pthread_mutex_unlock(&count_lock);                                                 \
    } while (0)

#define S(x) x, strlen(x)

/* Where out-pointers start in calls expected to fail: an address no call returns, so
 * "untouched on error" shows as the sentinel still in place (a NULL start cannot tell
 * "untouched" from "set to NULL"). Never freed or used as a handle. */
static char sentinel_;
#define OUT_SENTINEL (&sentinel_)
#define CLIENT_SENTINEL ((fiskal_client *)(void *)&sentinel_)
#define OUTBOX_SENTINEL ((fiskal_outbox *)(void *)&sentinel_)

static char *receipt = NULL;  /* the FFD 1.2 receipt for the emulator's v5 account */
static const char *atol_url = NULL;
static char run_id[32];       /* keeps document ids unique across runs on one emulator */

/* ---- helpers ---- */

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

/* printf into a new buffer (caller frees). */
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

/* A new empty directory for the outbox journals, its path in `buf` with '/' separators (it goes
 * into settings JSON unescaped; Windows accepts '/'). POSIX: mkdtemp under /tmp. Windows (MinGW,
 * run under Wine by scripts/test-windows): no mkdtemp, so %TEMP% plus the process id and time. */
static char *make_temp_dir(char *buf, size_t n) {
#ifdef _WIN32
    const char *base = getenv("TEMP");
    if (!base || !base[0]) base = getenv("TMP");
    if (!base || !base[0]) base = ".";
    snprintf(buf, n, "%s/fiskal-c-handles-%ld-%ld", base, (long)getpid(), (long)time(NULL));
    for (char *c = buf; *c; c++) {
        if (*c == '\\') *c = '/';
    }
    return mkdir(buf) == 0 ? buf : NULL;
#else
    snprintf(buf, n, "/tmp/fiskal-c-handles-XXXXXX");
    return mkdtemp(buf);
#endif
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *last_error(void) {
    char *e = NULL;
    CHECK(fiskal_last_error(&e, NULL) == FISKAL_RESULT_OK && e != NULL, "fiskal_last_error");
    return e;
}

/* The last error must carry `code` and, if `path` is not NULL, `"path":"<path>"`. */
static void expect_last_error(const char *what, fiskal_result code, const char *path) {
    CHECK(fiskal_last_error_code() == code, "%s: last error code %u, expected %u", what,
          (unsigned)fiskal_last_error_code(), (unsigned)code);
    char *e = last_error();
    if (!e) return;
    char want[160];
    snprintf(want, sizeof want, "\"code\":%u,", (unsigned)code);
    CHECK(strstr(e, want) != NULL, "%s: %s", what, e);
    if (path) {
        snprintf(want, sizeof want, "\"path\":\"%s\"", path);
        CHECK(strstr(e, want) != NULL, "%s: path %s in %s", what, path, e);
    }
    CHECK(strstr(e, "zUr0OxfI") == NULL, "%s: a secret in the last error", what);
    fiskal_string_free(e);
}

static char *provider_settings(const char *url) {
    return fmt("{\"provider\":\"atol\",\"api\":\"v5\",\"preset\":\"test\",\"base_url\":\"%s\","
               "\"password\":\"zUr0OxfI\",\"report_interval_ms\":20}", url);
}

static char *outbox_settings(const char *url) {
    char *p = provider_settings(url);
    char *s = fmt("{\"routes\":{\"atol\":{\"provider\":%s}},\"default_route\":\"atol\","
                  "\"worker\":{\"concurrency\":4,\"lease_ms\":5000,\"call_timeout_ms\":3000,"
                  "\"idle_wait_ms\":20,\"drain_timeout_ms\":3000},"
                  "\"timing\":{\"poll_first_ms\":50,\"poll_max_ms\":200,\"retry_base_ms\":50}}",
                  p);
    free(p);
    return s;
}

/* The count of a state in stats JSON (-1 if not found). */
static long state_count(const char *stats, const char *state) {
    char pat[96];
    snprintf(pat, sizeof pat, "{\"state\":\"%s\",\"count\":", state);
    const char *p = strstr(stats, pat);
    return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* ---- NULL arguments, bad settings ---- */

static void test_null_arguments(const char *dir) {
    char *ps = provider_settings("http://127.0.0.1:9/possystem/v5/");
    char *os = outbox_settings("http://127.0.0.1:9/possystem/v5/");
    char *path = fmt("%s/nulls.db", dir);
    char *out = OUT_SENTINEL;
    size_t n = 7;
    fiskal_client *c = CLIENT_SENTINEL;
    fiskal_outbox *o = OUTBOX_SENTINEL;

    CHECK(fiskal_client_new(NULL, 0, &c) == FISKAL_RESULT_NULL_PARAMETER, "client_new NULL settings");
    expect_last_error("client_new NULL settings", FISKAL_RESULT_NULL_PARAMETER, "settings_json");
    CHECK(fiskal_client_new(S(ps), NULL) == FISKAL_RESULT_NULL_PARAMETER, "client_new NULL out");
    CHECK(fiskal_client_submit(NULL, S("{}"), 0, &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "submit NULL client");
    expect_last_error("submit NULL client", FISKAL_RESULT_NULL_PARAMETER, "client");
    CHECK(fiskal_client_status(NULL, S("{}"), 0, &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "status NULL client");
    CHECK(c == CLIENT_SENTINEL, "client out untouched");
    CHECK(fiskal_client_new(S(ps), &c) == FISKAL_RESULT_OK && c != NULL && c != CLIENT_SENTINEL, "client_new");
    CHECK(fiskal_client_submit(c, NULL, 0, 0, &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "submit NULL request");
    CHECK(fiskal_client_submit(c, S("{}"), 0, NULL, &n) == FISKAL_RESULT_NULL_PARAMETER, "submit NULL out");
    CHECK(fiskal_client_status(c, NULL, 0, 0, &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "status NULL query");
    CHECK(fiskal_client_status(c, S("{}"), 0, NULL, &n) == FISKAL_RESULT_NULL_PARAMETER, "status NULL out");
    fiskal_client_free(c);
    fiskal_client_free(NULL);

    CHECK(fiskal_outbox_open(NULL, 0, S(os), NULL, NULL, &o) == FISKAL_RESULT_NULL_PARAMETER, "open NULL path");
    expect_last_error("open NULL path", FISKAL_RESULT_NULL_PARAMETER, "path");
    CHECK(fiskal_outbox_open(S(path), NULL, 0, NULL, NULL, &o) == FISKAL_RESULT_NULL_PARAMETER, "open NULL settings");
    CHECK(fiskal_outbox_open(S(path), S(os), NULL, NULL, NULL) == FISKAL_RESULT_NULL_PARAMETER, "open NULL out");
    CHECK(o == OUTBOX_SENTINEL, "out untouched");
    CHECK(fiskal_outbox_open(S(path), S(os), NULL, NULL, &o) == FISKAL_RESULT_OK && o && o != OUTBOX_SENTINEL,
          "open");
    bool b = true;
    CHECK(fiskal_outbox_enqueue(NULL, S("{}"), &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "enqueue NULL outbox");
    expect_last_error("enqueue NULL outbox", FISKAL_RESULT_NULL_PARAMETER, "outbox");
    CHECK(fiskal_outbox_enqueue(o, NULL, 0, &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "enqueue NULL request");
    CHECK(fiskal_outbox_enqueue(o, S("{}"), NULL, &n) == FISKAL_RESULT_NULL_PARAMETER, "enqueue NULL out");
    CHECK(fiskal_outbox_get(NULL, S("k"), &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "get NULL outbox");
    CHECK(fiskal_outbox_get(o, NULL, 0, &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "get NULL key");
    CHECK(fiskal_outbox_get(o, S("k"), NULL, &n) == FISKAL_RESULT_NULL_PARAMETER, "get NULL out");
    CHECK(fiskal_outbox_list(NULL, S("{}"), &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "list NULL outbox");
    CHECK(fiskal_outbox_list(o, NULL, 0, &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "list NULL query");
    CHECK(fiskal_outbox_list(o, S("{}"), NULL, &n) == FISKAL_RESULT_NULL_PARAMETER, "list NULL out");
    CHECK(fiskal_outbox_audit(NULL, S("k"), &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "audit NULL outbox");
    CHECK(fiskal_outbox_audit(o, NULL, 0, &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "audit NULL key");
    CHECK(fiskal_outbox_audit(o, S("k"), NULL, &n) == FISKAL_RESULT_NULL_PARAMETER, "audit NULL out");
    CHECK(fiskal_outbox_stats(NULL, &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "stats NULL outbox");
    CHECK(fiskal_outbox_stats(o, NULL, &n) == FISKAL_RESULT_NULL_PARAMETER, "stats NULL out");
    CHECK(fiskal_outbox_start(NULL) == FISKAL_RESULT_NULL_PARAMETER, "start NULL");
    CHECK(fiskal_outbox_stop(NULL) == FISKAL_RESULT_NULL_PARAMETER, "stop NULL");
    CHECK(fiskal_outbox_drain(NULL, 0, &b) == FISKAL_RESULT_NULL_PARAMETER, "drain NULL outbox");
    CHECK(fiskal_outbox_drain(o, 0, NULL) == FISKAL_RESULT_NULL_PARAMETER, "drain NULL settled");
    CHECK(fiskal_outbox_poke(NULL, S("k"), &b) == FISKAL_RESULT_NULL_PARAMETER, "poke NULL outbox");
    CHECK(fiskal_outbox_poke(o, NULL, 0, &b) == FISKAL_RESULT_NULL_PARAMETER, "poke NULL id");
    CHECK(fiskal_outbox_poke(o, S("k"), NULL) == FISKAL_RESULT_NULL_PARAMETER, "poke NULL found");
    CHECK(fiskal_outbox_reconcile(NULL, S("{}"), &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "reconcile NULL outbox");
    CHECK(fiskal_outbox_reconcile(o, NULL, 0, &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "reconcile NULL query");
    CHECK(fiskal_outbox_reconcile(o, S("{}"), NULL, &n) == FISKAL_RESULT_NULL_PARAMETER, "reconcile NULL out");
    CHECK(fiskal_outbox_requeue(NULL, S("{}"), &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "requeue NULL outbox");
    expect_last_error("requeue NULL outbox", FISKAL_RESULT_NULL_PARAMETER, "outbox");
    CHECK(fiskal_outbox_requeue(o, NULL, 0, &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "requeue NULL request");
    expect_last_error("requeue NULL request", FISKAL_RESULT_NULL_PARAMETER, "request_json");
    CHECK(fiskal_outbox_requeue(o, S("{}"), NULL, &n) == FISKAL_RESULT_NULL_PARAMETER, "requeue NULL out");
    CHECK(fiskal_outbox_cancel(NULL, S("{}"), &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "cancel NULL outbox");
    CHECK(fiskal_outbox_cancel(o, NULL, 0, &out, &n) == FISKAL_RESULT_NULL_PARAMETER, "cancel NULL request");
    CHECK(fiskal_outbox_cancel(o, S("{}"), NULL, &n) == FISKAL_RESULT_NULL_PARAMETER, "cancel NULL out");
    CHECK(out == OUT_SENTINEL && n == 7 && b, "nothing written on failure");
    fiskal_outbox_free(o);
    fiskal_outbox_free(NULL);
    free(ps);
    free(os);
    free(path);
}

static void test_bad_settings(const char *dir) {
    fiskal_client *c = CLIENT_SENTINEL;
    const char *zero = "{\"provider\":\"atol\",\"api\":\"v5\",\"preset\":\"test\","
                       "\"password\":\"zUr0OxfI\",\"http\":{\"timeout_ms\":0}}";
    CHECK(fiskal_client_new(S(zero), &c) == FISKAL_RESULT_PROVIDER_CONFIG && c == CLIENT_SENTINEL,
          "zero timeout");
    expect_last_error("zero timeout", FISKAL_RESULT_PROVIDER_CONFIG, "http.timeout_ms");
    const char *env = "{\"provider\":\"atol\",\"api\":\"v5\",\"preset\":\"test\","
                      "\"password\":{\"env\":\"FISKAL_C_TEST_NO_SUCH_VAR\"}}";
    CHECK(fiskal_client_new(S(env), &c) == FISKAL_RESULT_PROVIDER_CONFIG, "missing env var");
    expect_last_error("missing env var", FISKAL_RESULT_PROVIDER_CONFIG, "password");
    CHECK(fiskal_client_new(S("not json"), &c) == FISKAL_RESULT_PROVIDER_CONFIG, "not JSON");
    CHECK(fiskal_client_new("\xff", 1, &c) == FISKAL_RESULT_INVALID_UTF8, "not UTF-8");
    CHECK(c == CLIENT_SENTINEL, "no handle on failure");

    fiskal_outbox *o = OUTBOX_SENTINEL;
    char *path = fmt("%s/bad.db", dir);
    const char *lease = "{\"routes\":{\"atol\":{\"provider\":{\"provider\":\"atol\",\"api\":\"v5\","
                        "\"preset\":\"test\",\"password\":\"zUr0OxfI\"}}},"
                        "\"worker\":{\"lease_ms\":\"soon\"}}";
    CHECK(fiskal_outbox_open(S(path), S(lease), NULL, NULL, &o) == FISKAL_RESULT_OUTBOX_INVALID_CONFIG,
          "lease_ms type");
    expect_last_error("lease_ms type", FISKAL_RESULT_OUTBOX_INVALID_CONFIG, "worker.lease_ms");
    const char *secret = "{\"routes\":{\"atol\":{\"provider\":{\"provider\":\"atol\",\"api\":\"v5\","
                         "\"preset\":\"test\",\"password\":{\"env\":\"FISKAL_C_TEST_NO_SUCH_VAR\"}}}}}";
    CHECK(fiskal_outbox_open(S(path), S(secret), NULL, NULL, &o) == FISKAL_RESULT_OUTBOX_INVALID_CONFIG,
          "route password");
    expect_last_error("route password", FISKAL_RESULT_OUTBOX_INVALID_CONFIG,
                      "routes.atol.provider.password");
    char *os = outbox_settings("http://127.0.0.1:9/possystem/v5/");
    CHECK(fiskal_outbox_open(S("/proc/no/such/dir/x.db"), S(os), NULL, NULL, &o) == FISKAL_RESULT_OUTBOX_OPEN,
          "cannot open");
    CHECK(o == OUTBOX_SENTINEL, "no handle on failure");
    CHECK(fiskal_result_is_provider_error(FISKAL_RESULT_PROVIDER_CONFIG), "6xxx predicate");
    CHECK(fiskal_result_is_outbox_error(FISKAL_RESULT_OUTBOX_NOT_FOUND), "7xxx predicate");
    CHECK(strcmp(fiskal_result_name(7003), "outbox_not_found") == 0, "7003 name");
    CHECK(strcmp(fiskal_result_name(6006), "provider_timeout") == 0, "6006 name");
    free(os);
    free(path);
}

/* ---- the client, end to end ---- */

struct client_job {
    fiskal_client *client;
    int id;
    int ok;
};

static void *client_thread(void *arg) {
    struct client_job *j = arg;
    for (int k = 0; k < 3; k++) {
        char *req = fmt("{\"document_id\":\"c-%s-t%d-%d\",\"receipt\":%s}", run_id, j->id, k, receipt);
        char *out = NULL;
        size_t n = 0;
        fiskal_result r = fiskal_client_submit(j->client, S(req), 10000, &out, &n);
        CHECK(r == FISKAL_RESULT_OK, "thread submit: %u", (unsigned)r);
        if (out && strstr(out, "\"outcome\":\"accepted\"")) j->ok++;
        fiskal_string_free(out);
        free(req);
    }
    return NULL;
}

static void test_client(void) {
    char *ps = provider_settings(atol_url);
    fiskal_client *c = NULL;
    CHECK(fiskal_client_new(S(ps), &c) == FISKAL_RESULT_OK && c, "client_new");
    free(ps);
    if (!c) return;

    char *req = fmt("{\"document_id\":\"c-%s-1\",\"receipt\":%s,\"callback_url\":null,"
                    "\"timestamp\":\"2026-03-02T10:15:00\"}", run_id, receipt);
    char *out = NULL;
    size_t n = 0;
    CHECK(fiskal_client_submit(c, S(req), 5000, &out, &n) == FISKAL_RESULT_OK, "submit");
    CHECK(out && strlen(out) == n, "submit length");
    CHECK(out && strncmp(out, "{\"outcome\":\"accepted\"", 21) == 0, "accepted: %s", out ? out : "");
    char uuid[64] = "";
    const char *p = out ? strstr(out, "\"provider_id\":\"") : NULL;
    if (p) sscanf(p + 15, "%63[^\"]", uuid);
    CHECK(uuid[0] != '\0', "provider_id");
    fiskal_string_free(out);
    /* The same document id again: a duplicate, never a second receipt. */
    out = NULL;
    CHECK(fiskal_client_submit(c, S(req), 0, &out, NULL) == FISKAL_RESULT_OK, "submit again");
    CHECK(out && strstr(out, "\"duplicate\":true") && strstr(out, uuid), "duplicate: %s", out ? out : "");
    fiskal_string_free(out);
    free(req);

    char *q = fmt("{\"document_id\":\"c-%s-1\",\"provider_id\":\"%s\",\"kind\":\"sell\"}", run_id, uuid);
    double deadline = now_s() + 30;
    int done = 0;
    while (!done && now_s() < deadline) {
        out = NULL;
        fiskal_result r = fiskal_client_status(c, S(q), 5000, &out, &n);
        CHECK(r == FISKAL_RESULT_OK, "status: %u", (unsigned)r);
        if (out && strstr(out, "\"outcome\":\"done\"")) {
            done = 1;
            CHECK(strstr(out, "\"fiscal\":{") && strstr(out, "\"qr\":\"t="), "done: %s", out);
        }
        fiskal_string_free(out);
        if (!done) sleep_ms(50);
    }
    CHECK(done, "the receipt is done at the emulator");
    free(q);

    out = OUT_SENTINEL;
    CHECK(fiskal_client_status(c, S("{\"document_id\":\"x\",\"kind\":\"gift\"}"), 0, &out, NULL)
              == FISKAL_RESULT_INVALID_ARGUMENT, "unknown kind");
    expect_last_error("unknown kind", FISKAL_RESULT_INVALID_ARGUMENT, "kind");
    CHECK(fiskal_client_status(c, S("{\"document_id\":\"x\"}"), 0, &out, NULL)
              == FISKAL_RESULT_PROVIDER_UNSUPPORTED, "ATOL needs the uuid");
    expect_last_error("ATOL needs the uuid", FISKAL_RESULT_PROVIDER_UNSUPPORTED, "provider_id");
    CHECK(fiskal_client_submit(c, S("{\"document_id\":\"x\",\"receipt\":{\"version\":1}}"), 0, &out, NULL)
              == FISKAL_RESULT_INVALID_JSON, "bad receipt");
    CHECK(out == OUT_SENTINEL, "nothing written");
    out = NULL;

    /* Many threads share the client. */
    enum { N = 6 };
    pthread_t th[N];
    struct client_job jobs[N];
    for (int i = 0; i < N; i++) {
        jobs[i] = (struct client_job){c, i, 0};
        CHECK(pthread_create(&th[i], NULL, client_thread, &jobs[i]) == 0, "pthread_create");
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK(jobs[i].ok == 3, "thread %d: %d accepted", i, jobs[i].ok);
    }
    fiskal_client_free(c);
}

/* ---- the outbox, end to end ---- */

struct observed {
    pthread_mutex_t lock;
    int calls;
    int done;
    int malformed;
    int done_events;      /* "event":"done" */
    int attention_events; /* "event":"done_with_attention" */
};

static void observer(void *context, const char *event_json, size_t len) {
    struct observed *ob = context;
    int ok = event_json != NULL && event_json[len] == '\0' && strlen(event_json) == len &&
             event_json[0] == '{' && strstr(event_json, "\"from\":\"") != NULL;
    pthread_mutex_lock(&ob->lock);
    ob->calls++;
    if (!ok) ob->malformed++;
    if (ok && strstr(event_json, "\"state\":\"done\"")) ob->done++;
    if (ok && strstr(event_json, "\"event\":\"done\"")) ob->done_events++;
    if (ok && strstr(event_json, "\"event\":\"done_with_attention\"")) ob->attention_events++;
    pthread_mutex_unlock(&ob->lock);
}

struct outbox_job {
    fiskal_outbox *outbox;
    int id;
    int ok;
};

enum { OUTBOX_THREADS = 4, PER_THREAD = 3, FIRST = 3 };

static void *outbox_thread(void *arg) {
    struct outbox_job *j = arg;
    for (int k = 0; k < PER_THREAD; k++) {
        char *key = fmt("o-%s-t%d-%d", run_id, j->id, k);
        char *req = fmt("{\"key\":\"%s\",\"receipt\":%s}", key, receipt);
        char *out = NULL;
        if (fiskal_outbox_enqueue(j->outbox, S(req), &out, NULL) == FISKAL_RESULT_OK &&
            out && strstr(out, "\"created\":true"))
            j->ok++;
        fiskal_string_free(out);
        out = NULL;
        CHECK(fiskal_outbox_get(j->outbox, S(key), &out, NULL) == FISKAL_RESULT_OK, "thread get");
        fiskal_string_free(out);
        out = NULL;
        CHECK(fiskal_outbox_stats(j->outbox, &out, NULL) == FISKAL_RESULT_OK, "thread stats");
        fiskal_string_free(out);
        free(req);
        free(key);
    }
    return NULL;
}

static void test_outbox(const char *dir) {
    struct observed ob = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0};
    char *os = outbox_settings(atol_url);
    char *path = fmt("%s/outbox.db", dir);
    fiskal_outbox *o = NULL;
    CHECK(fiskal_outbox_open(S(path), S(os), observer, &ob, &o) == FISKAL_RESULT_OK && o, "open");
    free(os);
    free(path);
    if (!o) return;

    char *out = NULL;
    size_t n = 0;
    for (int i = 0; i < FIRST; i++) {
        char *req = fmt("{\"key\":\"o-%s-%d\",\"receipt\":%s,\"route\":null}", run_id, i, receipt);
        out = NULL;
        CHECK(fiskal_outbox_enqueue(o, S(req), &out, &n) == FISKAL_RESULT_OK, "enqueue %d", i);
        CHECK(out && strlen(out) == n && strstr(out, "\"state\":\"queued\"") &&
              strstr(out, "\"created\":true") && strstr(out, "\"attempt\":1"), "entry %s", out ? out : "");
        fiskal_string_free(out);
        /* The same key and receipt again: the stored entry, not a second one. */
        out = NULL;
        CHECK(fiskal_outbox_enqueue(o, S(req), &out, NULL) == FISKAL_RESULT_OK, "enqueue again");
        CHECK(out && strstr(out, "\"created\":false"), "created false");
        fiskal_string_free(out);
        free(req);
    }
    /* Errors. */
    out = OUT_SENTINEL;
    char *k0 = fmt("o-%s-0", run_id);
    char *other = fmt("{\"key\":\"%s\",\"receipt\":%s}", k0, receipt);
    char *shifted = strstr(other, "+79990000001");
    if (shifted) shifted[11] = '2';
    CHECK(fiskal_outbox_enqueue(o, S(other), &out, NULL) == FISKAL_RESULT_OUTBOX_KEY_CONFLICT, "key conflict");
    expect_last_error("key conflict", FISKAL_RESULT_OUTBOX_KEY_CONFLICT, "key");
    free(other);
    char *routed = fmt("{\"key\":\"o-%s-r\",\"receipt\":%s,\"route\":\"orange\"}", run_id, receipt);
    CHECK(fiskal_outbox_enqueue(o, S(routed), &out, NULL) == FISKAL_RESULT_OUTBOX_UNKNOWN_ROUTE, "unknown route");
    free(routed);
    char *badkey = fmt("{\"key\":\"bad key!\",\"receipt\":%s}", receipt);
    CHECK(fiskal_outbox_enqueue(o, S(badkey), &out, NULL) == FISKAL_RESULT_OUTBOX_INVALID_KEY, "invalid key");
    free(badkey);
    char *invalid = fmt("{\"key\":\"o-%s-bad\",\"receipt\":%s}", run_id, receipt);
    char *total = strstr(invalid, "\"total\": \"5651.95\"");
    if (total) memcpy(total, "\"total\": \"5651.96\"", 18);
    CHECK(fiskal_outbox_enqueue(o, S(invalid), &out, NULL) == FISKAL_RESULT_OUTBOX_INVALID_RECEIPT,
          "invalid receipt");
    expect_last_error("invalid receipt", FISKAL_RESULT_OUTBOX_INVALID_RECEIPT, "receipt");
    free(invalid);
    CHECK(fiskal_outbox_get(o, S("nobody"), &out, NULL) == FISKAL_RESULT_OUTBOX_NOT_FOUND, "get unknown");
    expect_last_error("get unknown", FISKAL_RESULT_OUTBOX_NOT_FOUND, "key");
    CHECK(fiskal_outbox_list(o, S("{\"state\":\"lost\"}"), &out, NULL) == FISKAL_RESULT_INVALID_ARGUMENT,
          "unknown state");
    CHECK(out == OUT_SENTINEL, "nothing written on failure");
    out = NULL;

    bool found = true;
    CHECK(fiskal_outbox_poke(o, S(k0), &found) == FISKAL_RESULT_OK && !found, "a queued entry is not poked");

    /* The worker, started twice (a no-op), with threads enqueueing meanwhile. */
    CHECK(fiskal_outbox_start(o) == FISKAL_RESULT_OK, "start");
    CHECK(fiskal_outbox_start(o) == FISKAL_RESULT_OK, "start again");
    pthread_t th[OUTBOX_THREADS];
    struct outbox_job jobs[OUTBOX_THREADS];
    for (int i = 0; i < OUTBOX_THREADS; i++) {
        jobs[i] = (struct outbox_job){o, i, 0};
        CHECK(pthread_create(&th[i], NULL, outbox_thread, &jobs[i]) == 0, "pthread_create");
    }
    for (int i = 0; i < OUTBOX_THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK(jobs[i].ok == PER_THREAD, "thread %d enqueued %d", i, jobs[i].ok);
    }
    const long total_n = FIRST + OUTBOX_THREADS * PER_THREAD;
    double deadline = now_s() + 60;
    long done = 0;
    char *stats = NULL;
    while (now_s() < deadline) {
        stats = NULL;
        CHECK(fiskal_outbox_stats(o, &stats, &n) == FISKAL_RESULT_OK, "stats");
        done = stats ? state_count(stats, "done") : -1;
        if (done == total_n) break;
        fiskal_string_free(stats);
        stats = NULL;
        sleep_ms(50);
    }
    CHECK(done == total_n, "%ld of %ld done", done, total_n);
    if (stats) {
        CHECK(strstr(stats, "\"running\":true") != NULL, "worker running: %s", stats);
        CHECK(strstr(stats, "\"last_hour\":{\"done\":15,") != NULL, "last hour: %s", stats);
        CHECK(strstr(stats, "\"submits\":") && strstr(stats, "\"latency_p95_ms\":"), "stats shape");
        fiskal_string_free(stats);
    }
    CHECK(fiskal_outbox_stop(o) == FISKAL_RESULT_OK, "stop");
    CHECK(fiskal_outbox_stop(o) == FISKAL_RESULT_OK, "stop again");
    pthread_mutex_lock(&ob.lock);
    CHECK(ob.done == total_n, "observer saw %d done of %ld", ob.done, total_n);
    CHECK(ob.done_events == total_n && ob.attention_events == 0, "done events %d, with attention %d",
          ob.done_events, ob.attention_events);
    CHECK(ob.calls >= 2 * total_n && ob.malformed == 0, "observer calls %d, malformed %d", ob.calls,
          ob.malformed);
    int calls_after_stop = ob.calls;
    pthread_mutex_unlock(&ob.lock);

    out = NULL;
    CHECK(fiskal_outbox_stats(o, &out, NULL) == FISKAL_RESULT_OK && out && strstr(out, "\"running\":false"),
          "stopped");
    fiskal_string_free(out);
    out = NULL;
    CHECK(fiskal_outbox_get(o, S(k0), &out, &n) == FISKAL_RESULT_OK, "get");
    CHECK(out && strstr(out, "\"state\":\"done\"") && strstr(out, "\"qr\":\"t=") &&
          strstr(out, "\"fiscal\":{\"fn_number\""), "done entry %s", out ? out : "");
    fiskal_string_free(out);
    out = NULL;
    CHECK(fiskal_outbox_audit(o, S(k0), &out, NULL) == FISKAL_RESULT_OK, "audit");
    CHECK(out && strstr(out, "{\"records\":[{\"seq\":") && strstr(out, "\"from\":null,\"to\":\"queued\"") &&
          strstr(out, "\"to\":\"done\""), "audit %s", out ? out : "");
    fiskal_string_free(out);
    out = NULL;
    CHECK(fiskal_outbox_list(o, S("{\"state\":\"done\",\"limit\":100}"), &out, NULL) == FISKAL_RESULT_OK, "list");
    CHECK(out && strncmp(out, "{\"entries\":[{\"key\":", 19) == 0, "list %s", out ? out : "");
    fiskal_string_free(out);
    bool settled = false;
    CHECK(fiskal_outbox_drain(o, 2000, &settled) == FISKAL_RESULT_OK && settled, "drain");
    out = NULL;
    CHECK(fiskal_outbox_reconcile(o, S("{\"from_ms\":0,\"limit\":1000}"), &out, NULL) == FISKAL_RESULT_OK,
          "reconcile");
    CHECK(out && strstr(out, "\"checked\":15,\"matched\":15,\"unknown_at_provider\":[]"), "reconcile %s",
          out ? out : "");
    fiskal_string_free(out);

    /* Operator actions: a fiscalised receipt is neither cancelled nor sent again (7019, the
       state in the details); a new one is cancelled with who and why in the audit trail. */
    char *cancel_done = fmt("{\"key\":\"%s\",\"who\":\"anna\",\"reason\":\"wrong price\"}", k0);
    out = OUT_SENTINEL;
    CHECK(fiskal_outbox_cancel(o, S(cancel_done), &out, NULL) == FISKAL_RESULT_OUTBOX_ACTION_NOT_ALLOWED,
          "cancel done");
    expect_last_error("cancel done", FISKAL_RESULT_OUTBOX_ACTION_NOT_ALLOWED, "key");
    CHECK(fiskal_outbox_requeue(o, S(cancel_done), &out, NULL) == FISKAL_RESULT_OUTBOX_ACTION_NOT_ALLOWED,
          "requeue done");
    CHECK(out == OUT_SENTINEL, "nothing written on failure");
    out = NULL;
    free(cancel_done);
    char *late = fmt("{\"key\":\"o-%s-late\",\"receipt\":%s}", run_id, receipt);
    CHECK(fiskal_outbox_enqueue(o, S(late), &out, NULL) == FISKAL_RESULT_OK, "enqueue late");
    fiskal_string_free(out);
    free(late);
    char *no_reason = fmt("{\"key\":\"o-%s-late\",\"who\":\"anna\",\"reason\":\"\"}", run_id);
    out = NULL;
    CHECK(fiskal_outbox_cancel(o, S(no_reason), &out, NULL) == FISKAL_RESULT_INVALID_ARGUMENT, "empty reason");
    expect_last_error("empty reason", FISKAL_RESULT_INVALID_ARGUMENT, "reason");
    free(no_reason);
    char *cancel_late = fmt("{\"key\":\"o-%s-late\",\"who\":\"anna\",\"reason\":\"customer left\"}", run_id);
    out = NULL;
    CHECK(fiskal_outbox_cancel(o, S(cancel_late), &out, &n) == FISKAL_RESULT_OK, "cancel queued");
    CHECK(out && strlen(out) == n && strstr(out, "\"state\":\"cancelled\""), "cancelled %s", out ? out : "");
    fiskal_string_free(out);
    free(cancel_late);
    char *late_key = fmt("o-%s-late", run_id);
    out = NULL;
    CHECK(fiskal_outbox_audit(o, S(late_key), &out, NULL) == FISKAL_RESULT_OK, "audit cancelled");
    CHECK(out && strstr(out, "\"reason\":\"operator_cancel\"") && strstr(out, "\"who\":\"anna\"") &&
          strstr(out, "\"note\":\"customer left\""), "audit %s", out ? out : "");
    fiskal_string_free(out);
    free(late_key);
    fiskal_outbox_free(o);
    pthread_mutex_lock(&ob.lock);
    CHECK(ob.calls == calls_after_stop, "no observer call after stop");
    pthread_mutex_unlock(&ob.lock);
    free(k0);
}

/* Issue 24: a receipt fiscalised with a remark (here ATOL's `warnings`: the emulator, like ATOL,
 * warns about a callback URL outside its mask and fiscalises anyway) is done, visibly so: one
 * "done_with_attention" event, "attention" in the entry, "done_with_attention" in stats, the
 * list filter and reconcile's "attention" findings. */
static void test_outbox_attention(const char *dir) {
    struct observed ob = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0};
    char *p = provider_settings(atol_url);
    char *os = fmt("{\"routes\":{\"atol\":{\"provider\":%s,"
                   "\"callback_url\":\"https://-not-a-host.example/cb\"}},\"default_route\":\"atol\","
                   "\"worker\":{\"concurrency\":2,\"lease_ms\":5000,\"call_timeout_ms\":3000,"
                   "\"idle_wait_ms\":20,\"drain_timeout_ms\":3000},"
                   "\"timing\":{\"poll_first_ms\":50,\"poll_max_ms\":200,\"retry_base_ms\":50}}",
                   p);
    free(p);
    char *path = fmt("%s/attention.db", dir);
    fiskal_outbox *o = NULL;
    CHECK(fiskal_outbox_open(S(path), S(os), observer, &ob, &o) == FISKAL_RESULT_OK && o, "open attention");
    free(os);
    free(path);
    if (!o) return;
    char *key = fmt("att-%s", run_id);
    char *req = fmt("{\"key\":\"%s\",\"receipt\":%s}", key, receipt);
    char *out = NULL;
    CHECK(fiskal_outbox_enqueue(o, S(req), &out, NULL) == FISKAL_RESULT_OK, "enqueue attention");
    fiskal_string_free(out);
    bool settled = false;
    CHECK(fiskal_outbox_drain(o, 20000, &settled) == FISKAL_RESULT_OK && settled, "drain attention");
    out = NULL;
    CHECK(fiskal_outbox_get(o, S(key), &out, NULL) == FISKAL_RESULT_OK && out &&
              strstr(out, "\"state\":\"done\"") &&
              strstr(out, "\"attention\":{\"reasons\":[\"warnings\"]"),
          "done with attention: %s", out ? out : "");
    fiskal_string_free(out);
    out = NULL;
    CHECK(fiskal_outbox_stats(o, &out, NULL) == FISKAL_RESULT_OK && out &&
              strstr(out, "\"done_with_attention\":1,"),
          "stats count: %s", out ? out : "");
    fiskal_string_free(out);
    const char *q = "{\"attention\":true}";
    out = NULL;
    CHECK(fiskal_outbox_list(o, S(q), &out, NULL) == FISKAL_RESULT_OK && out && strstr(out, key),
          "list attention: %s", out ? out : "");
    fiskal_string_free(out);
    const char *rq = "{\"from_ms\":0}";
    out = NULL;
    CHECK(fiskal_outbox_reconcile(o, S(rq), &out, NULL) == FISKAL_RESULT_OK && out &&
              strstr(out, "\"attention\":[{\"key\":\"att-"),
          "reconcile attention: %s", out ? out : "");
    fiskal_string_free(out);
    fiskal_outbox_free(o);
    CHECK(ob.attention_events == 1 && ob.done_events == 0, "attention events %d, done events %d",
          ob.attention_events, ob.done_events);
    free(req);
    free(key);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_handles <repository root>\n");
        return 2;
    }
    atol_url = getenv("FISKAL_TEST_ATOL_V5_URL");
    snprintf(run_id, sizeof run_id, "%ld-%ld", (long)getpid(), (long)time(NULL));
    char *fixture = fmt("%s/crates/fiskal-outbox/tests/fixtures/receipt_sell_v5.json", argv[1]);
    receipt = read_file(fixture);
    free(fixture);
    CHECK(receipt != NULL, "read the receipt fixture");
    CHECK(atol_url != NULL && atol_url[0] != '\0', "FISKAL_TEST_ATOL_V5_URL is set");
    char dir[400];
    CHECK(make_temp_dir(dir, sizeof dir) != NULL, "make a temporary directory");

    test_null_arguments(dir);
    test_bad_settings(dir);
    if (receipt && atol_url) {
        test_client();
        test_outbox(dir);
        test_outbox_attention(dir);
    }

    const char *files[] = {"nulls.db", "bad.db", "outbox.db", "attention.db"};
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        for (size_t j = 0; j < 3; j++) {
            char p[512];
            snprintf(p, sizeof p, "%s/%s%s", dir, files[i], suffixes[j]);
            unlink(p);
        }
    }
    rmdir(dir);
    free(receipt);
    printf("%d checks, %d failed\n", checks, failures);
    return failures > 100 ? 100 : failures;
}
