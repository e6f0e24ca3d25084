/*
 * Tests of the fiskal C ABI from C: every exported function, NULL arguments, invalid UTF-8, a
 * huge input, every error path reachable from C, the golden vectors (tests/vectors/tlv,
 * tlv_errors, invalid) and many threads at once. Plain C11 + pthreads, no framework: every
 * check can fail, each failure is printed, and the exit code is the number of failures (capped).
 *
 * Usage: test_fiskal <repository root> <expected version>
 * Run by scripts/test-c under AddressSanitizer + UBSan and under valgrind.
 */
#define _POSIX_C_SOURCE 200809L

#include "fiskal.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int checks = 0;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

/* The condition is evaluated before the lock is taken (it may itself call CHECK). */
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

/* Where an out-pointer starts in a call expected to fail: an address no call returns, so
 * "untouched on error" shows as the sentinel still in place (a NULL start cannot tell
 * "untouched" from "set to NULL"). Never freed: `take` turns it into NULL. */
static char out_sentinel_;
#define OUT_SENTINEL (&out_sentinel_)

/* What a call left in an out-pointer that started as OUT_SENTINEL: NULL when it was untouched. */
static char *take(char *p) { return p == OUT_SENTINEL ? NULL : p; }

static const char *root = ".";

/* ---- small helpers ---- */

static char *read_file(const char *path, size_t *len) {
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
    if (len) *len = got;
    return buf;
}

/* End of the JSON value starting at p (after whitespace); NULL if malformed. */
static const char *value_end(const char *p) {
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
    if (*p == '"') {
        for (p++; *p; p++) {
            if (*p == '\\' && p[1]) p++;
            else if (*p == '"') return p + 1;
        }
        return NULL;
    }
    if (*p == '{' || *p == '[') {
        int depth = 0;
        for (; *p; p++) {
            if (*p == '"') {
                p = value_end(p);
                if (!p) return NULL;
                p--;
            } else if (*p == '{' || *p == '[') depth++;
            else if (*p == '}' || *p == ']') {
                if (--depth == 0) return p + 1;
            }
        }
        return NULL;
    }
    while (*p && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n') p++;
    return p;
}

/* A copy of the JSON value of the first "key": at top level or below (caller frees). */
static char *json_get(const char *text, const char *key) {
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *k = strstr(text, pat);
    if (!k) {
        snprintf(pat, sizeof pat, "\"%s\": ", key);
        k = strstr(text, pat);
        if (!k) return NULL;
    }
    const char *v = k + strlen(pat);
    while (*v == ' ' || *v == '\n') v++;
    const char *e = value_end(v);
    if (!e) return NULL;
    size_t n = (size_t)(e - v);
    char *out = malloc(n + 1);
    if (!out) return NULL;
    memcpy(out, v, n);
    out[n] = '\0';
    return out;
}

/* Calls an operation; returns its result, *out gets the output (or NULL). */
typedef fiskal_result (*op_fn)(const char *, size_t, char **, size_t *);

static fiskal_result run(op_fn f, const char *input, size_t len, char **out) {
    char *o = OUT_SENTINEL;
    size_t n = 12345;
    fiskal_result r = f(input, len, &o, &n);
    if (r == FISKAL_RESULT_OK) {
        CHECK(o != NULL && o != OUT_SENTINEL && strlen(o) == n, "output and its length");
    } else {
        CHECK(o == OUT_SENTINEL && n == 12345, "nothing written on failure (result %u)", (unsigned)r);
    }
    *out = take(o);
    return r;
}

static char *last_error(void) {
    char *e = NULL;
    fiskal_result r = fiskal_last_error(&e, NULL);
    CHECK(r == FISKAL_RESULT_OK && e != NULL, "fiskal_last_error");
    return e;
}

/* Expects `f(input)` to fail with `want`, and the last error to say so. */
static void expect_error(op_fn f, const char *what, const char *input, size_t len,
                         fiskal_result want) {
    char *out = NULL;
    fiskal_result r = run(f, input, len, &out);
    CHECK(r == want, "%s: result %u, expected %u", what, (unsigned)r, (unsigned)want);
    CHECK(fiskal_last_error_code() == want, "%s: last error code", what);
    char *e = last_error();
    if (e) {
        char num[32];
        snprintf(num, sizeof num, "\"code\":%u", (unsigned)want);
        CHECK(strstr(e, num) != NULL, "%s: last error JSON %s", what, e);
        CHECK(strstr(e, "\"message_ru\":\"") && strstr(e, "\"message_en\":\""), "%s: messages", what);
        CHECK(strstr(e, "\"path\":") != NULL, "%s: path key", what);
    }
    fiskal_string_free(e);
    fiskal_string_free(out);
}

#define S(x) x, strlen(x)

/* ---- the tests ---- */

static void test_version(const char *expected) {
    const char *v = fiskal_version();
    CHECK(v != NULL && strcmp(v, expected) == 0, "fiskal_version() = %s, Cargo.toml says %s",
          v ? v : "(null)", expected);
    char *j = NULL;
    size_t n = 0;
    CHECK(fiskal_version_json(&j, &n) == FISKAL_RESULT_OK, "fiskal_version_json");
    if (j) {
        char want[64];
        snprintf(want, sizeof want, "\"library_version\":\"%s\"", expected);
        CHECK(strstr(j, want) != NULL && strlen(j) == n, "version json %s", j);
        CHECK(strncmp(j, "{\"version\":1,", 13) == 0, "version first");
    }
    fiskal_string_free(j);
    CHECK(fiskal_version_json(NULL, NULL) == FISKAL_RESULT_NULL_PARAMETER, "NULL out");
}

static void test_operations(void) {
    char path[4096];
    snprintf(path, sizeof path, "%s/examples/data/receipt_1_2.json", root);
    size_t len = 0;
    char *receipt = read_file(path, &len);
    CHECK(receipt != NULL, "read %s", path);
    if (!receipt) return;

    char *out = NULL;
    CHECK(run(fiskal_validate, receipt, len, &out) == FISKAL_RESULT_OK, "validate");
    CHECK(out && strstr(out, "\"receipt\":{\"version\":1"), "validate output");
    fiskal_string_free(out);
    CHECK(fiskal_last_error_code() == FISKAL_RESULT_OK, "success clears the last error");

    CHECK(run(fiskal_to_tlv, receipt, len, &out) == FISKAL_RESULT_OK, "to_tlv");
    char *hex = out ? json_get(out, "hex") : NULL;
    fiskal_string_free(out);
    CHECK(hex != NULL, "to_tlv hex");
    if (hex) {
        size_t need = strlen(hex) + 32;
        char *in = malloc(need);
        snprintf(in, need, "{\"version\":1,\"hex\":%s}", hex);
        CHECK(run(fiskal_from_tlv, in, strlen(in), &out) == FISKAL_RESULT_OK, "from_tlv");
        CHECK(out && strstr(out, "\"valid\":true") && strstr(out, "\"dump\":"), "from_tlv output");
        CHECK(out && strstr(out, "сумма расчета"), "dump has Russian tag names");
        fiskal_string_free(out);
        free(in);
        free(hex);
    }

    size_t need = len + 128;
    char *env = malloc(need);
    snprintf(env, need, "{\"version\":1,\"key\":\"order-1\",\"receipt\":%s}", receipt);
    CHECK(run(fiskal_split, env, strlen(env), &out) == FISKAL_RESULT_OK, "split");
    CHECK(out && strstr(out, "\"key\":\"order-1-1\""), "split output");
    fiskal_string_free(out);

    snprintf(env, need,
             "{\"version\":1,\"receipt\":%s,\"adjustment\":{\"kind\":\"discount_percent\",\"value\":\"10\"},\"exclude\":[2]}",
             receipt);
    CHECK(run(fiskal_compute, env, strlen(env), &out) == FISKAL_RESULT_OK, "compute");
    CHECK(out && strstr(out, "\"amount\":\"558.97\"") && strstr(out, "\"total\":\"5380.73\""),
          "compute output %s", out ? out : "");
    fiskal_string_free(out);

    snprintf(env, need,
             "{\"version\":1,\"receipt\":%s,\"adjustment\":{\"kind\":\"discount\",\"value\":\"999999.00\"}}",
             receipt);
    expect_error(fiskal_compute, "discount too large", env, strlen(env),
                 FISKAL_RESULT_CALC_DISCOUNT_TOO_LARGE);
    free(env);

    CHECK(run(fiskal_mark, S("{\"version\":1,\"code\":\"4606203090785\"}"), &out) == FISKAL_RESULT_OK,
          "mark");
    CHECK(out && strstr(out, "\"hex_spaced\":\"45 0D 04 30 77 19 57 61\""), "mark 1162");
    fiskal_string_free(out);

    const char *qr = "{\"version\":1,\"fn_number\":\"9999078900001234\",\"fd_number\":1234,"
                     "\"fiscal_sign\":3826187301,\"date_time\":\"2026-03-02T10:15:42\","
                     "\"total\":\"599.70\",\"operation\":\"sell\"}";
    CHECK(run(fiskal_qr, S(qr), &out) == FISKAL_RESULT_OK, "qr");
    CHECK(out && strstr(out, "t=20260302T1015&s=599.70&fn=9999078900001234&i=1234&fp=3826187301&n=1"),
          "qr string");
    fiskal_string_free(out);

    /* fiskal_call by name gives the same bytes as the named function. */
    char *a = NULL, *b = NULL;
    CHECK(fiskal_call(S("to_tlv"), receipt, len, &a, NULL) == FISKAL_RESULT_OK, "call to_tlv");
    CHECK(run(fiskal_to_tlv, receipt, len, &b) == FISKAL_RESULT_OK, "to_tlv again");
    CHECK(a && b && strcmp(a, b) == 0, "fiskal_call = fiskal_to_tlv");
    fiskal_string_free(a);
    fiskal_string_free(b);
    CHECK(fiskal_call(S("version"), S(""), &a, NULL) == FISKAL_RESULT_OK, "call version");
    fiskal_string_free(a);
    free(receipt);
}

static void test_null_arguments(void) {
    char *out = OUT_SENTINEL;
    op_fn ops[] = {fiskal_validate, fiskal_compute, fiskal_split, fiskal_to_tlv,
                   fiskal_from_tlv, fiskal_mark, fiskal_qr};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        CHECK(ops[i](NULL, 0, &out, NULL) == FISKAL_RESULT_NULL_PARAMETER, "op %zu NULL input", i);
        CHECK(ops[i](NULL, 10, &out, NULL) == FISKAL_RESULT_NULL_PARAMETER, "op %zu NULL input", i);
        CHECK(ops[i]("{}", 2, NULL, NULL) == FISKAL_RESULT_NULL_PARAMETER, "op %zu NULL out", i);
        CHECK(out == OUT_SENTINEL, "op %zu: out untouched", i);
        char *e = last_error();
        CHECK(e && strstr(e, "\"path\":\"out_json\""), "the last error names the argument");
        fiskal_string_free(e);
    }
    CHECK(fiskal_validate_verdict(NULL, 0) == FISKAL_RESULT_NULL_PARAMETER, "verdict NULL input");
    CHECK(fiskal_validate_verdict(NULL, 10) == FISKAL_RESULT_NULL_PARAMETER, "verdict NULL input");
    char *ve = last_error();
    CHECK(ve && strstr(ve, "\"path\":\"input\""), "verdict: the last error names the argument");
    fiskal_string_free(ve);
    CHECK(fiskal_call(NULL, 0, "{}", 2, &out, NULL) == FISKAL_RESULT_NULL_PARAMETER, "call NULL op");
    CHECK(fiskal_call(S("mark"), NULL, 0, &out, NULL) == FISKAL_RESULT_NULL_PARAMETER, "call NULL input");
    CHECK(fiskal_call(S("mark"), "{}", 2, NULL, NULL) == FISKAL_RESULT_NULL_PARAMETER, "call NULL out");
    fiskal_result before = fiskal_last_error_code();
    CHECK(fiskal_last_error(NULL, NULL) == FISKAL_RESULT_NULL_PARAMETER, "last_error NULL");
    CHECK(fiskal_last_error_code() == before, "last_error(NULL) keeps the last error");
    size_t n = 12345;
    CHECK(fiskal_result_message(0, NULL, 10, &n) == FISKAL_RESULT_NULL_PARAMETER, "message NULL buf");
    CHECK(n == 12345, "message NULL buf: out_n untouched");
    fiskal_string_free(NULL);
    CHECK(out == OUT_SENTINEL, "out never written");
}

static void test_invalid_utf8(void) {
    const char bad[] = "{\"version\":1,\"code\":\"\xff\xfe\"}";
    op_fn ops[] = {fiskal_validate, fiskal_compute, fiskal_split, fiskal_to_tlv,
                   fiskal_from_tlv, fiskal_mark, fiskal_qr};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        expect_error(ops[i], "invalid UTF-8", bad, sizeof bad - 1, FISKAL_RESULT_INVALID_UTF8);
    }
    char *out = OUT_SENTINEL;
    CHECK(fiskal_call("\xc3", 1, S("{}"), &out, NULL) == FISKAL_RESULT_INVALID_UTF8, "op name UTF-8");
    CHECK(out == OUT_SENTINEL, "op name UTF-8: out untouched");
}

static void test_error_paths(void) {
    expect_error(fiskal_validate, "not JSON", S("{"), FISKAL_RESULT_INVALID_JSON);
    expect_error(fiskal_validate, "empty", S(""), FISKAL_RESULT_INVALID_JSON);
    expect_error(fiskal_mark, "version 2", S("{\"version\":2,\"code\":\"x\"}"),
                 FISKAL_RESULT_UNSUPPORTED_VERSION);
    expect_error(fiskal_mark, "no code", S("{\"version\":1}"), FISKAL_RESULT_INVALID_ARGUMENT);
    expect_error(fiskal_from_tlv, "bad hex", S("{\"version\":1,\"hex\":\"zz\"}"),
                 FISKAL_RESULT_INVALID_ARGUMENT);
    expect_error(fiskal_mark, "check digit", S("{\"version\":1,\"code\":\"4606203090786\"}"),
                 FISKAL_RESULT_MARK_BAD_CHECK_DIGIT);
    expect_error(fiskal_mark, "empty mark", S("{\"version\":1,\"code\":\"  \"}"), FISKAL_RESULT_MARK_EMPTY);
    expect_error(fiskal_from_tlv, "truncated", S("{\"version\":1,\"hex\":\"0300\"}"),
                 FISKAL_RESULT_TLV_TRUNCATED_HEADER);
    expect_error(fiskal_from_tlv, "trailing", S("{\"version\":1,\"hex\":\"FC03010000FF\"}"),
                 FISKAL_RESULT_TLV_TRAILING_DATA);
    /* A receipt envelope (form 3) holding only 1020: a receipt form that cannot be read as a
     * receipt (1054 and the rest are missing). Other forms decode to a dump since forms 1-41
     * are read (tests/vectors/documents). */
    expect_error(fiskal_from_tlv, "not a receipt", S("{\"version\":1,\"hex\":\"03000500FC03010000\"}"),
                 FISKAL_RESULT_TLV_NOT_A_RECEIPT);
    expect_error(fiskal_qr, "qr bad total", S("{\"version\":1,\"total\":true}"), FISKAL_RESULT_INVALID_JSON);

    char *out = OUT_SENTINEL;
    CHECK(fiskal_call(S("nope"), S("{}"), &out, NULL) == FISKAL_RESULT_UNKNOWN_OPERATION, "unknown op");
    CHECK(out == OUT_SENTINEL, "unknown op: out untouched");
    CHECK(fiskal_last_error_code() == FISKAL_RESULT_UNKNOWN_OPERATION, "unknown op last error");

    char buf[256];
    char tiny[4] = {'x', 'x', 'x', 'x'};
    size_t n = 777;
    CHECK(fiskal_result_message(FISKAL_RESULT_RECEIPT_INVALID, tiny, sizeof tiny, &n) ==
              FISKAL_RESULT_BUFFER_TOO_SMALL, "buffer too small");
    CHECK(n == 777 && tiny[0] == 'x', "nothing written when the buffer is too small");
    CHECK(fiskal_result_message(FISKAL_RESULT_RECEIPT_INVALID, buf, sizeof buf, &n) == FISKAL_RESULT_OK &&
              strcmp(buf, "the receipt is invalid") == 0 && n == strlen(buf), "message");
    CHECK(fiskal_result_message(123456, buf, sizeof buf, NULL) == FISKAL_RESULT_OK &&
              strcmp(buf, "unknown result code") == 0, "unknown code message");
    CHECK(strcmp(fiskal_result_name(FISKAL_RESULT_MARK_EMPTY), "mark_empty") == 0, "name");
    CHECK(strcmp(fiskal_result_name(42), "unknown") == 0, "unknown name");
    CHECK(fiskal_result_is_argument_error(FISKAL_RESULT_INVALID_UTF8), "is_argument_error");
    CHECK(!fiskal_result_is_argument_error(FISKAL_RESULT_OK), "ok is no error");
    CHECK(fiskal_result_is_validation_error(FISKAL_RESULT_RECEIPT_INVALID), "is_validation_error");
    CHECK(fiskal_result_is_calc_error(FISKAL_RESULT_CALC_ZERO_TOTAL), "is_calc_error");
    CHECK(fiskal_result_is_mark_error(FISKAL_RESULT_MARK_TRUNCATED), "is_mark_error");
    CHECK(fiskal_result_is_tlv_error(FISKAL_RESULT_TLV_TOO_DEEP), "is_tlv_error");
    CHECK(!fiskal_result_is_tlv_error(FISKAL_RESULT_MARK_TRUNCATED), "mark is not tlv");
}

static void test_huge_inputs(void) {
    /* 5 MB item name: parsed, then rejected by the rules (too long, CP866 is fine). */
    size_t name_len = 5u * 1024u * 1024u;
    const char *head = "{\"version\":1,\"ffd\":\"1.2\",\"operation\":\"sell\",\"company\":{\"inn\":\"7701000001\"},"
                       "\"items\":[{\"name\":\"";
    const char *tail = "\",\"price\":\"1.00\",\"quantity\":1,\"sum\":\"1.00\",\"measure\":\"piece\",\"vat\":\"vat22\","
                       "\"payment_method\":\"full_payment\",\"payment_subject\":\"commodity\"}],"
                       "\"payments\":{\"electronic\":\"1.00\"},\"total\":\"1.00\"}";
    size_t len = strlen(head) + name_len + strlen(tail);
    char *big = malloc(len + 1);
    CHECK(big != NULL, "malloc");
    if (!big) return;
    memcpy(big, head, strlen(head));
    memset(big + strlen(head), 'a', name_len);
    memcpy(big + strlen(head) + name_len, tail, strlen(tail) + 1);
    expect_error(fiskal_validate, "5 MB name", big, len, FISKAL_RESULT_RECEIPT_INVALID);
    char *e = last_error();
    CHECK(e && strstr(e, "\"name\":\"too_long\"") && strstr(e, "\"path\":\"items[0].name\""),
          "5 MB name: too_long at items[0].name");
    fiskal_string_free(e);
    free(big);

    /* Above the 16 MiB limit: refused before it is read. */
    size_t over = 16u * 1024u * 1024u + 1u;
    char *huge = malloc(over);
    CHECK(huge != NULL, "malloc");
    if (!huge) return;
    memset(huge, ' ', over);
    expect_error(fiskal_validate, "over the limit", huge, over, FISKAL_RESULT_INPUT_TOO_LARGE);
    expect_error(fiskal_mark, "over the limit", huge, over, FISKAL_RESULT_INPUT_TOO_LARGE);
    free(huge);
}

/* ---- golden vectors ---- */

typedef void (*vector_fn)(const char *name, const char *text);

static int for_each_vector(const char *sub, vector_fn f) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/vectors/%s", root, sub);
    DIR *d = opendir(dir);
    CHECK(d != NULL, "open %s", dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        size_t l = strlen(ent->d_name);
        if (l < 6 || strcmp(ent->d_name + l - 5, ".json") != 0) continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        char *text = read_file(path, NULL);
        CHECK(text != NULL, "read %s", path);
        if (text) {
            f(ent->d_name, text);
            n++;
        }
        free(text);
    }
    closedir(d);
    CHECK(n > 0, "tests/vectors/%s has no vectors", sub);
    return n;
}

static void tlv_vector(const char *name, const char *text) {
    char *receipt = json_get(text, "receipt");
    char *want = json_get(text, "tlv_hex");
    char *size = json_get(text, "size");
    CHECK(receipt && want && size, "%s: fields", name);
    if (receipt && want && size) {
        char *out = NULL;
        CHECK(run(fiskal_to_tlv, receipt, strlen(receipt), &out) == FISKAL_RESULT_OK, "%s: to_tlv", name);
        /* The verdict alone: valid, and the last error cleared. */
        CHECK(fiskal_validate_verdict(receipt, strlen(receipt)) == FISKAL_RESULT_OK, "%s: verdict", name);
        CHECK(fiskal_last_error_code() == FISKAL_RESULT_OK, "%s: verdict left a last error", name);
        char *hex = out ? json_get(out, "hex") : NULL;
        char *got_size = out ? json_get(out, "size") : NULL;
        CHECK(hex && strcmp(hex, want) == 0, "%s: TLV bytes differ", name);
        CHECK(got_size && strcmp(got_size, size) == 0, "%s: size %s != %s", name, got_size, size);
        /* Decode and re-encode: the same bytes. */
        size_t need = strlen(want) + 32;
        char *in = malloc(need);
        snprintf(in, need, "{\"version\":1,\"hex\":%s}", want);
        char *dec = NULL;
        CHECK(run(fiskal_from_tlv, in, strlen(in), &dec) == FISKAL_RESULT_OK, "%s: from_tlv", name);
        char *back = dec ? json_get(dec, "receipt") : NULL;
        char *again = NULL;
        if (back) {
            CHECK(run(fiskal_to_tlv, back, strlen(back), &again) == FISKAL_RESULT_OK, "%s: re-encode", name);
        }
        char *hex2 = again ? json_get(again, "hex") : NULL;
        CHECK(hex2 && strcmp(hex2, want) == 0, "%s: decode -> encode changed the bytes", name);
        free(hex2);
        fiskal_string_free(again);
        free(back);
        fiskal_string_free(dec);
        free(in);
        free(hex);
        free(got_size);
        fiskal_string_free(out);
    }
    free(receipt);
    free(want);
    free(size);
}

static void tlv_error_vector(const char *name, const char *text) {
    char *hex = json_get(text, "hex");
    char *err = json_get(text, "error");
    char *kind = err ? json_get(err, "kind") : NULL;
    char *offset = err ? json_get(err, "offset") : NULL;
    CHECK(hex && kind && offset, "%s: fields", name);
    if (hex && kind && offset) {
        size_t need = strlen(hex) + 32;
        char *in = malloc(need);
        snprintf(in, need, "{\"version\":1,\"hex\":%s}", hex);
        char *out = NULL;
        fiskal_result r = run(fiskal_from_tlv, in, strlen(in), &out);
        /* kind "x" (quoted) -> result name tlv_x */
        char want_name[128];
        snprintf(want_name, sizeof want_name, "tlv_%.*s", (int)(strlen(kind) - 2), kind + 1);
        CHECK(strcmp(fiskal_result_name(r), want_name) == 0, "%s: result %s, expected %s", name,
              fiskal_result_name(r), want_name);
        char *e = last_error();
        char *details = e ? json_get(e, "details") : NULL;
        char *got_offset = details ? json_get(details, "offset") : NULL;
        CHECK(got_offset && strcmp(got_offset, offset) == 0, "%s: offset %s != %s", name,
              got_offset ? got_offset : "?", offset);
        free(got_offset);
        free(details);
        fiskal_string_free(e);
        fiskal_string_free(out);
        free(in);
    }
    free(hex);
    free(err);
    free(kind);
    free(offset);
}

static void invalid_vector(const char *name, const char *text) {
    char *expect = json_get(text, "expect");
    char *kind = expect ? json_get(expect, "kind") : NULL;
    char *receipt = json_get(text, "receipt");
    char *input = json_get(text, "input");
    CHECK(kind && (receipt || input), "%s: fields", name);
    if (kind && receipt) {
        char *out = NULL;
        fiskal_result r = run(fiskal_validate, receipt, strlen(receipt), &out);
        fiskal_result want = strcmp(kind, "\"json\"") == 0 ? FISKAL_RESULT_INVALID_JSON
                                                           : FISKAL_RESULT_RECEIPT_INVALID;
        CHECK(r == want, "%s: result %u, expected %u", name, (unsigned)r, (unsigned)want);
        /* The verdict alone: the same code and the same last error, byte for byte. */
        char *full = last_error();
        fiskal_result v_r = fiskal_validate_verdict(receipt, strlen(receipt));
        char *verdict = last_error();
        CHECK(v_r == r, "%s: verdict %u, validate %u", name, (unsigned)v_r, (unsigned)r);
        CHECK(full && verdict && strcmp(full, verdict) == 0, "%s: verdict's last error differs", name);
        fiskal_string_free(full);
        fiskal_string_free(verdict);
        if (r == FISKAL_RESULT_RECEIPT_INVALID) {
            /* Every expected violation code appears in the details, in order. */
            char *e = last_error();
            const char *at = e;
            const char *v = strstr(expect, "\"violations\"");
            while (v && at && (v = strstr(v, "\"code\": \"")) != NULL) {
                v += 9;
                const char *end = strchr(v, '"');
                if (!end) break;
                char pat[96];
                snprintf(pat, sizeof pat, "\"name\":\"%.*s\"", (int)(end - v), v);
                at = strstr(at, pat);
                CHECK(at != NULL, "%s: violation %s missing or out of order", name, pat);
                if (at) at += strlen(pat);
                v = end;
            }
            fiskal_string_free(e);
        }
        fiskal_string_free(out);
    }
    free(expect);
    free(kind);
    free(receipt);
    free(input);
}

static void test_vectors(void) {
    int n = for_each_vector("tlv", tlv_vector);
    n += for_each_vector("tlv_errors", tlv_error_vector);
    n += for_each_vector("invalid", invalid_vector);
    printf("golden vectors: %d files\n", n);
}

/* ---- threads ---- */

#define THREADS 16
#define ROUNDS 200

static void *thread_main(void *arg) {
    int t = *(int *)arg;
    for (int i = 0; i < ROUNDS; i++) {
        char *out = NULL;
        fiskal_result want, r;
        switch (t % 4) {
        case 0:
            want = FISKAL_RESULT_INVALID_JSON;
            r = fiskal_validate(S("{"), &out, NULL);
            break;
        case 1:
            want = FISKAL_RESULT_MARK_BAD_CHECK_DIGIT;
            r = fiskal_mark(S("{\"version\":1,\"code\":\"4606203090786\"}"), &out, NULL);
            break;
        case 2:
            want = FISKAL_RESULT_TLV_TRUNCATED_HEADER;
            r = fiskal_from_tlv(S("{\"version\":1,\"hex\":\"03\"}"), &out, NULL);
            break;
        default:
            want = FISKAL_RESULT_OK;
            r = fiskal_mark(S("{\"version\":1,\"code\":\"4606203090785\"}"), &out, NULL);
            break;
        }
        CHECK(r == want, "thread %d: result %u", t, (unsigned)r);
        CHECK(fiskal_last_error_code() == want, "thread %d: last error is its own", t);
        if (want != FISKAL_RESULT_OK) {
            char *e = NULL;
            CHECK(fiskal_last_error(&e, NULL) == FISKAL_RESULT_OK, "thread last_error");
            char num[32];
            snprintf(num, sizeof num, "\"code\":%u", (unsigned)want);
            CHECK(e && strstr(e, num), "thread %d: last error JSON", t);
            fiskal_string_free(e);
        }
        fiskal_string_free(out);
    }
    return NULL;
}

static void test_threads(void) {
    pthread_t th[THREADS];
    int ids[THREADS];
    for (int i = 0; i < THREADS; i++) {
        ids[i] = i;
        CHECK(pthread_create(&th[i], NULL, thread_main, &ids[i]) == 0, "pthread_create");
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s <repository root> <expected version>\n", argv[0]);
        return 2;
    }
    root = argv[1];
    test_version(argv[2]);
    test_operations();
    test_null_arguments();
    test_invalid_utf8();
    test_error_paths();
    test_huge_inputs();
    test_vectors();
    test_threads();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures > 100 ? 100 : failures;
}
