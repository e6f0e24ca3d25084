<?php

declare(strict_types=1);

namespace Fiskal;

/**
 * A cloud cash register client (ATOL Online, Orange Data, Business.ru), built from provider
 * settings (docs/provider-settings.md). Submits receipts and asks for their status; every answer
 * is an {@see Outcome}. The native handle is released when the object is destroyed.
 *
 * ```php
 * $client = new Fiskal\Client(['provider' => 'atol', 'api' => 'v5', 'preset' => 'test', …]);
 * $o = $client->submit('order-42-sell-1', $receipt);
 * if ($o->isInDoubt()) { $o = $client->submit('order-42-sell-1', $receipt); } // same id: never twice
 * ```
 */
final class Client
{
    private ?\FFI\CData $handle;

    /**
     * @param array<string, mixed>|object|string $settings provider settings (array or JSON text)
     * @throws ProviderException 6003 (configuration; `getPath()` names the field), 6005 (TLS)
     * @throws ArgumentException
     */
    public function __construct(array|object|string $settings)
    {
        $ffi = Native::ffi();
        $out = $ffi->new('fiskal_client *');
        $json = Json::text($settings);
        $code = $ffi->fiskal_client_new($json, \strlen($json), \FFI::addr($out));
        if ($code !== 0) {
            throw Native::lastError($code);
        }
        $this->handle = $out;
    }

    /**
     * Sends a receipt under a document id (the idempotency key: submitting the same id again
     * never makes a second receipt). `$timestamp` (`2026-03-02T10:15:00`, Moscow time) defaults to
     * now; `$timeoutMs` 0 = the client's own timeouts (a call that runs out after sending is
     * `in_doubt`, not an exception).
     *
     * @param array<string, mixed>|object|string $receipt
     * @throws FiskalException when nothing could be sent (an invalid receipt: 2000 / 6002, …)
     */
    public function submit(
        string $documentId,
        array|object|string $receipt,
        ?string $callbackUrl = null,
        ?string $timestamp = null,
        int $timeoutMs = 0,
    ): Outcome {
        $fields = ['document_id' => $documentId];
        if ($callbackUrl !== null) {
            $fields['callback_url'] = $callbackUrl;
        }
        if ($timestamp !== null) {
            $fields['timestamp'] = $timestamp;
        }
        // {"receipt": <text as given>, "document_id": …}: the receipt is not decoded and re-encoded.
        $text = '{"receipt":' . Json::text($receipt) . ',' . \substr(Json::text($fields), 1);
        return $this->run('fiskal_client_submit', $text, $timeoutMs);
    }

    /**
     * Asks for a document's status. `$kind`: `sell`, `sell_refund`, `buy`, `buy_refund`,
     * `sell_correction`, `sell_refund_correction`, `buy_correction`, `buy_refund_correction`.
     *
     * @throws FiskalException
     */
    public function status(string $documentId, ?string $providerId = null, string $kind = 'sell', int $timeoutMs = 0): Outcome
    {
        $query = Json::text(['document_id' => $documentId, 'provider_id' => $providerId, 'kind' => $kind]);
        return $this->run('fiskal_client_status', $query, $timeoutMs);
    }

    /** Releases the native client now (also done by the destructor). */
    public function close(): void
    {
        if ($this->handle !== null) {
            Native::ffi()->fiskal_client_free($this->handle);
            $this->handle = null;
        }
    }

    public function __destruct()
    {
        $this->close();
    }

    private function run(string $function, string $input, int $timeoutMs): Outcome
    {
        if ($this->handle === null) {
            throw new \LogicException('the client is closed');
        }
        if ($timeoutMs < 0 || $timeoutMs > 0xFFFFFFFF) {
            throw new \InvalidArgumentException('timeoutMs must fit in uint32');
        }
        $ffi = Native::ffi();
        $code = $ffi->$function($this->handle, $input, \strlen($input), $timeoutMs, Native::outPtr(), Native::lenPtr());
        if ($code !== 0) {
            throw Native::lastError($code);
        }
        return Outcome::fromJson(Native::take());
    }

    /** A client owns its native handle: a copy would free it twice. */
    private function __clone()
    {
    }

    public function __serialize(): array
    {
        throw new \LogicException('a Fiskal\Client cannot be serialised');
    }
}
