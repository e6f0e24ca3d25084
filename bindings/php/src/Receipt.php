<?php

declare(strict_types=1);

namespace Fiskal;

/**
 * Receipt operations (docs/c-api.md): validate, price and allocate (compute), split, encode to
 * TLV and decode from it. A receipt is given as a PHP array (or object) in the receipt JSON
 * format (docs/receipt-json.md), or as the JSON text itself. Money is best given as strings
 * (`"199.90"`); outputs always carry money as strings with two decimals.
 *
 * Every method throws {@see ValidationException} (2000, every violation) for an invalid
 * receipt, {@see ArgumentException} (102 with the field's path) for a malformed one, and the
 * exception of its range for other failures.
 */
final class Receipt
{
    /** What {@see check()} returns for a receipt that passes (one shared array, no allocation). */
    public const VALID = ['ok' => true, 'errors' => []];

    /**
     * Checks a receipt against every FFD rule, as {@see validate()} does, and returns only the
     * verdict: no normalised receipt comes back, so nothing is decoded on the PHP side (the
     * fastest way to ask "may this receipt go out?"; benches/README.md, "bindings").
     *
     * Returns {@see VALID} (`['ok' => true, 'errors' => []]`) when the receipt passes. A receipt
     * that breaks FFD rules gives `['ok' => false, 'errors' => [...]]` with every violation
     * (`code` 2001–2034, `name`, `path`, `message_ru`, `message_en`, as
     * {@see ValidationException::getErrors()}); a malformed one (not JSON, a wrong type, an
     * unknown field) gives one error of code 102 `invalid_json` whose `path` names the field.
     * Other failures (input not UTF-8 or too large, the library missing) throw as every
     * method does.
     *
     * @param array<string, mixed>|object|string $receipt
     * @return array{ok: bool, errors: list<array{code: int, name: string, path: ?string, message_ru: string, message_en: string}>}
     * @throws FiskalException
     */
    public static function check(array|object|string $receipt): array
    {
        $text = \is_string($receipt) ? $receipt : Json::text($receipt);
        $code = Native::verdict($text);
        if ($code === 0) {
            return self::VALID;
        }
        $e = Native::lastError($code);
        if ($e instanceof ValidationException) {
            return ['ok' => false, 'errors' => $e->getErrors()];
        }
        if ($code === 102) {
            return ['ok' => false, 'errors' => [[
                'code' => 102,
                'name' => $e->getName(),
                'path' => $e->getPath(),
                'message_ru' => $e->getMessageRu(),
                'message_en' => $e->getMessageEn(),
            ]]];
        }
        throw $e;
    }

    /**
     * Parses and checks a receipt; returns it as fiskal prints it (money with two decimals,
     * all five payments).
     *
     * @param array<string, mixed>|object|string $receipt
     * @return array<string, mixed> the normalised receipt
     * @throws FiskalException
     */
    public static function validate(array|object|string $receipt): array
    {
        return Json::decode(Native::call('fiskal_validate', Json::text($receipt)))['receipt'];
    }

    /**
     * Prices the receipt: lines, VAT per line and per rate, receipt VAT totals; with an
     * `adjustment` also spreads a discount or markup over the lines.
     *
     * `$options` are the other keys of the `compute` envelope: `adjustment` (`['kind' =>
     * 'discount', 'value' => '100.00']`), `exclude`, `fractional_policy`, `rounding`, `payments`.
     *
     * @param array<string, mixed>|object|string $receipt
     * @param array<string, mixed> $options
     * @return array<string, mixed> `total`, `lines`, `per_rate`, `vat_totals`, `allocation`?, `receipt`
     * @throws FiskalException
     */
    public static function compute(array|object|string $receipt, array $options = []): array
    {
        return Json::decode(Native::call('fiskal_compute', Json::envelope('receipt', $receipt, $options)));
    }

    /**
     * Splits one cart into receipts under the size budget and provider limits; `$key` is the
     * idempotency key the parts' keys derive from (`order-42` → `order-42-1`, …).
     *
     * `$options`: `budget` (bytes, default 30720), `provider` (`atol` | `none`), `max_items`,
     * `max_payments`.
     *
     * @param array<string, mixed>|object|string $receipt
     * @param array<string, mixed> $options
     * @return array<string, mixed> `count` and `parts` (each: `index`, `key`, `items`, `size_bound`, `receipt`)
     * @throws FiskalException
     */
    public static function split(array|object|string $receipt, string $key, array $options = []): array
    {
        $fields = ['key' => $key];
        if ($options !== []) {
            $fields['options'] = $options;
        }
        return Json::decode(Native::call('fiskal_split', Json::envelope('receipt', $receipt, $fields)));
    }

    /**
     * Encodes the receipt as its TLV document (form 3, or 31 for a correction).
     *
     * @param array<string, mixed>|object|string $receipt
     * @return array{version: int, ffd: string, form: int, size: int, hex: string, base64: string}
     * @throws FiskalException
     */
    public static function toTlv(array|object|string $receipt): array
    {
        return Json::decode(Native::call('fiskal_to_tlv', Json::text($receipt)));
    }

    /**
     * The TLV document's raw bytes (the `hex` of {@see toTlv()}, decoded).
     *
     * @param array<string, mixed>|object|string $receipt
     * @throws FiskalException
     */
    public static function toTlvBytes(array|object|string $receipt): string
    {
        return (string) \hex2bin(self::toTlv($receipt)['hex']);
    }

    /**
     * Decodes a TLV document given as hex (any case, whitespace ignored): the receipt, whether
     * it is valid, its violations, and the readable dump with Russian tag names.
     *
     * @return array<string, mixed> `form`, `size`, `receipt`, `valid`, `violations`, `dump`
     * @throws TlvException 5001–5008 (`getDetails()`: `reason`, `offset`, `tag`), 5100
     */
    public static function fromTlv(string $hex): array
    {
        return Json::decode(Native::call('fiskal_from_tlv', Json::text(['version' => 1, 'hex' => $hex])));
    }

    /**
     * As {@see fromTlv()}, for the document's raw bytes.
     *
     * @return array<string, mixed>
     * @throws FiskalException
     */
    public static function fromTlvBytes(string $bytes): array
    {
        return Json::decode(Native::call('fiskal_from_tlv',
            '{"version":1,"base64":"' . \base64_encode($bytes) . '"}'));
    }

    /**
     * As {@see validate()}, the output JSON text as the library wrote it (no decoding).
     *
     * @param array<string, mixed>|object|string $receipt
     * @throws FiskalException
     */
    public static function validateJson(array|object|string $receipt): string
    {
        return Native::call('fiskal_validate', Json::text($receipt));
    }
}
