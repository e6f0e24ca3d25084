/*
 * The providers of issue 13 — OFD.ru Ferma, KOMTET Kassa and МодульКасса — through the C ABI
 * exactly as the older ones: their provider settings JSON given to fiskal_client_new, a receipt
 * submitted with fiskal_client_submit and polled with fiskal_client_status until it is done at
 * the provider's emulator, with nothing provider-specific in the C API or in this program but
 * the settings text. Also: a wrong secret in each provider's settings is a typed answer (not a
 * crash), and no secret shows in any output or last error.
 *
 * Usage: test_providers <repository root>
 * Environment (scripts/test-c starts `fiskal-emulator ferma|komtet|modulkassa --port 0` and sets
 * them): FISKAL_TEST_FERMA_URL (the API root, …/api), FISKAL_TEST_KOMTET_URL (the host),
 * FISKAL_TEST_MODULKASSA_URL (…/api/fn). A missing one fails the test (nothing is skipped).
 * The credentials are the emulators' test constants (Ferma's public test login, the KOMTET and
 * МодульКасса emulators' own test shop and association), never real ones.
 * Exit code: the number of failures (capped). Run under ASan + UBSan and under valgrind.
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

static char run_id[32]; /* keeps document ids unique across runs on one emulator */

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

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One provider: its settings (with `%s` for the base URL and `%s` for the secret), the secret,
 * the receipt fixture and the total its QR string must carry. */
struct provider {
    const char *name;
    const char *url_env;
    const char *settings;
    const char *secret;
    const char *fixture;
    const char *qr_total; /* "&s=<total>&" */
};

static const struct provider PROVIDERS[] = {
    {"ferma", "FISKAL_TEST_FERMA_URL",
     "{\"provider\":\"ferma\",\"base_url\":\"%s\",\"login\":\"fermatest1\","
     "\"password\":\"%s\",\"ffd\":\"1.05\",\"http\":{\"timeout_ms\":5000}}",
     "Hjsf3321klsadfAA", "crates/fiskal-providers/tests/fixtures/ferma/receipt_sell_1_05.json",
     "&s=1111.95&"},
    {"komtet", "FISKAL_TEST_KOMTET_URL",
     "{\"provider\":\"komtet\",\"base_url\":\"%s\",\"shop_id\":\"fiskal-shop-1\","
     "\"secret\":\"%s\",\"queue_id\":\"5179\",\"http\":{\"timeout_ms\":5000}}",
     "fiskal-komtet-secret-0001", "crates/fiskal-providers/tests/fixtures/komtet/receipt_sell.json",
     "&s=5801.95&"},
    {"modulkassa", "FISKAL_TEST_MODULKASSA_URL",
     "{\"provider\":\"modulkassa\",\"base_url\":\"%s\","
     "\"user_name\":\"4f4c789c-3863-41d3-aea9-c35b5a9e7f18\",\"password\":\"%s\","
     "\"http\":{\"timeout_ms\":5000}}",
     "12345AbcDe", "crates/fiskal-providers/tests/fixtures/modulkassa/receipt_sell.json",
     "&s=5902.05&"},
};

static void no_secret(const struct provider *p, const char *what, const char *text) {
    CHECK(text == NULL || strstr(text, p->secret) == NULL, "%s: %s shows the secret", p->name, what);
}

/* Submit, then status until done, through the provider's settings JSON only. */
static void send_and_poll(const struct provider *p, const char *url, const char *receipt) {
    char *ps = fmt(p->settings, url, p->secret);
    fiskal_client *c = NULL;
    CHECK(fiskal_client_new(S(ps), &c) == FISKAL_RESULT_OK && c, "%s: client_new", p->name);
    free(ps);
    if (!c) return;

    char *req = fmt("{\"document_id\":\"c-%s-%s\",\"receipt\":%s,\"callback_url\":null,"
                    "\"timestamp\":\"2026-03-02T10:15:00\"}", p->name, run_id, receipt);
    char *out = NULL;
    size_t n = 0;
    fiskal_result r = fiskal_client_submit(c, S(req), 10000, &out, &n);
    CHECK(r == FISKAL_RESULT_OK, "%s: submit: %u", p->name, (unsigned)r);
    CHECK(out && strlen(out) == n, "%s: submit length", p->name);
    /* At the provider: accepted, or already pending there (МодульКасса answers the document's
     * status, QUEUED, to the POST itself). */
    CHECK(out && (strncmp(out, "{\"outcome\":\"accepted\"", 21) == 0 ||
                  strncmp(out, "{\"outcome\":\"pending\"", 20) == 0),
          "%s: at the provider: %s", p->name, out ? out : "");
    no_secret(p, "submit", out);
    char provider_id[80] = "";
    const char *id = out ? strstr(out, "\"provider_id\":\"") : NULL;
    if (id) sscanf(id + 15, "%79[^\"]", provider_id);
    fiskal_string_free(out);
    free(req);

    char *q = provider_id[0]
                  ? fmt("{\"document_id\":\"c-%s-%s\",\"provider_id\":\"%s\",\"kind\":\"sell\"}",
                        p->name, run_id, provider_id)
                  : fmt("{\"document_id\":\"c-%s-%s\",\"kind\":\"sell\"}", p->name, run_id);
    double deadline = now_s() + 30;
    int done = 0;
    while (q && !done && now_s() < deadline) {
        out = NULL;
        r = fiskal_client_status(c, S(q), 5000, &out, &n);
        CHECK(r == FISKAL_RESULT_OK, "%s: status: %u", p->name, (unsigned)r);
        no_secret(p, "status", out);
        if (out && strstr(out, "\"outcome\":\"done\"")) {
            done = 1;
            CHECK(strstr(out, "\"fiscal\":{") && strstr(out, "\"qr\":\"t=") &&
                      strstr(out, p->qr_total),
                  "%s: done with the receipt's total %s: %s", p->name, p->qr_total, out);
        } else {
            /* Not done yet: still at the provider, never refused or lost. */
            CHECK(out && (strstr(out, "\"outcome\":\"pending\"") ||
                          strstr(out, "\"outcome\":\"accepted\"") ||
                          strstr(out, "\"outcome\":\"retry_later\"")),
                  "%s: while waiting: %s", p->name, out ? out : "");
        }
        fiskal_string_free(out);
        if (!done) sleep_ms(50);
    }
    CHECK(done, "%s: the receipt is done at the emulator", p->name);
    free(q);
    fiskal_client_free(c);
}

/* A wrong secret: the provider refuses; the C API answers with an outcome or a typed error,
 * and neither the wrong nor the right secret shows anywhere. */
static void wrong_secret(const struct provider *p, const char *url, const char *receipt) {
    char *ps = fmt(p->settings, url, "wrong-secret-4242");
    fiskal_client *c = NULL;
    CHECK(fiskal_client_new(S(ps), &c) == FISKAL_RESULT_OK && c, "%s: client_new", p->name);
    free(ps);
    if (!c) return;
    char *req = fmt("{\"document_id\":\"c-%s-%s-auth\",\"receipt\":%s,\"callback_url\":null,"
                    "\"timestamp\":\"2026-03-02T10:15:00\"}", p->name, run_id, receipt);
    char *out = NULL;
    fiskal_result r = fiskal_client_submit(c, S(req), 10000, &out, NULL);
    if (r == FISKAL_RESULT_OK) {
        CHECK(out && strstr(out, "\"outcome\":\"done\"") == NULL &&
                  strstr(out, "\"outcome\":\"accepted\"") == NULL,
              "%s: a wrong secret is not accepted: %s", p->name, out ? out : "");
        CHECK(out && strstr(out, "wrong-secret-4242") == NULL, "%s: secret in %s", p->name, out);
        no_secret(p, "wrong-secret outcome", out);
        fiskal_string_free(out);
    } else {
        char *e = NULL;
        CHECK(fiskal_last_error(&e, NULL) == FISKAL_RESULT_OK && e, "%s: last error", p->name);
        CHECK(e && strstr(e, "wrong-secret-4242") == NULL, "%s: secret in %s", p->name, e);
        fiskal_string_free(e);
    }
    free(req);
    fiskal_client_free(c);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_providers <repository root>\n");
        return 2;
    }
    snprintf(run_id, sizeof run_id, "%ld-%ld", (long)getpid(), (long)time(NULL));
    for (size_t i = 0; i < sizeof PROVIDERS / sizeof PROVIDERS[0]; i++) {
        const struct provider *p = &PROVIDERS[i];
        const char *url = getenv(p->url_env);
        CHECK(url != NULL && url[0] != '\0', "%s is set", p->url_env);
        char *path = fmt("%s/%s", argv[1], p->fixture);
        char *receipt = path ? read_file(path) : NULL;
        CHECK(receipt != NULL, "read %s", path ? path : p->fixture);
        free(path);
        if (url && url[0] && receipt) {
            send_and_poll(p, url, receipt);
            wrong_secret(p, url, receipt);
        }
        free(receipt);
    }
    printf("%d checks, %d failed\n", checks, failures);
    return failures > 100 ? 100 : failures;
}
