<?php

declare(strict_types=1);

namespace Fiskal;

/**
 * The durable outbox: a journal (SQLite) of receipts to fiscalise, with a worker that submits
 * them through the configured routes, polls their status and retries, so that every receipt is
 * fiscalised exactly once (settings: crates/fiskal-outbox/src/settings.rs).
 *
 * The native handle is released in the destructor (which stops the worker gracefully and closes
 * the journal) or by {@see close()}.
 *
 * The C API's observer callback is not offered: it runs on the worker thread, and PHP code must
 * not run on a thread PHP did not start. Poll with {@see get()}, {@see list()} or {@see stats()}.
 */
final class Outbox
{
    private ?\FFI\CData $handle;

    /**
     * Opens (or creates) the journal at `$path` with the outbox settings (array or JSON text).
     *
     * @param array<string, mixed>|object|string $settings
     * @throws OutboxException 7007 (invalid configuration), 7013 (cannot open), 7015 (schema too new), …
     */
    public function __construct(string $path, array|object|string $settings)
    {
        $ffi = Native::ffi();
        $out = $ffi->new('fiskal_outbox *');
        $json = Json::text($settings);
        $code = $ffi->fiskal_outbox_open($path, \strlen($path), $json, \strlen($json), null, null, \FFI::addr($out));
        if ($code !== 0) {
            throw Native::lastError($code);
        }
        $this->handle = $out;
    }

    /**
     * Puts a receipt in the journal under `$key` (idempotent: the same key and receipt again
     * returns the existing entry with `created` false; another receipt under the key is 7002).
     *
     * @param array<string, mixed>|object|string $receipt
     * @return array<string, mixed> the entry plus `created`
     * @throws FiskalException 7001, 7002, 7006, 7008 (violations in getErrors()), …
     */
    public function enqueue(string $key, array|object|string $receipt, ?string $route = null): array
    {
        $text = '{"key":' . \json_encode($key, Json::ENCODE) . ',"receipt":' . Json::text($receipt)
            . ',"route":' . \json_encode($route, Json::ENCODE) . '}';
        return $this->json('fiskal_outbox_enqueue', $text);
    }

    /**
     * One entry by key: `key`, `state`, `attempt`, `document_id`, `route`, `provider_id`,
     * `fiscal`, `qr`, `attention`, `last_code`, `last_message`, timestamps, `version`.
     *
     * `attention` is null except on a `done` receipt that is fiscalised but wants a person's
     * look: `['reasons' => ['negative_mark_check' | 'warnings' | 'ofd_not_delivered', …],
     * 'negative_mark_checks' => [['position', 'mark_code', 'result', 'verdict', 'meaning']…],
     * 'warnings' => [['field', 'message']…], 'ofd_not_delivered' => bool, 'summary' => '…']`.
     * A negative marking-code check means: stop selling that code.
     *
     * @return array<string, mixed>
     * @throws OutboxException 7003 when there is no such key
     */
    public function get(string $key): array
    {
        return $this->json('fiskal_outbox_get', $key);
    }

    /**
     * Entries by state: `['state' => 'done', 'limit' => 100]`; `['attention' => true]` lists
     * the done entries whose `attention` is set (see {@see get()}).
     *
     * @param array<string, mixed> $query
     * @return list<array<string, mixed>>
     */
    public function list(array $query = []): array
    {
        return $this->json('fiskal_outbox_list', Json::text($query === [] ? new \stdClass() : $query))['entries'];
    }

    /**
     * The append-only history of one entry: `seq`, `at_ms`, `from`, `to`, `reason`, `detail`,
     * `attempt`, `who`, `note` (`who` and `note`: the operator and the operator's reason, set for
     * the `operator_*` reasons of {@see requeue()} and {@see cancel()}, null otherwise).
     *
     * @return list<array<string, mixed>>
     */
    public function audit(string $key): array
    {
        return $this->json('fiskal_outbox_audit', $key)['records'];
    }

    /**
     * An operator sends the entry of `$key` again; `$who` and `$reason` (both required) are kept
     * in its audit trail, durably before this returns. A `rejected` or `failed_at_register`
     * entry, or a `stuck` one no provider can hold, goes back to `queued` under a new document id
     * (attempt + 1); a `stuck` one the provider may hold keeps its document id and goes back to
     * `accepted` (polled) or `in_doubt` (resolved with the provider before any resend), so it is
     * never fiscalised twice.
     *
     * @return array<string, mixed> the entry after the action
     * @throws OutboxException 7003 (unknown key), 7019 (the state does not allow it: the message
     *         says what to do instead, getDetails() has `action` and `state`)
     * @throws ArgumentException 107 (`$who` or `$reason` empty, too long or with control
     *         characters; getPath() names it)
     */
    public function requeue(string $key, string $who, string $reason): array
    {
        return $this->json('fiskal_outbox_requeue', self::action($key, $who, $reason));
    }

    /**
     * An operator cancels the entry of `$key` so that it never goes out: only while no provider
     * can hold it (`queued`, `retry_later`, `failed_at_register`, `rejected`, a `stuck` one no
     * provider can hold). It becomes `cancelled` (final); `$who` and `$reason` are kept in its
     * audit trail.
     *
     * @return array<string, mixed> the entry after the action
     * @throws OutboxException 7019 for anything a provider may hold (`sending`, `accepted`,
     *         `in_doubt` …: "the provider may fiscalise it; issue a refund receipt instead"), 7003
     * @throws ArgumentException 107 (`$who` or `$reason` empty; getPath() names it)
     */
    public function cancel(string $key, string $who, string $reason): array
    {
        return $this->json('fiskal_outbox_cancel', self::action($key, $who, $reason));
    }

    /**
     * An operator marks the `stuck` entry of `$key` as resolved by hand: the receipt was
     * fiscalised after all (found in the OFD's or the provider's personal account) although the
     * worker could not learn it. `$fiscal` holds its attributes as in the entry's `fiscal`
     * (`fn_number`, `fd_number`, `fiscal_sign`, `date_time`, `total`, `operation` …), checked
     * first (ФН 16 digits, ФД and ФП above zero, the receipt's own total and operation). It
     * becomes `done` with them; `$who` and `$reason` are kept in its audit trail
     * (`operator_resolve`).
     *
     * @param array<string, mixed> $fiscal
     * @return array<string, mixed> the entry after the action
     * @throws OutboxException 7019 in any state but `stuck` (the message says what to do
     *         instead), 7003
     * @throws ArgumentException 107 (`$who`, `$reason` or an attribute: getPath() names it,
     *         e.g. `fiscal.total`)
     */
    public function resolve(string $key, string $who, string $reason, array $fiscal): array
    {
        $request = Json::text(['key' => $key, 'who' => $who, 'reason' => $reason, 'fiscal' => $fiscal]);
        return $this->json('fiskal_outbox_resolve', $request);
    }

    /**
     * Counts per state, the last hour's figures and the worker's counters; `done_with_attention`
     * counts the done entries whose `attention` is set (see {@see get()}).
     *
     * @return array<string, mixed>
     */
    public function stats(): array
    {
        $code = Native::ffi()->fiskal_outbox_stats($this->handle(), Native::outPtr(), Native::lenPtr());
        if ($code !== 0) {
            throw Native::lastError($code);
        }
        return Json::decode(Native::take());
    }

    /** Starts the worker thread (submits, polls, retries in the background). */
    public function start(): void
    {
        $this->check(Native::ffi()->fiskal_outbox_start($this->handle()));
    }

    /** Stops the worker (graceful). */
    public function stop(): void
    {
        $this->check(Native::ffi()->fiskal_outbox_stop($this->handle()));
    }

    /** Waits up to `$timeoutMs` for every entry to settle; returns whether they all did. */
    public function drain(int $timeoutMs): bool
    {
        $ffi = Native::ffi();
        $settled = $ffi->new('bool');
        $this->check($ffi->fiskal_outbox_drain($this->handle(), self::u32($timeoutMs), \FFI::addr($settled)));
        return (bool) $settled->cdata;
    }

    /**
     * Wakes the worker for one entry now (a provider callback arrived): `$id` is the key or the
     * provider's id. Returns whether such an entry exists.
     */
    public function poke(string $id): bool
    {
        $ffi = Native::ffi();
        $found = $ffi->new('bool');
        $this->check($ffi->fiskal_outbox_poke($this->handle(), $id, \strlen($id), \FFI::addr($found)));
        return (bool) $found->cdata;
    }

    /**
     * Compares the journal with the providers for a period: `['from_ms' => …, 'to_ms' => …,
     * 'limit' => 1000]` → `checked`, `matched` and lists of findings, among them `attention`
     * (done with a negative marking-code check or provider warnings) and `not_delivered` (the
     * provider reports it not delivered to the OFD longer than `worker.ofd_delivery_grace_ms`).
     *
     * @param array<string, mixed> $query
     * @return array<string, mixed>
     */
    public function reconcile(array $query): array
    {
        return $this->json('fiskal_outbox_reconcile', Json::text($query));
    }

    /** Stops the worker, closes the journal and releases the handle (also the destructor's job). */
    public function close(): void
    {
        if ($this->handle !== null) {
            Native::ffi()->fiskal_outbox_free($this->handle);
            $this->handle = null;
        }
    }

    public function __destruct()
    {
        $this->close();
    }

    /** An outbox owns its native handle: a copy would free it twice. */
    private function __clone()
    {
    }

    private function handle(): \FFI\CData
    {
        if ($this->handle === null) {
            throw new \LogicException('the outbox is closed');
        }
        return $this->handle;
    }

    private function check(int $code): void
    {
        if ($code !== 0) {
            throw Native::lastError($code);
        }
    }

    /** @return array<string, mixed> */
    private function json(string $function, string $input): array
    {
        $code = Native::ffi()->$function($this->handle(), $input, \strlen($input), Native::outPtr(), Native::lenPtr());
        if ($code !== 0) {
            throw Native::lastError($code);
        }
        return Json::decode(Native::take());
    }

    private static function action(string $key, string $who, string $reason): string
    {
        return Json::text(['key' => $key, 'who' => $who, 'reason' => $reason]);
    }

    private static function u32(int $ms): int
    {
        if ($ms < 0 || $ms > 0xFFFFFFFF) {
            throw new \InvalidArgumentException('timeoutMs must fit in uint32');
        }
        return $ms;
    }
}
