<?php

declare(strict_types=1);

namespace Fiskal;

/**
 * The library itself: its version, a description of what it supports, any operation by name,
 * and the result codes.
 */
final class Fiskal
{
    /** The library version, e.g. `"0.1.0"` (`fiskal_version()`). */
    public static function version(): string
    {
        return Native::staticString(Native::ffi()->fiskal_version());
    }

    /**
     * The operation `version`: `['version' => 1, 'library' => 'fiskal', 'library_version' => …,
     * 'ffd_versions' => ['1.05', '1.2'], 'receipt_format_versions' => [1], 'schema_version' => 1,
     * 'max_input_len' => 16777216, 'operations' => [...]]`.
     *
     * @return array<string, mixed>
     */
    public static function info(): array
    {
        $ffi = Native::ffi();
        $code = $ffi->fiskal_version_json(Native::outPtr(), Native::lenPtr());
        if ($code !== 0) {
            throw Native::lastError($code);
        }
        return Json::decode(Native::take());
    }

    /**
     * Any operation by name (`validate`, `compute`, `split`, `to_tlv`, `from_tlv`, `mark`, `qr`,
     * `version`) with its whole input (docs/c-api.md), decoded output.
     *
     * @param array<mixed>|object|string $input
     * @return array<string, mixed>
     * @throws FiskalException
     */
    public static function call(string $operation, array|object|string $input): array
    {
        return Json::decode(self::callJson($operation, $input));
    }

    /**
     * As {@see call()}, the output JSON text as the library wrote it.
     *
     * @param array<mixed>|object|string $input
     * @throws FiskalException
     */
    public static function callJson(string $operation, array|object|string $input): string
    {
        return Native::callByName($operation, Json::text($input));
    }

    /** The snake_case name of a result code (`"receipt_invalid"`; `"unknown"` for other numbers). */
    public static function resultName(int $code): string
    {
        return Native::staticString(Native::ffi()->fiskal_result_name(self::u32($code)));
    }

    /** The generic English description of a result code. */
    public static function resultMessage(int $code): string
    {
        $ffi = Native::ffi();
        $buf = $ffi->new('char[256]');
        $n = $ffi->new('size_t');
        $r = $ffi->fiskal_result_message(self::u32($code), $buf, 256, \FFI::addr($n));
        if ($r !== 0) {
            throw Native::lastError($r);
        }
        return \FFI::string($buf, $n->cdata);
    }

    private static function u32(int $code): int
    {
        // Numbers outside uint32 are not codes: map them to one that is "unknown" for sure.
        return ($code < 0 || $code > 0xFFFFFFFF) ? 0xFFFFFFFF : $code;
    }
}
