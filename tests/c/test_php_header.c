/*
 * include/fiskal_php.h (the preprocessor-free header for PHP FFI) must be valid C declaring the
 * same functions as fiskal.h: this file includes it after the standard types PHP FFI has built
 * in, and takes the address of every function so that a missing or mistyped declaration fails
 * to compile or to link. Run by scripts/test-c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fiskal_php.h"

int main(void) {
    int failed = 0;
    typedef void (*any_fn)(void);
    any_fn fns[] = {
        (any_fn)fiskal_version, (any_fn)fiskal_version_json,
        (any_fn)fiskal_validate, (any_fn)fiskal_compute, (any_fn)fiskal_split,
        (any_fn)fiskal_to_tlv, (any_fn)fiskal_from_tlv, (any_fn)fiskal_mark,
        (any_fn)fiskal_qr, (any_fn)fiskal_call, (any_fn)fiskal_string_free,
        (any_fn)fiskal_last_error, (any_fn)fiskal_last_error_code,
        (any_fn)fiskal_result_name, (any_fn)fiskal_result_message,
        (any_fn)fiskal_result_is_argument_error, (any_fn)fiskal_result_is_validation_error,
        (any_fn)fiskal_result_is_calc_error, (any_fn)fiskal_result_is_mark_error,
        (any_fn)fiskal_result_is_tlv_error, (any_fn)fiskal_result_is_provider_error,
        (any_fn)fiskal_result_is_outbox_error,
        (any_fn)fiskal_client_new, (any_fn)fiskal_client_submit, (any_fn)fiskal_client_status,
        (any_fn)fiskal_client_free,
        (any_fn)fiskal_outbox_open, (any_fn)fiskal_outbox_enqueue, (any_fn)fiskal_outbox_get,
        (any_fn)fiskal_outbox_list, (any_fn)fiskal_outbox_audit, (any_fn)fiskal_outbox_stats,
        (any_fn)fiskal_outbox_start, (any_fn)fiskal_outbox_stop, (any_fn)fiskal_outbox_drain,
        (any_fn)fiskal_outbox_poke, (any_fn)fiskal_outbox_reconcile, (any_fn)fiskal_outbox_free,
        (any_fn)fiskal_outbox_requeue, (any_fn)fiskal_outbox_cancel,
    };
    /* The callback typedef and the opaque handle types are declared. */
    fiskal_outbox_observer observer = NULL;
    fiskal_client *client = NULL;
    fiskal_outbox *outbox = NULL;
    if (observer != NULL || client != NULL || outbox != NULL) failed++;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        if (fns[i] == NULL) failed++;
    }
    fiskal_result r = FISKAL_RESULT_RECEIPT_INVALID;
    if (strcmp(fiskal_result_name(r), "receipt_invalid") != 0) failed++;
    printf("%d passed, %d failed\n", (int)(sizeof fns / sizeof fns[0]) + 1 - failed, failed);
    return failed;
}
