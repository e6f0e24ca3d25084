<?php

declare(strict_types=1);

namespace Fiskal;

/**
 * @internal The calls across the C ABI: input strings as (pointer, length), output strings
 * copied into PHP and released with `fiskal_string_free` at once, failures turned into
 * exceptions from `fiskal_last_error`. Not part of the public API.
 */
final class Native
{
    private static ?\FFI $ffi = null;
    /** `char *` the library writes its output string into. */
    private static \FFI\CData $out;
    /** `size_t` the library writes the output length into. */
    private static \FFI\CData $len;
    /** `&out`, `&len` (made once: FFI::addr per call would cost an allocation each). */
    private static \FFI\CData $outPtr;
    private static \FFI\CData $lenPtr;

    /** The FFI instance, with the out-parameters ready. */
    public static function ffi(): \FFI
    {
        if (self::$ffi === null) {
            $ffi = Loader::ffi();
            self::$out = $ffi->new('char *');
            self::$len = $ffi->new('size_t');
            self::$outPtr = \FFI::addr(self::$out);
            self::$lenPtr = \FFI::addr(self::$len);
            self::$ffi = $ffi;
        }
        return self::$ffi;
    }

    /**
     * Calls `fiskal_<op>(input, len, &out, &out_len)` and returns the output JSON text.
     *
     * @throws FiskalException
     */
    public static function call(string $function, string $input): string
    {
        $ffi = self::$ffi ?? self::ffi();
        $code = $ffi->$function($input, \strlen($input), self::$outPtr, self::$lenPtr);
        if ($code !== 0) {
            throw self::lastError($code);
        }
        return self::take();
    }

    /**
     * `fiskal_validate_verdict(input, len)`: the result code alone (0: the receipt passes). No
     * output string is made, so nothing is copied or freed; on a code other than 0 the reason
     * is the thread's last error ({@see lastError()}).
     */
    public static function verdict(string $input): int
    {
        return (self::$ffi ?? self::ffi())->fiskal_validate_verdict($input, \strlen($input));
    }

    /**
     * Calls `fiskal_call(op, …)`: any operation by name.
     *
     * @throws FiskalException
     */
    public static function callByName(string $op, string $input): string
    {
        $ffi = self::$ffi ?? self::ffi();
        $code = $ffi->fiskal_call($op, \strlen($op), $input, \strlen($input), self::$outPtr, self::$lenPtr);
        if ($code !== 0) {
            throw self::lastError($code);
        }
        return self::take();
    }

    /** The output pointers for functions with other signatures (handles). */
    public static function outPtr(): \FFI\CData
    {
        self::ffi();
        return self::$outPtr;
    }

    /** See {@see outPtr()}. */
    public static function lenPtr(): \FFI\CData
    {
        self::ffi();
        return self::$lenPtr;
    }

    /** Copies the output string the last successful call wrote and frees it. */
    public static function take(): string
    {
        $text = \FFI::string(self::$out, self::$len->cdata);
        self::$ffi->fiskal_string_free(self::$out);
        return $text;
    }

    /**
     * A static NUL-terminated string of the library (`fiskal_version`, `fiskal_result_name`):
     * PHP FFI already returns `const char *` results as PHP strings; never freed.
     */
    public static function staticString(mixed $value): string
    {
        return $value instanceof \FFI\CData ? \FFI::string($value) : (string) $value;
    }

    /** The exception for a failed call: the thread's last error (its code should be `$code`). */
    public static function lastError(int $code): FiskalException
    {
        $ffi = self::$ffi ?? self::ffi();
        $r = $ffi->fiskal_last_error(self::$outPtr, self::$lenPtr);
        if ($r !== 0) {
            $name = self::staticString($ffi->fiskal_result_name($code));
            return FiskalException::fromError(['code' => $code, 'name' => $name,
                'message_ru' => $name, 'message_en' => $name]);
        }
        $error = \json_decode(self::take(), true, 512, \JSON_THROW_ON_ERROR | \JSON_BIGINT_AS_STRING);
        if (!\is_array($error) || ($error['code'] ?? null) !== $code) {
            $error = ['code' => $code, 'name' => self::staticString($ffi->fiskal_result_name($code)),
                'message_ru' => '', 'message_en' => 'last error does not match the result code'];
        }
        return FiskalException::fromError($error);
    }
}
