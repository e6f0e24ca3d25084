/*
 * The light C library: built with `cargo build -p fiskal-ffi --no-default-features` (features
 * `providers` and `outbox` off), linked with the same include/fiskal.h as the full one.
 *
 * What docs/c-api.md ("Features: a library without the handles") promises, checked from C:
 * every fiskal_client_* and fiskal_outbox_* function is still exported and returns
 * FISKAL_RESULT_FEATURE_DISABLED before it looks at any argument (valid ones, NULL ones and a
 * handle that no call made alike), writes no output (every out-pointer starts from a sentinel and
 * keeps it), never calls the observer, and leaves a last error whose details name the feature;
 * the two _free functions do nothing; the stateless operations work as in the full library
 * (their whole suite, tests/c/test_fiskal.c, runs against this library too).
 *
 * Usage: test_minimal <repository root>
 * Run by `scripts/test-c --minimal` under AddressSanitizer + UBSan and under valgrind. Against
 * the full library it fails (the calls then do their work): it only passes on a light build.
 * Exit code: the number of failures (capped).
 */
#define _POSIX_C_SOURCE 200809L

#include "fiskal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        checks++;                                                                          \
        if (!(cond)) {                                                                     \
            failures++;                                                                    \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, "\n");                                                         \
        }                                                                                  \
    } while (0)

#define S(x) x, strlen(x)

/* Out-pointers and handles start from this address: no call returns it, so "untouched" shows
 * as the sentinel still in place. Never freed, never dereferenced by a correct library. */
static char sentinel_;
#define OUT_SENTINEL (&sentinel_)
#define CLIENT_SENTINEL ((fiskal_client *)(void *)&sentinel_)
#define OUTBOX_SENTINEL ((fiskal_outbox *)(void *)&sentinel_)
#define BOGUS_CLIENT ((const fiskal_client *)(const void *)&sentinel_)
#define BOGUS_OUTBOX ((const fiskal_outbox *)(const void *)&sentinel_)

static const char *root = ".";
static char *receipt = NULL;

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

/* The thread's last error JSON (caller frees it), or NULL. */
static char *last_error(void) {
    char *json = NULL;
    if (fiskal_last_error(&json, NULL) != FISKAL_RESULT_OK) return NULL;
    return json;
}

/* `code` is FEATURE_DISABLED and the last error says so, naming `feature`. */
static void expect_disabled(fiskal_result code, const char *feature, const char *what) {
    CHECK(code == FISKAL_RESULT_FEATURE_DISABLED, "%s: %u", what, (unsigned)code);
    CHECK(fiskal_last_error_code() == FISKAL_RESULT_FEATURE_DISABLED, "%s: last error code %u",
          what, (unsigned)fiskal_last_error_code());
    char *e = last_error();
    char want[64];
    snprintf(want, sizeof want, "\"details\":{\"feature\":\"%s\"}", feature);
    CHECK(e && strstr(e, "\"code\":110,\"name\":\"feature_disabled\""), "%s: %s", what,
          e ? e : "(none)");
    CHECK(e && strstr(e, want), "%s: no %s in %s", what, want, e ? e : "(none)");
    fiskal_string_free(e);
}

/* Clears the last error with a successful call, so each check sees its own call's error. */
static void reset_last_error(void) {
    char *out = NULL;
    CHECK(fiskal_version_json(&out, NULL) == FISKAL_RESULT_OK, "version_json");
    fiskal_string_free(out);
    CHECK(fiskal_last_error_code() == FISKAL_RESULT_OK, "cleared");
}

/* ---- the code itself ---- */

static void test_code(void) {
    CHECK(FISKAL_RESULT_FEATURE_DISABLED == 110, "the number is fixed");
    CHECK(strcmp(fiskal_result_name(FISKAL_RESULT_FEATURE_DISABLED), "feature_disabled") == 0,
          "name %s", fiskal_result_name(FISKAL_RESULT_FEATURE_DISABLED));
    CHECK(fiskal_result_is_argument_error(FISKAL_RESULT_FEATURE_DISABLED), "1xx group");
    char buf[256];
    size_t n = 0;
    CHECK(fiskal_result_message(FISKAL_RESULT_FEATURE_DISABLED, buf, sizeof buf, &n) ==
              FISKAL_RESULT_OK && n > 0 && strstr(buf, "feature"),
          "message %s", buf);
}

/* ---- the stateless part works ---- */

static void test_stateless_operations(void) {
    char *out = OUT_SENTINEL;
    size_t len = 0;
    CHECK(fiskal_validate(receipt, strlen(receipt), &out, &len) == FISKAL_RESULT_OK, "validate");
    CHECK(out != OUT_SENTINEL && out && strlen(out) == len, "validate output");
    if (out != OUT_SENTINEL) fiskal_string_free(out);
    out = OUT_SENTINEL;
    CHECK(fiskal_to_tlv(receipt, strlen(receipt), &out, NULL) == FISKAL_RESULT_OK, "to_tlv");
    CHECK(out != OUT_SENTINEL && out && strstr(out, "\"hex\""), "to_tlv output");
    if (out != OUT_SENTINEL) fiskal_string_free(out);
}

/* ---- fiskal_client_* ---- */

static void test_client(void) {
    const char *settings = "{\"provider\": \"atol\", \"api\": \"v5\", \"preset\": \"test\"}";
    const char *req = "{\"document_id\": \"order-1-1\", \"receipt\": {}}";
    char *out = OUT_SENTINEL;
    size_t len = 12345;
    fiskal_client *client = CLIENT_SENTINEL;

    reset_last_error();
    expect_disabled(fiskal_client_new(S(settings), &client), "providers", "client_new");
    CHECK(client == CLIENT_SENTINEL, "client_new wrote its out-pointer");
    /* Arguments are not looked at: NULL ones are not 100 (null_parameter) here. */
    reset_last_error();
    expect_disabled(fiskal_client_new(NULL, 0, NULL), "providers", "client_new(NULL)");

    /* Every method, with a handle no call made: not dereferenced. */
    for (int with_nulls = 0; with_nulls < 2; with_nulls++) {
        const fiskal_client *c = with_nulls ? NULL : BOGUS_CLIENT;
        char **o = with_nulls ? NULL : &out;
        size_t *l = with_nulls ? NULL : &len;
        reset_last_error();
        expect_disabled(fiskal_client_submit(c, S(req), 1000, o, l), "providers", "submit");
        reset_last_error();
        expect_disabled(fiskal_client_status(c, S(req), 0, o, l), "providers", "status");
    }
    CHECK(out == OUT_SENTINEL && len == 12345, "a client method wrote an output");

    fiskal_client_free(NULL);
    fiskal_client_free(CLIENT_SENTINEL); /* does nothing: no client was ever made */
}

/* ---- fiskal_outbox_* ---- */

static int observer_calls = 0;
static void observer(void *context, const char *event_json, size_t len) {
    (void)context;
    (void)event_json;
    (void)len;
    observer_calls++;
}

/* A method taking (outbox, input, input_len, out_json, out_len). */
typedef fiskal_result (*outbox_json_fn)(const fiskal_outbox *, const char *, size_t, char **,
                                        size_t *);

static void test_outbox(void) {
    const char *path = "/nonexistent-dir/fiskal-minimal.db";
    const char *settings = "{\"routes\": {}}";
    char *out = OUT_SENTINEL;
    size_t len = 12345;
    fiskal_outbox *outbox = OUTBOX_SENTINEL;

    reset_last_error();
    expect_disabled(
        fiskal_outbox_open(S(path), S(settings), observer, &observer_calls, &outbox), "outbox",
        "outbox_open");
    CHECK(outbox == OUTBOX_SENTINEL, "outbox_open wrote its out-pointer");
    reset_last_error();
    expect_disabled(fiskal_outbox_open(NULL, 0, NULL, 0, NULL, NULL, NULL), "outbox",
                    "outbox_open(NULL)");

    const struct {
        const char *name;
        outbox_json_fn f;
    } json_methods[] = {
        {"enqueue", fiskal_outbox_enqueue},     {"get", fiskal_outbox_get},
        {"list", fiskal_outbox_list},           {"audit", fiskal_outbox_audit},
        {"reconcile", fiskal_outbox_reconcile}, {"requeue", fiskal_outbox_requeue},
        {"cancel", fiskal_outbox_cancel},
    };
    const char *input = "{\"key\": \"order-1-sell\", \"who\": \"Anna\", \"reason\": \"x\"}";
    for (int with_nulls = 0; with_nulls < 2; with_nulls++) {
        const fiskal_outbox *o = with_nulls ? NULL : BOGUS_OUTBOX;
        char **oj = with_nulls ? NULL : &out;
        size_t *ol = with_nulls ? NULL : &len;
        for (size_t i = 0; i < sizeof json_methods / sizeof json_methods[0]; i++) {
            reset_last_error();
            expect_disabled(json_methods[i].f(o, S(input), oj, ol), "outbox",
                            json_methods[i].name);
        }
        reset_last_error();
        expect_disabled(fiskal_outbox_stats(o, oj, ol), "outbox", "stats");
        reset_last_error();
        expect_disabled(fiskal_outbox_start(o), "outbox", "start");
        reset_last_error();
        expect_disabled(fiskal_outbox_stop(o), "outbox", "stop");

        /* bool outputs: start from the value a success could not leave behind unnoticed. */
        bool settled = true, found = true;
        reset_last_error();
        expect_disabled(fiskal_outbox_drain(o, 10, with_nulls ? NULL : &settled), "outbox",
                        "drain");
        reset_last_error();
        expect_disabled(fiskal_outbox_poke(o, S("order-1-sell"), with_nulls ? NULL : &found),
                        "outbox", "poke");
        CHECK(settled && found, "drain/poke wrote their output");
        settled = false;
        found = false;
        expect_disabled(fiskal_outbox_drain(o, 10, with_nulls ? NULL : &settled), "outbox",
                        "drain");
        expect_disabled(fiskal_outbox_poke(o, S("order-1-sell"), with_nulls ? NULL : &found),
                        "outbox", "poke");
        CHECK(!settled && !found, "drain/poke wrote their output");
    }
    CHECK(out == OUT_SENTINEL && len == 12345, "an outbox method wrote an output");
    CHECK(observer_calls == 0, "the observer was called %d times", observer_calls);

    fiskal_outbox_free(NULL);
    fiskal_outbox_free(OUTBOX_SENTINEL); /* does nothing: no outbox was ever made */
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s <repository root>\n", argv[0]);
        return 2;
    }
    root = argv[1];
    char path[4096];
    snprintf(path, sizeof path, "%s/examples/data/receipt_1_2.json", root);
    receipt = read_file(path);
    if (!receipt) {
        fprintf(stderr, "cannot read %s\n", path);
        return 2;
    }
    test_code();
    test_stateless_operations();
    test_client();
    test_outbox();
    free(receipt);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures > 100 ? 100 : failures;
}
