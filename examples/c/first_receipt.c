/* A first receipt from C: validate, encode to TLV, read the last error of a bad receipt.
 *
 *   cargo build -p fiskal-ffi
 *   gcc -std=c11 -Wall -Wextra -Iinclude examples/c/first_receipt.c -Ltarget/debug \
 *       -Wl,-rpath,target/debug -lfiskal_ffi -o first_receipt && ./first_receipt
 *
 * Conventions (README "C API conventions"): inputs are (pointer, length) UTF-8; outputs are
 * written only on success and freed with fiskal_string_free; on failure the thread's last
 * error is JSON with the code, the field's path and messages in Russian and English. */
#include <stdio.h>
#include <string.h>

#include "fiskal.h"

static const char RECEIPT[] =
    "{\"version\":1,\"ffd\":\"1.2\",\"operation\":\"sell\",\"tax_system\":\"osn\","
    "\"company\":{\"inn\":\"7701000001\",\"payment_place\":\"https://shop.example.ru\"},"
    "\"cashier\":{\"name\":\"Иванов И.И.\"},\"client\":{\"contact\":\"+79990000001\"},"
    "\"items\":[{\"name\":\"Носки спортивные\",\"price\":\"199.90\",\"quantity\":\"3\","
    "\"sum\":\"599.70\",\"measure\":\"piece\",\"vat\":\"vat22\","
    "\"payment_method\":\"full_payment\",\"payment_subject\":\"commodity\"}],"
    "\"payments\":{\"electronic\":\"599.70\"},\"total\":\"599.70\"}";

int main(void) {
    printf("libfiskal %s\n", fiskal_version());

    char *tlv = NULL;
    size_t tlv_len = 0;
    fiskal_result rc = fiskal_to_tlv(RECEIPT, strlen(RECEIPT), &tlv, &tlv_len);
    if (rc != FISKAL_RESULT_OK) {
        char *err = NULL;
        if (fiskal_last_error(&err, NULL) == FISKAL_RESULT_OK) {
            fprintf(stderr, "to_tlv failed: %s\n", err);
            fiskal_string_free(err);
        }
        return 1;
    }
    printf("TLV: %s\n", tlv);
    fiskal_string_free(tlv);

    /* A wrong INN check digit: the error names the field. */
    char bad[sizeof RECEIPT];
    memcpy(bad, RECEIPT, sizeof RECEIPT);
    char *inn = strstr(bad, "7701000001");
    if (inn == NULL) {
        return 1;
    }
    inn[9] = '2';
    char *out = NULL;
    rc = fiskal_validate(bad, strlen(bad), &out, NULL);
    if (rc != FISKAL_RESULT_RECEIPT_INVALID || out != NULL) {
        fprintf(stderr, "expected FISKAL_RESULT_RECEIPT_INVALID, got %u\n", (unsigned)rc);
        return 1;
    }
    char *err = NULL;
    if (fiskal_last_error(&err, NULL) != FISKAL_RESULT_OK || strstr(err, "company.inn") == NULL) {
        fprintf(stderr, "the last error does not name company.inn\n");
        fiskal_string_free(err);
        return 1;
    }
    printf("invalid receipt, as expected: %.160s…\n", err);
    fiskal_string_free(err);
    return 0;
}
